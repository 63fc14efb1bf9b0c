"""The daily review page: one due question at a time, feedback after each, then the
learner's rating (changeable until the next card is shown), undo and suspension."""

from __future__ import annotations

from datetime import datetime
from functools import partial

from flask import (
    Blueprint,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user

from course.inputs import parse_int
from course.review.rating import Rating, parse_confidence
from course.services import review_changes, reviews
from course.web.answers import FormAnswers
from course.web.auth import as_logged_in, pending_login
from course.web.db import get_session
from course.web.extensions import clock, fuzz, login_manager

bp = Blueprint("review", __name__)

# The review the learner may still re-rate: set after an answer, dropped when the next
# card is shown (the web session is per device; the service checks ownership).
RATEABLE = "review_rateable"
RATINGS = {r.value: r for r in Rating}
LABELS = {Rating.AGAIN: "Again", Rating.HARD: "Hard", Rating.GOOD: "Good", Rating.EASY: "Easy"}


@bp.before_request
def _login() -> ResponseReturnValue | None:
    """Review needs an account. An answer checks the login itself, in its own read (the
    hot path: one read, not a login read and then the answer's)."""
    if request.endpoint == "review.answer" and pending_login() is not None:
        return None
    if request.method != "OPTIONS" and not current_user.is_authenticated:
        return login_manager.unauthorized()  # type: ignore[no-any-return]
    return None


def until(due: datetime, now: datetime) -> str:
    """'in 10 minutes', 'in 5 hours', 'in 3 days' (rounded up to whole units)."""
    seconds = max(0.0, (due - now).total_seconds())
    for unit, size in (("minute", 60), ("hour", 3600), ("day", 86400)):
        count = -int(-seconds // size)
        if unit == "day" or count < (60 if unit == "minute" else 24):
            return f"in {max(1, count)} {unit}{'' if max(1, count) == 1 else 's'}"
    raise AssertionError("unreachable")


@bp.get("/review")
def queue() -> ResponseReturnValue:
    now = clock().now()
    item = reviews.next_item(get_session(), now, current_user.id)
    if item is None:
        summary = reviews.summary(get_session(), now, current_user.id)
        limits = reviews.limits(get_session(), current_user.id)
        return render_template(
            "review.html", item=None, feedback=None, summary=summary, limits=limits, now=now
        )
    # The next card is shown: the previous answer's rating is final now.
    session.pop(RATEABLE, None)
    # Server-side timing: when this card was shown.
    session["review_shown"] = [item.card_id, now.timestamp()]
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
    submit = partial(
        reviews.answer,
        get_session(),
        now,
        card_id=card_id,
        reps=reps,
        answers=FormAnswers.of(request.form),
        confidence=parse_confidence(request.form.get("confidence")),
        duration_ms=duration,
        fuzz=fuzz(),
    )
    outcome = as_logged_in(submit)
    if outcome is None:
        return login_manager.unauthorized()  # type: ignore[no-any-return]
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
    session[RATEABLE] = outcome.log_id
    # Rendered on the POST itself: a reload re-sends it, and the stale check answers that.
    return render_template(
        "review.html",
        item=None,
        feedback=outcome,
        rated=outcome.rating,
        due_text=until(outcome.due, now) if outcome.due else "",
        labels=LABELS,
        summary=None,
    )


def _wants_json() -> bool:
    return request.accept_mimetypes.best_match(["text/html", "application/json"]) == (
        "application/json"
    )


@bp.post("/review/logs/<int:log_id>/rating")
def rate(log_id: int) -> ResponseReturnValue:
    rating = RATINGS.get(parse_int(request.form.get("rating"), 1, 4) or 0)
    if rating is None:
        flash("Choose Again, Hard, Good or Easy (1 to 4).", "error")
        return redirect(url_for("review.queue"))
    if session.get(RATEABLE) != log_id:
        message = "The next card has been shown, so that rating can no longer change."
        if _wants_json():
            return jsonify(error=message), 409
        flash(message, "error")
        return redirect(url_for("review.queue"))
    rerated = review_changes.rerate(get_session(), current_user.id, log_id, rating, fuzz())
    due_text = until(rerated.due, clock().now())
    if _wants_json():
        return jsonify(
            rating=int(rerated.rating),
            label=LABELS[rerated.rating],
            due=due_text,
            leech=rerated.leech,
        )
    return render_template(
        "review.html",
        item=None,
        feedback=None,
        rerated=rerated,
        rated=rerated.rating,
        due_text=due_text,
        labels=LABELS,
        summary=None,
    )


@bp.post("/review/undo")
def undo() -> ResponseReturnValue:
    # Only the review whose feedback is on screen: a repeated or stale undo (a second
    # tab, a retried request) must not walk back older reviews one by one.
    log_id = session.pop(RATEABLE, None)
    if not isinstance(log_id, int):
        flash("Nothing to undo: only the review you just answered can be undone.", "info")
        return redirect(url_for("review.queue"))
    review_changes.undo_last(get_session(), current_user.id, log_id)
    flash("Review undone: the card is back as it was before you answered it.", "info")
    return redirect(url_for("review.queue"))


@bp.post("/review/cards/<int:card_id>/suspend")
def suspend(card_id: int) -> ResponseReturnValue:
    review_changes.set_suspended(get_session(), current_user.id, card_id, True)
    flash("Card set aside: it stays out of your reviews until you bring it back.", "info")
    return redirect(url_for("review.queue"))


@bp.get("/review/set-aside")
def set_aside() -> ResponseReturnValue:
    """Every card set aside, to bring back at any time (not only when nothing is due)."""
    return render_template(
        "review_set_aside.html", cards=reviews.set_aside(get_session(), current_user.id)
    )


@bp.post("/review/cards/<int:card_id>/unsuspend")
def unsuspend(card_id: int) -> ResponseReturnValue:
    review_changes.set_suspended(get_session(), current_user.id, card_id, False)
    flash("Card back in your reviews.", "info")
    return redirect(url_for("review.queue"))


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
