"""Instructors upload a GIFT or Moodle XML file and see the conversion report; the quiz
YAML it produced is then checked and published through the authoring page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from course.errors import InvalidInput
from course.services import interchange
from course.services.authz import Actor
from course.web.db import get_session

bp = Blueprint("interop", __name__)


@bp.before_request
@login_required  # type: ignore[untyped-decorator]
def _login() -> None:
    """Authors of the course only (the service checks)."""


@bp.route("/teach/courses/<course_id>/import", methods=["GET", "POST"])
def import_questions(course_id: str) -> ResponseReturnValue:
    actor = Actor(current_user.id, current_user.user.role)
    lessons = interchange.import_lessons(get_session(), actor, course_id)
    context: dict[str, Any] = {
        "course_id": course_id,
        "lessons": lessons,
        "conversion": None,
        "errors": [],
        "filename": "",
    }
    if request.method == "GET":
        return render_template("teach/import.html", **context)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        context["errors"] = ["Choose a GIFT (.gift, .txt) or Moodle XML (.xml) file."]
        return render_template("teach/import.html", **context), 400
    try:
        conversion = interchange.preview_import(
            get_session(),
            actor,
            course_id,
            upload.filename,
            upload.read(),
            request.form.get("quiz", ""),
            request.form.get("lesson", ""),
        )
    except InvalidInput as exc:
        context["errors"] = exc.message.split("\n")
        return render_template("teach/import.html", **context), 422
    context.update(conversion=conversion, filename=f"{conversion.quiz['id']}.yaml")
    return render_template("teach/import.html", **context)
