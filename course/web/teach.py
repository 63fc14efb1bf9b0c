"""Instructor pages: classes, dashboards, item analysis, exports, web authoring, admin."""

from __future__ import annotations

import re
from datetime import datetime

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from course.errors import Conflict, ContentInvalid, CourseError, InvalidInput
from course.formatting import format_when
from course.grading.keyfix import FixKind, KeyFix
from course.inputs import parse_int, scrub, unstorable
from course.services import analysis, authoring, catalog, classes, dashboard, exports, keyfix
from course.services.accounts import list_users, set_role
from course.services.authz import Actor
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
    return _overview_page(class_id)


def _overview_page(class_id: int, refused: CourseError | None = None) -> ResponseReturnValue:
    """The class page; ``refused``: why its assign form was refused, shown beside the
    field it is about, with what was chosen and typed kept (and the error's status)."""
    view = dashboard.overview(
        get_session(), clock().now(), actor(), class_id, request.args.get("sort", "name")
    )
    retention = charts.recall_chart(
        [(title, (now, week)) for title, now, week in view.retention if now is not None]
    )
    if refused is not None:
        flash("Not assigned: the Assign form below says why.", "error")
    page = render_template(
        "teach/overview.html",
        view=view,
        retention_chart=retention,
        sort=request.args.get("sort", "name"),
        assign_error=refused.message if refused else None,
        assign_field=(refused.field or "target") if refused else None,
        assign_typed=request.form if refused else {},
    )
    return page, refused.status if refused else 200


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
    removed = classes.remove_member(get_session(), actor(), class_id, user_id)
    if removed is None:
        flash("That learner was not in the class: nothing changed.", "info")
    else:
        flash(
            f"{removed} was taken out of the class (their work is kept; they can join "
            "again with the join code).",
            "info",
        )
    return redirect(url_for("teach.overview", class_id=class_id))


@bp.post("/teach/classes/<int:class_id>/assignments")
def assign(class_id: int) -> ResponseReturnValue:
    kind, _, slug = request.form.get("target", "").partition(":")
    try:
        # The instructor's wall-clock time: the service reads it in their time zone.
        due = datetime.fromisoformat(request.form.get("due", ""))
    except ValueError:
        refused = InvalidInput("Give a due date and time, like 2026-12-01T18:00.", field="due")
        return _overview_page(class_id, refused)
    try:
        moved = classes.add_assignment(
            get_session(), clock(), actor(), class_id, classes.assignment_kind(kind), slug, due
        )
    except InvalidInput as exc:  # no such lesson or quiz; a time the clocks skip
        return _overview_page(class_id, exc)
    if moved is None:
        flash("Assigned.", "info")
    else:  # it was assigned already: say that its due date moved
        zone = current_user.user.timezone
        old, new = (format_when(moment, zone) for moment in moved)
        flash(f"It was assigned already: its due date moved from {old} to {new}.", "info")
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


@bp.get("/teach/classes/<int:class_id>/quizzes/<slug>/keys")
def key_check(class_id: int, slug: str) -> ResponseReturnValue:
    report = keyfix.key_report(get_session(), actor(), class_id, slug)
    return render_template("teach/keys.html", report=report)


MAX_FIX_TEXT = 2_000
MAX_FIX_CHOICES = 100


def _posted_fix() -> tuple[int, int, KeyFix]:
    """The question, its revision and the fix a key-report form posts."""
    form = request.form
    question_id = parse_int(form.get("question_id"), low=1)
    revision_id = parse_int(form.get("revision_id"), low=1)
    if question_id is None or revision_id is None:
        raise InvalidInput("The form names no question; reload the page and try again.")
    try:
        kind = FixKind(form.get("kind", ""))
    except ValueError as exc:
        raise InvalidInput("Unknown kind of fix; reload the page and try again.") from exc
    value = form.get("value", "")
    choices = form.getlist("choice")
    if len(value) > MAX_FIX_TEXT or len(choices) > MAX_FIX_CHOICES:
        raise InvalidInput("The fix is too long; reload the page and try again.")
    for text in (value, *choices):
        bad = unstorable(text)
        if bad is not None:
            raise InvalidInput(f"The fix contains {bad}; reload the page and try again.")
    return question_id, revision_id, KeyFix(kind, value, tuple(choices))


@bp.post("/teach/classes/<int:class_id>/quizzes/<slug>/keys/apply")
def key_apply(class_id: int, slug: str) -> ResponseReturnValue:
    question_id, revision_id, fix = _posted_fix()
    allow_lower = request.form.get("allow_lower") == "1"
    note = request.form.get("note", "")
    if unstorable(note) is not None:
        raise InvalidInput("The note contains a character that cannot be stored.", field="note")
    if allow_lower and request.form.get("confirm_lower") != "1":
        # Lowering scores is asked for twice: show whom it lowers, and ask again.
        report = keyfix.key_report(get_session(), actor(), class_id, slug)
        proposal = next(
            (p for p in report.proposals if p.question_id == question_id and p.flag.fix == fix),
            None,
        )
        return render_template(
            "teach/keys_confirm.html",
            report=report,
            proposal=proposal,
            fix=fix,
            question_id=question_id,
            revision_id=revision_id,
            note=scrub(note),
        )
    applied = keyfix.apply_proposal(
        get_session(),
        actor(),
        class_id,
        question_id,
        fix,
        revision_id=revision_id,
        now=clock().now(),
        allow_lower=allow_lower,
        note=note,
    )
    return render_template("teach/keys_applied.html", class_id=class_id, slug=slug, applied=applied)


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


def _published_flash(published: authoring.Published) -> None:
    result = published.sync
    if published.revision == 0:
        flash(f"{published.path} is already so; nothing was published.", "info")
        return
    flash(
        f"Published {published.path} as version {published.revision}: content "
        f"{result.content_hash[:12]} (lessons, quizzes and questions: {result.added} "
        f"added, {result.updated} updated, {result.retired} retired).",
        "info",
    )
    if result.drafts:
        names = ", ".join(result.drafts)
        flash(f"Stored but not shown to learners (draft: true): {names}.", "info")
    for warning in published.warnings:
        flash(f"Warning, line {warning.line}: {warning.message}", "info")


@bp.route("/teach/courses/<course_id>/author", methods=["GET", "POST"])
def author(course_id: str) -> ResponseReturnValue:
    session = get_session()
    files = authoring.list_files(session, clock(), actor(), course_id)
    page: dict[str, object] = {"course_id": course_id, "files": files, "preview": None}
    page["error"] = None
    if request.method == "GET":
        return render_template("teach/author.html", **page, text="", filename="", message="")
    upload = request.files.get("file")
    data = upload.read() if upload and upload.filename else request.form.get("text", "").encode()
    filename = upload.filename if upload and upload.filename else request.form.get("filename", "")
    message = request.form.get("message", "")
    text = data.decode("utf-8", errors="replace")
    form = {"text": scrub(text), "filename": scrub(filename), "message": scrub(message)}
    try:
        for typed in (text, filename, message):
            _typed(typed)
        if request.form.get("action") == "publish":
            try:
                published = authoring.publish(
                    session, clock(), actor(), course_id, filename, data, message
                )
            except ContentInvalid:
                pass  # shown below with the preview, line by line
            else:
                _published_flash(published)
                return redirect(url_for("teach.author", course_id=course_id))
        checked = authoring.preview(session, clock(), actor(), course_id, filename, data)
    except (InvalidInput, Conflict) as exc:  # the typed text is shown back, never lost
        return render_template("teach/author.html", **{**page, "error": exc}, **form), exc.status
    if request.form.get("action") == "learner" and (full := _full_preview(checked)):
        return full
    page["preview"] = checked
    form["filename"] = checked.filename
    return render_template(
        "teach/author.html", **page, **form, sample=_sample(checked)
    ), 200 if checked.ok else 422


def _sample(checked: authoring.AuthoredPreview | None) -> authoring.LearnerPreview | None:
    """The learner's view of the previewed file (lesson page, question pages)."""
    if checked is None or not checked.ok:
        return None
    return authoring.learner_preview(checked)


def _full_preview(checked: authoring.AuthoredPreview) -> ResponseReturnValue | None:
    """The learners' own page for the previewed file, in full ("Preview as learners
    see it" opens it in a new tab); None when there is a problem to show instead."""
    sample = _sample(checked)
    if sample is None:
        return None
    if sample.lesson is not None:
        if checked.draft:
            flash(DRAFT_NOTICE, "info")
        flash(f"Preview of {checked.path}: nothing is published.", "info")
        return render_template("lesson.html", lesson=sample.lesson)
    return render_template(
        "teach/preview_quiz.html", sample=sample, path=checked.path, draft=checked.draft
    )


DRAFT_NOTICE = (
    "Draft — not shown to learners. They see it once draft: true is gone (from its lesson "
    "too, for a quiz of a draft lesson)."
)


@bp.get("/teach/courses/<course_id>/files/<path:path>/preview")
def preview_file(course_id: str, path: str) -> ResponseReturnValue:
    """A stored lesson or quiz (drafts too) as learners would see it; authors only."""
    checked = authoring.preview_file(get_session(), clock(), actor(), course_id, path)
    full = _full_preview(checked)
    if full is None:  # the served files no longer validate (a media file gone from disk)
        problems = [str(p) for p in checked.problems] + list(checked.other_problems)
        flash(
            f"{path} cannot be previewed: the course as served has problems "
            f"({'; '.join(problems[:3])}). Fix them in the editor, then preview again.",
            "error",
        )
        return redirect(url_for("teach.edit", course_id=course_id, path=path))
    return full


@bp.route("/teach/courses/<course_id>/files/<path:path>/edit", methods=["GET", "POST"])
def edit(course_id: str, path: str) -> ResponseReturnValue:
    session = get_session()
    opened = authoring.open_file(session, clock(), actor(), course_id, path)
    page: dict[str, object] = {"course_id": course_id, "file": opened, "preview": None}
    page["error"] = None
    if request.method == "GET":
        return render_template(
            "teach/edit.html", **page, text=opened.text, base=opened.version.revision, message=""
        )
    text = request.form.get("text", "")
    message = request.form.get("message", "")
    form = {"text": scrub(text), "message": scrub(message), "base": request.form.get("base", "")}
    base = parse_int(request.form.get("base"), low=0)
    try:
        for typed in (text, message):
            _typed(typed)
        data = text.replace("\r\n", "\n").encode()
        if request.form.get("action") == "publish":
            if base is None:
                # Without the version the editor opened, a newer version could be
                # replaced unseen: refuse instead of skipping the check.
                raise InvalidInput(
                    "This form did not say which version of the file you started from, so "
                    "it cannot check for changes made since. Nothing was published; your "
                    "text is below. Open the editor again and paste it in.",
                    field="base",
                )
            try:
                published = authoring.publish(
                    session, clock(), actor(), course_id, path, data, message, base_revision=base
                )
            except ContentInvalid:
                pass  # shown below beside the lines
            else:
                _published_flash(published)
                return redirect(url_for("teach.edit", course_id=course_id, path=path))
        checked = authoring.preview(session, clock(), actor(), course_id, path, data)
    except (InvalidInput, Conflict) as exc:  # the typed text is shown back, never lost
        return render_template("teach/edit.html", **{**page, "error": exc}, **form), exc.status
    if request.form.get("action") == "learner" and (full := _full_preview(checked)):
        return full
    page["preview"] = checked
    return render_template(
        "teach/edit.html", **page, **form, sample=_sample(checked)
    ), 200 if checked.ok else 422


def _version_number(raw: str | None, name: str) -> int:
    value = parse_int(raw, low=1)
    if value is None:
        raise InvalidInput("Name a version by its number (1, 2, …).", field=name)
    return value


def _typed(text: str) -> None:
    """Refuse text the database cannot store (the form shows it back, scrubbed)."""
    bad = unstorable(text)
    if bad is not None:
        raise InvalidInput(f"The text contains {bad}; remove it and try again.", field="text")


@bp.get("/teach/courses/<course_id>/files/<path:path>/history")
def history(course_id: str, path: str) -> ResponseReturnValue:
    versions = authoring.file_history(get_session(), clock(), actor(), course_id, path)
    return render_template("teach/history.html", course_id=course_id, path=path, versions=versions)


@bp.get("/teach/courses/<course_id>/files/<path:path>/diff")
def diff(course_id: str, path: str) -> ResponseReturnValue:
    old = _version_number(request.args.get("old"), "old")
    new = _version_number(request.args.get("new"), "new")
    result = authoring.diff(get_session(), actor(), course_id, path, old, new)
    return render_template("teach/diff.html", course_id=course_id, diff=result)


@bp.post("/teach/courses/<course_id>/files/<path:path>/revert")
def revert(course_id: str, path: str) -> ResponseReturnValue:
    revision = _version_number(request.form.get("revision"), "revision")
    try:
        published = authoring.revert(
            get_session(),
            clock(),
            actor(),
            course_id,
            path,
            revision,
            request.form.get("message", ""),
        )
    except ContentInvalid as exc:
        versions = authoring.file_history(get_session(), clock(), actor(), course_id, path)
        return render_template(
            "teach/history.html",
            course_id=course_id,
            path=path,
            versions=versions,
            refused=(revision, exc.lines),
        ), 422
    _published_flash(published)
    return redirect(url_for("teach.history", course_id=course_id, path=path))


@bp.get("/teach/courses/<course_id>/content.zip")
def content_zip(course_id: str) -> ResponseReturnValue:
    data = authoring.content_zip(get_session(), clock(), actor(), course_id)
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
