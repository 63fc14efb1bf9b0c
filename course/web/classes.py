"""A learner's classes: join with a code, see assignments by due date."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from course.errors import Conflict, InvalidInput
from course.services import classes
from course.services.authz import Actor
from course.web.db import get_session
from course.web.extensions import clock

bp = Blueprint("classes", __name__)


def actor() -> Actor:
    return Actor(current_user.id, current_user.user.role)


@bp.before_request
@login_required  # type: ignore[untyped-decorator]
def _login() -> None:
    """Classes need an account."""


def _page(code: str = "", error: str | None = None, status: int = 200) -> ResponseReturnValue:
    items = classes.learner_assignments(get_session(), clock(), actor())
    mine = classes.my_classes(get_session(), actor())
    return render_template(
        "classes.html", assignments=items, classes=mine, code=code, error=error
    ), status


@bp.get("/classes")
def mine() -> ResponseReturnValue:
    return _page()


@bp.get("/join/<code>")
def join_link(code: str) -> ResponseReturnValue:
    return _page(code=code[:32])


@bp.post("/classes/join")
def join() -> ResponseReturnValue:
    code = request.form.get("code", "")[:32]
    try:
        classes.join(get_session(), clock(), actor(), code)
    except (InvalidInput, Conflict) as exc:
        return _page(code=code, error=exc.message, status=exc.status)
    flash("You joined the class.", "info")
    return redirect(url_for("classes.mine"))
