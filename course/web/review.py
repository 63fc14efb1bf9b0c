"""The daily review page: one due question at a time, feedback after each."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from course.inputs import parse_int
from course.review.rating import parse_confidence
from course.services import reviews
from course.web.db import get_session
from course.web.extensions import clock, fuzz

bp = Blueprint("review", __name__)


@bp.before_request
@login_required  # type: ignore[untyped-decorator]
def _login() -> None:
    """Review needs an account."""


@bp.get("/review")
def queue() -> ResponseReturnValue:
    item = reviews.next_item(get_session(), clock().now(), current_user.id)
    if item is None:
        summary = reviews.summary(get_session(), clock().now(), current_user.id)
        limits = reviews.limits(get_session(), current_user.id)
        return render_template(
            "review.html", item=None, feedback=None, summary=summary, limits=limits
        )
    # Server-side timing: when this card was shown.
    session["review_shown"] = [item.card_id, clock().now().timestamp()]
    return render_template("review.html", item=item, feedback=None, summary=None, error=None)


@bp.post("/review/<int:card_id>")
def answer(card_id: int) -> ResponseReturnValue:
    reps = parse_int(request.form.get("reps"))
    if reps is None:
        flash("That review form was incomplete; here is the next question.", "error")
        return redirect(url_for("review.queue"))
    shown = session.get("review_shown") or [None, 0]
    now = clock().now()
    duration = int((now.timestamp() - shown[1]) * 1000) if shown[0] == card_id else 0
    outcome = reviews.answer(
        get_session(),
        now,
        current_user.id,
        card_id,
        reps,
        request.form.getlist,
        parse_confidence(request.form.get("confidence")),
        duration,
        fuzz(),
    )
    if outcome.stale:
        flash("You already answered that one; here is the next question.", "info")
        return redirect(url_for("review.queue"))
    if outcome.format_error:
        item = reviews.next_item(get_session(), now, current_user.id)
        if item is None or item.card_id != card_id:
            return redirect(url_for("review.queue"))
        return render_template(
            "review.html",
            item=item,
            feedback=None,
            summary=None,
            error=outcome.format_error,
            values=request.form,
        ), 400
    # Rendered on the POST itself: a reload re-sends it, and the stale check answers that.
    return render_template("review.html", item=None, feedback=outcome, summary=None)


@bp.post("/review/settings")
def settings() -> ResponseReturnValue:
    values = []
    for name in ("new_per_day", "reviews_per_day"):
        raw = request.form.get(name, "").strip()
        value = parse_int(raw, 0, reviews.MAX_DAILY)
        if raw and value is None:
            flash(
                f"Daily limits are whole numbers from 0 to {reviews.MAX_DAILY}; leave a "
                "field empty for the course's.",
                "error",
            )
            return redirect(url_for("review.queue"))
        values.append(value)
    reviews.set_limits(get_session(), current_user.id, values[0], values[1])
    flash("Review limits saved.", "info")
    return redirect(url_for("review.queue"))
