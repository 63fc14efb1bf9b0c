"""The course, its lessons and media, and the learner's progress."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from course.services import catalog, progress, reviews
from course.web import charts, pages
from course.web.db import get_engine, get_session
from course.web.extensions import clock

bp = Blueprint("learn", __name__)


def user_id() -> int | None:
    return current_user.id if current_user.is_authenticated else None


@bp.before_request
def _require_login_if_configured() -> ResponseReturnValue | None:
    settings = current_app.config["COURSE_SETTINGS"]
    if settings.require_login and not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()  # type: ignore[attr-defined,no-any-return]
    return None


@bp.get("/")
def home() -> ResponseReturnValue:
    courses = catalog.list_courses(get_session())
    if len(courses) == 1:
        return course_page(courses[0][0])
    return render_template("home.html", courses=courses)


@bp.get("/courses/<course_id>/")
def course_page(course_id: str) -> ResponseReturnValue:
    hit = pages.cached_public(
        ("course", course_id), catalog.published_version(get_engine(), course_id)
    )
    if hit is not None:
        return hit
    view = progress.course_progress(get_session(), clock(), user_id(), course_id)
    return pages.render_public("course.html", ("course", course_id), view.version, course=view)


@bp.get("/courses/<course_id>")
def course_redirect(course_id: str) -> ResponseReturnValue:
    return redirect(url_for("learn.course_page", course_id=course_id))


@bp.get("/courses/<course_id>/lessons/<slug>")
def lesson(course_id: str, slug: str) -> ResponseReturnValue:
    hit = pages.cached_public(
        ("lesson", course_id, slug), catalog.published_version(get_engine(), course_id)
    )
    if hit is not None:
        return hit
    view = catalog.lesson_view(get_session(), course_id, slug)
    return pages.render_public(
        "lesson.html", ("lesson", course_id, slug), view.version, lesson=view
    )


@bp.post("/courses/<course_id>/lessons/<slug>/read")
@login_required  # type: ignore[untyped-decorator]
def mark_read(course_id: str, slug: str) -> ResponseReturnValue:
    progress.mark_read(get_session(), clock(), current_user.id, course_id, slug)
    view = catalog.lesson_view(get_session(), course_id, slug)
    if view.quizzes:  # the first of its quizzes; the lesson page links every one
        return redirect(url_for("quiz.intro", course_id=course_id, slug=view.quizzes[0].slug))
    return redirect(url_for("learn.course_page", course_id=course_id))


@bp.get("/courses/<course_id>/progress")
@login_required  # type: ignore[untyped-decorator]
def progress_page(course_id: str) -> ResponseReturnValue:
    now = clock().now()
    view = progress.course_progress(get_session(), clock(), current_user.id, course_id)
    mastery = reviews.mastery(get_session(), now, current_user.id, course_id)
    recall = charts.recall_chart(
        [(lesson.title, lesson.memory.recall) for lesson in view.lessons if lesson.memory]
    )
    due = charts.forecast_chart(list(mastery.forecast))
    return render_template(
        "progress.html", course=view, mastery=mastery, recall_chart=recall, forecast_chart=due
    )


@bp.get("/media/<course_id>/<path:rel>")
def media(course_id: str, rel: str) -> ResponseReturnValue:
    path, mimetype = catalog.media_file(get_session(), course_id, rel)
    return send_file(path, mimetype=mimetype, max_age=3600, conditional=True)
