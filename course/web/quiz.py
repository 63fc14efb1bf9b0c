"""Taking a quiz: start or resume, answer, submit, results. Grading happens in services."""

from __future__ import annotations

import dataclasses
from functools import partial

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from course.errors import Conflict
from course.review.rating import parse_confidence
from course.services import attempts, disputes, drafts, misconceptions
from course.services.views import AttemptView
from course.web.answers import FormAnswers
from course.web.auth import as_logged_in, logged_in_as, pending_login
from course.web.db import get_session
from course.web.extensions import clock, fuzz, login_manager

bp = Blueprint("quiz", __name__)


# Endpoints that check the login in their own read (flask-login's fallback inside).
_CHECKS_LOGIN = {"quiz.answer", "quiz.attempt"}


@bp.before_request
def _login() -> ResponseReturnValue | None:
    """Every quiz page needs an account. An answer checks the login itself, in its
    own transaction (the hot path: one read, not a login read and then the answer's)."""
    if request.endpoint in _CHECKS_LOGIN and pending_login() is not None:
        return None
    if request.method != "OPTIONS" and not current_user.is_authenticated:
        return login_manager.unauthorized()  # type: ignore[no-any-return]
    return None


@bp.get("/courses/<course_id>/quizzes/<slug>")
def intro(course_id: str, slug: str) -> ResponseReturnValue:
    view = attempts.quiz_intro(get_session(), current_user.id, course_id, slug)
    return render_template("quiz_intro.html", quiz=view)


@bp.post("/courses/<course_id>/quizzes/<slug>/start")
def start(course_id: str, slug: str) -> ResponseReturnValue:
    attempt_id = attempts.start_attempt(get_session(), clock(), current_user.id, course_id, slug)
    return redirect(url_for("quiz.attempt", attempt_id=attempt_id))


def _own_attempt(attempt_id: int) -> AttemptView | None:
    """The attempt page's view, the login checked in the same read; None: not logged in."""
    login = pending_login()
    if login is not None:
        page = attempts.attempt_page(get_session(), clock(), login, attempt_id)
        if page.user is not None:
            logged_in_as(page.user)
            return page.view
    if not current_user.is_authenticated:
        return None
    return attempts.attempt_view(get_session(), current_user.id, attempt_id)


@bp.get("/attempts/<int:attempt_id>")
def attempt(attempt_id: int) -> ResponseReturnValue:
    view = _own_attempt(attempt_id)
    if view is None:
        return login_manager.unauthorized()  # type: ignore[no-any-return]
    shown = request.args.get("answered")
    if not view.open:
        if view.feedback_mode != "end" and shown and shown in view.answers:
            # The last answer finished the attempt: its feedback, then the results.
            return render_template(
                "attempt_question.html",
                attempt=view,
                question=next(q for q in view.questions if q.key == shown),
                answer=view.answers[shown],
                error=None,
            )
        return redirect(url_for("quiz.results", attempt_id=attempt_id))
    if view.feedback_mode == "end":
        return render_template(
            "attempt_form.html", attempt=view, errors={}, values=MultiDict(view.drafts)
        )
    if shown and shown in view.answers:
        question = next(q for q in view.questions if q.key == shown)
        return render_template(
            "attempt_question.html",
            attempt=view,
            question=question,
            answer=view.answers[shown],
            error=None,
        )
    return render_template(
        "attempt_question.html", attempt=view, question=view.next_question, answer=None, error=None
    )


@bp.get("/attempts/<int:attempt_id>/questions/<int:position>")
def question_page(attempt_id: int, position: int) -> ResponseReturnValue:
    """The address a rejected answer is shown at, opened again (reload, bookmark, new
    tab): the attempt page, which shows that question or its feedback."""
    return redirect(url_for("quiz.attempt", attempt_id=attempt_id))


@bp.post("/attempts/<int:attempt_id>/questions/<int:position>")
def answer(attempt_id: int, position: int) -> ResponseReturnValue:
    submit = partial(
        attempts.answer_question,
        get_session(),
        clock(),
        attempt_id=attempt_id,
        position=position,
        answers=FormAnswers.of(request.form),
        confidence=parse_confidence(request.form.get("confidence")),
        fuzz=fuzz(),
        maybe_last=request.form.get("last") == "1",
    )
    outcome = as_logged_in(submit)
    if outcome is None:
        return login_manager.unauthorized()  # type: ignore[no-any-return]
    if outcome.format_error or outcome.already_answered:
        view = attempts.attempt_view(get_session(), current_user.id, attempt_id)
        question = next(q for q in view.questions if q.key == str(position))
        return render_template(
            "attempt_question.html",
            attempt=view,
            question=question,
            answer=outcome.answer,
            error=outcome.format_error,
            values=request.form,
            already_answered=outcome.already_answered,
        ), (409 if outcome.already_answered else 400)
    return redirect(url_for("quiz.attempt", attempt_id=attempt_id, answered=position))


def _wants_json() -> bool:
    return request.accept_mimetypes.best_match(["text/html", "application/json"]) == (
        "application/json"
    )


def _stale_form(attempt_id: int) -> ResponseReturnValue:
    """A save or submit refused because another tab saved since this form was shown:
    the form again with what this tab typed (so it can be copied) and its old revision
    (so saving it again is refused again until the page is reloaded), and 409."""
    if _wants_json():
        return jsonify(error=drafts.STALE, stale=True), 409
    view = attempts.attempt_view(get_session(), current_user.id, attempt_id)
    flash(drafts.STALE, "error")
    return render_template(
        "attempt_form.html",
        attempt=view,
        errors={},
        values=request.form,
        revision=request.form.get("revision", ""),
    ), 409


@bp.post("/attempts/<int:attempt_id>/save")
def save(attempt_id: int) -> ResponseReturnValue:
    try:
        saved = attempts.save_answers(
            get_session(),
            clock(),
            current_user.id,
            attempt_id,
            FormAnswers.of(request.form),
            revision=request.form.get("revision"),
        )
    except drafts.StaleDrafts:
        return _stale_form(attempt_id)
    except Conflict:
        if attempts.attempt_view(get_session(), current_user.id, attempt_id).open:
            raise
        # Submitted meanwhile (another tab): the results are where to go, not a dead end.
        message = (
            "This attempt was submitted meanwhile (perhaps in another tab), so nothing "
            "more could be saved; here are its results."
        )
        if _wants_json():
            return jsonify(error=message, submitted=True), 409
        flash(message, "error")
        return redirect(url_for("quiz.results", attempt_id=attempt_id))
    if _wants_json():
        return jsonify(saved=saved.count, revision=saved.revision)
    count = saved.count
    flash(f"Saved: {count} answer{'' if count == 1 else 's'}. Nothing is graded until you submit.")
    return redirect(url_for("quiz.attempt", attempt_id=attempt_id))


@bp.post("/attempts/<int:attempt_id>/submit")
def submit(attempt_id: int) -> ResponseReturnValue:
    confirmed = request.form.get("confirm_blanks") == "1"
    outcome = attempts.submit_attempt(
        get_session(),
        clock(),
        current_user.id,
        attempt_id,
        FormAnswers.of(request.form),
        fuzz(),
        confirm_blanks=confirmed,
        revision=None if confirmed else request.form.get("revision"),
    )
    if outcome.stale:
        return _stale_form(attempt_id)
    if outcome.submitted:
        return redirect(url_for("quiz.results", attempt_id=attempt_id))
    view = attempts.attempt_view(get_session(), current_user.id, attempt_id)
    if outcome.errors:
        flash(
            "Some answers could not be read; fix them and submit again. Nothing was graded.",
            "error",
        )
        return render_template(
            "attempt_form.html", attempt=view, errors=outcome.errors, values=MultiDict(view.drafts)
        ), 400
    return render_template("attempt_blanks.html", attempt=view, blanks=outcome.blanks)


@bp.get("/attempts/<int:attempt_id>/results")
def results(attempt_id: int) -> ResponseReturnValue:
    return results_page(attempt_id)


def results_page(attempt_id: int, draft: disputes.DisputeDraft | None = None) -> str:
    """The results page; ``draft`` is a refused dispute form to show again."""
    view = attempts.results(get_session(), current_user.id, attempt_id)
    confusions = misconceptions.confusions(get_session(), current_user.id, attempt_id)
    mine = disputes.for_attempt(get_session(), clock().now(), current_user.id, attempt_id)
    if draft is not None:
        mine = dataclasses.replace(mine, draft=draft)
    return render_template("results.html", results=view, confusions=confusions, disputes=mine)
