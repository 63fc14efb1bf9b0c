"""Instructor pages: classes, dashboards, item analysis, exports, web authoring, admin."""

from __future__ import annotations

import re
from datetime import datetime

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from course.errors import ContentInvalid, InvalidInput
from course.services import analysis, authoring, catalog, classes, dashboard, exports
from course.services.accounts import list_users, set_role
from course.services.authz import Actor, require_staff
from course.store.users import Role
from course.web import charts
from course.web.db import get_session
from course.web.extensions import clock

bp = Blueprint("teach", __name__)


def actor() -> Actor:
    return Actor(current_user.id, current_user.user.role)


@bp.before_request
@login_required  # type: ignore[untyped-decorator]
def _login() -> None:
    """Instructor pages need an account; the services check the role."""


@bp.get("/teach")
def home() -> ResponseReturnValue:
    mine = classes.teaching(get_session(), actor())
    return render_template(
        "teach/home.html", classes=mine, courses=catalog.list_courses(get_session())
    )


@bp.post("/teach/classes")
def create() -> ResponseReturnValue:
    class_id = classes.create_class(
        get_session(),
        clock(),
        actor(),
        request.form.get("course_id", ""),
        request.form.get("name", ""),
    )
    return redirect(url_for("teach.overview", class_id=class_id))


@bp.get("/teach/classes/<int:class_id>")
def overview(class_id: int) -> ResponseReturnValue:
    view = dashboard.overview(
        get_session(), clock().now(), actor(), class_id, request.args.get("sort", "name")
    )
    retention = charts.recall_chart(
        [(title, (now, week)) for title, now, week in view.retention if now is not None]
    )
    return render_template(
        "teach/overview.html",
        view=view,
        retention_chart=retention,
        sort=request.args.get("sort", "name"),
    )


@bp.post("/teach/classes/<int:class_id>/code")
def rotate(class_id: int) -> ResponseReturnValue:
    classes.rotate_code(get_session(), actor(), class_id)
    flash("New join code made; the old one no longer works.", "info")
    return redirect(url_for("teach.overview", class_id=class_id))


@bp.post("/teach/classes/<int:class_id>/joining")
def joining(class_id: int) -> ResponseReturnValue:
    classes.set_joining(get_session(), actor(), class_id, request.form.get("open") == "1")
    return redirect(url_for("teach.overview", class_id=class_id))


@bp.post("/teach/classes/<int:class_id>/members/<int:user_id>/remove")
def remove_member(class_id: int, user_id: int) -> ResponseReturnValue:
    classes.remove_member(get_session(), actor(), class_id, user_id)
    flash("Learner removed from the class.", "info")
    return redirect(url_for("teach.overview", class_id=class_id))


@bp.post("/teach/classes/<int:class_id>/assignments")
def assign(class_id: int) -> ResponseReturnValue:
    kind, _, slug = request.form.get("target", "").partition(":")
    try:
        # The instructor's wall-clock time: the service reads it in their time zone.
        due = datetime.fromisoformat(request.form.get("due", ""))
    except ValueError as exc:
        raise InvalidInput("Give a due date and time, like 2026-12-01T18:00.", field="due") from exc
    classes.add_assignment(get_session(), clock(), actor(), class_id, kind, slug, due)
    flash("Assigned.", "info")
    return redirect(url_for("teach.overview", class_id=class_id))


@bp.post("/teach/classes/<int:class_id>/assignments/<int:assignment_id>/delete")
def unassign(class_id: int, assignment_id: int) -> ResponseReturnValue:
    classes.remove_assignment(get_session(), actor(), class_id, assignment_id)
    return redirect(url_for("teach.overview", class_id=class_id))


@bp.get("/teach/classes/<int:class_id>/learners/<int:user_id>")
def learner(class_id: int, user_id: int) -> ResponseReturnValue:
    detail = dashboard.learner_detail(get_session(), clock().now(), actor(), class_id, user_id)
    return render_template("teach/learner.html", detail=detail)


@bp.get("/teach/classes/<int:class_id>/quizzes/<slug>")
def quiz_analysis(class_id: int, slug: str) -> ResponseReturnValue:
    result = analysis.analyse(get_session(), actor(), class_id, slug)
    chart = charts.recall_chart(
        [(i.question, (i.facility,)) for i in result.items if i.facility is not None]
    )
    return render_template("teach/analysis.html", result=result, chart=chart)


def safe_filename(name: str) -> str:
    """A download name that no browser or shell misreads: ``[A-Za-z0-9._-]``, no ``..``."""
    cleaned = re.sub(r"\.{2,}", ".", re.sub(r"[^A-Za-z0-9._-]+", "_", name)).strip("._")
    return cleaned[:100] or "download"


def _attachment(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{safe_filename(name)}"'}


def _csv(data: bytes, name: str) -> Response:
    return Response(data, mimetype="text/csv", headers=_attachment(name))  # Flask adds the charset


@bp.get("/teach/classes/<int:class_id>/gradebook.csv")
def gradebook(class_id: int) -> ResponseReturnValue:
    data = exports.gradebook(
        get_session(), clock().now(), actor(), class_id, bom=request.args.get("bom") == "1"
    )
    return _csv(data, f"gradebook-class-{class_id}.csv")


@bp.get("/teach/classes/<int:class_id>/responses.csv")
def responses(class_id: int) -> ResponseReturnValue:
    data = exports.responses(get_session(), actor(), class_id, bom=request.args.get("bom") == "1")
    return _csv(data, f"responses-class-{class_id}.csv")


@bp.route("/teach/courses/<course_id>/author", methods=["GET", "POST"])
def author(course_id: str) -> ResponseReturnValue:
    require_staff(actor())
    root = catalog.content_root(get_session(), course_id)
    if request.method == "GET":
        return render_template(
            "teach/author.html", course_id=course_id, preview=None, text="", filename=""
        )
    upload = request.files.get("file")
    data = upload.read() if upload and upload.filename else request.form.get("text", "").encode()
    filename = upload.filename if upload and upload.filename else request.form.get("filename", "")
    if request.form.get("action") == "publish":
        try:
            published = authoring.publish(get_session(), clock(), actor(), root, filename, data)
        except ContentInvalid:
            pass  # shown below with the preview, line by line
        else:
            result = published.sync
            flash(
                f"Published: content {result.content_hash[:12]} ({result.added} added, "
                f"{result.updated} updated, {result.retired} retired).",
                "info",
            )
            for warning in published.warnings:
                flash(f"Warning, line {warning.line}: {warning.message}", "info")
            return redirect(url_for("teach.author", course_id=course_id))
    checked = authoring.preview(actor(), root, filename, data)
    status = 200 if checked.ok else 422
    return render_template(
        "teach/author.html",
        course_id=course_id,
        preview=checked,
        text=data.decode("utf-8", errors="replace"),
        filename=checked.filename,
    ), status


@bp.get("/teach/courses/<course_id>/content.zip")
def content_zip(course_id: str) -> ResponseReturnValue:
    require_staff(actor())
    data = authoring.content_zip(actor(), catalog.content_root(get_session(), course_id))
    return Response(
        data,
        mimetype="application/zip",
        headers=_attachment(f"{course_id}.zip"),
    )


@bp.get("/admin/users")
def users() -> ResponseReturnValue:
    return render_template(
        "teach/users.html", users=list_users(get_session(), actor()), roles=[r.value for r in Role]
    )


@bp.post("/admin/users/<int:user_id>/role")
def change_role(user_id: int) -> ResponseReturnValue:
    try:
        role = Role(request.form.get("role", ""))
    except ValueError as exc:
        raise InvalidInput("Choose learner, instructor or admin.") from exc
    set_role(get_session(), actor(), user_id, role)
    flash("Role changed.", "info")
    return redirect(url_for("teach.users"))
