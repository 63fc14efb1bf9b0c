"""Disputes: a learner disputes a graded answer; an instructor reads and settles it.

Thin views: the services check who may do what (a learner's own answers only; an
instructor's own learners only) and raise the errors ``web/errors.py`` maps to HTTP.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from course.errors import Conflict, InvalidInput, TooManyRequests
from course.services import dispute_views, disputes
from course.services.authz import Actor
from course.services.drafts import position_key
from course.web.db import get_session
from course.web.extensions import clock
from course.web.quiz import results_page

bp = Blueprint("disputes", __name__)


def actor() -> Actor:
    return Actor(current_user.id, current_user.user.role)


@bp.before_request
@login_required  # type: ignore[untyped-decorator]
def _login() -> None:
    """Every dispute page needs an account; the services check the role."""


@bp.post("/attempts/<int:attempt_id>/questions/<int:position>/dispute")
def open_dispute(attempt_id: int, position: int) -> ResponseReturnValue:
    comment = request.form.get("comment", "")
    try:
        disputes.open_dispute(get_session(), clock().now(), actor(), attempt_id, position, comment)
    except (InvalidInput, Conflict, TooManyRequests) as exc:
        # The results page again, the form under its answer with the words kept.
        draft = disputes.DisputeDraft(position_key(position - 1), comment, exc.message)
        page = results_page(attempt_id, draft)
        headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, TooManyRequests) else {}
        return page, exc.status, headers
    flash("Sent to your instructor. Their answer will show here, beside your answer.", "info")
    return redirect(url_for("quiz.results", attempt_id=attempt_id, _anchor=f"answer-{position}"))


@bp.get("/teach/disputes")
def inbox() -> ResponseReturnValue:
    show_all = request.args.get("show") == "all"
    view = dispute_views.inbox(get_session(), actor(), show_all=show_all)
    return render_template("disputes/inbox.html", inbox=view)


@bp.get("/teach/classes/<int:class_id>/disputes")
def class_inbox(class_id: int) -> ResponseReturnValue:
    show_all = request.args.get("show") == "all"
    view = dispute_views.inbox(get_session(), actor(), class_id, show_all=show_all)
    return render_template("disputes/inbox.html", inbox=view)


@bp.get("/teach/disputes/<int:dispute_id>")
def detail(dispute_id: int) -> ResponseReturnValue:
    view = dispute_views.detail(get_session(), actor(), dispute_id)
    return render_template("disputes/detail.html", d=view)


_DONE = {
    disputes.Resolution.FOR_EVERYONE: "Accepted for everyone: the answer is in the key and "
    "the question's answers were regraded.",
    disputes.Resolution.FOR_LEARNER: "Accepted for this learner: their answer now counts.",
    disputes.Resolution.DECLINE: "Declined; the learner sees your reply.",
}


@bp.post("/teach/disputes/<int:dispute_id>/resolve")
def resolve(dispute_id: int) -> ResponseReturnValue:
    reply = request.form.get("reply", "")
    try:
        try:
            resolution = disputes.Resolution(request.form.get("action", ""))
        except ValueError as exc:
            raise InvalidInput(
                "Choose accept for everyone, accept for this learner, or decline."
            ) from exc
        settled = disputes.resolve(
            get_session(), clock().now(), actor(), dispute_id, resolution, reply
        )
    except InvalidInput as exc:
        # The dispute page again, the reason beside the form and the reply kept.
        view = dispute_views.detail(get_session(), actor(), dispute_id)
        page = render_template("disputes/detail.html", d=view, error=exc, reply=reply)
        return page, exc.status
    message = _DONE[resolution]
    if settled.also_settled:
        message += f" It settled {settled.also_settled} other open dispute(s) of this question."
    flash(message, "info")
    return redirect(url_for("disputes.detail", dispute_id=dispute_id))
