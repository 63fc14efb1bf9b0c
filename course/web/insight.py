"""Instructor pages about what a class gets wrong: the misconception report and an
item's history across its content versions. The services decide who may see them."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from course.services import item_history, misconceptions
from course.services.authz import Actor
from course.web.db import get_session
from course.web.trend_chart import weekly_share_chart

bp = Blueprint("insight", __name__)


def actor() -> Actor:
    return Actor(current_user.id, current_user.user.role)


@bp.before_request
@login_required  # type: ignore[untyped-decorator]
def _login() -> None:
    """Instructor pages need an account; the services check the role."""


def _report(class_id: int, slug: str | None) -> ResponseReturnValue:
    report = misconceptions.report(get_session(), actor(), class_id, slug)
    trends = {row.slug: weekly_share_chart(row.slug, row.weeks) for row in report.rows}
    return render_template("teach/misconceptions.html", report=report, trends=trends)


@bp.get("/teach/classes/<int:class_id>/misconceptions")
def class_report(class_id: int) -> ResponseReturnValue:
    return _report(class_id, None)


@bp.get("/teach/classes/<int:class_id>/quizzes/<slug>/misconceptions")
def quiz_report(class_id: int, slug: str) -> ResponseReturnValue:
    return _report(class_id, slug)


@bp.get("/teach/classes/<int:class_id>/quizzes/<slug>/questions/<question>")
def item(class_id: int, slug: str, question: str) -> ResponseReturnValue:
    history = item_history.item_history(get_session(), actor(), class_id, slug, question)
    return render_template("teach/item.html", item=history)
