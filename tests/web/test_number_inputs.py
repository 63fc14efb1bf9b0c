"""Number answers are typed on a full keyboard: the grader reads "3.8 million" and
"twenty", so no page may ask a phone for a digits-only keyboard (inputmode)."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from course.clock import FixedClock
from course.services.content_sync import sync_root
from tests.factories import (
    KEYS,
    QUIZ_PAGE,
    AuthActions,
    answer_path,
    attempt_id_from,
    bundled_questions,
    course_copy,
    end_mode,
    field,
    form_answer,
)

QUESTIONS = bundled_questions()
END_QUIZ = "/courses/end-course/quizzes/soviet-union-ww2-quiz"


def _number_box(html: str, slug: str) -> str:
    start = html.index(f'name="{field(slug)}"')
    return html[html.rindex("<input", 0, start) : html.index(">", start) + 1]


def test_number_questions_do_not_ask_for_a_digits_only_keyboard(
    app: Flask, client: FlaskClient, auth: AuthActions, session: Session, clock: FixedClock
) -> None:
    auth.signup()
    started = auth.post(f"{QUIZ_PAGE}/start", {}, token_from=QUIZ_PAGE)
    attempt = attempt_id_from(started.headers["Location"])
    for slug, question in QUESTIONS.items():  # up to the first number question
        if slug == "parallel":
            break
        auth.post(answer_path(attempt, slug), form_answer(question), f"/attempts/{attempt}")
    one = client.get(f"/attempts/{attempt}").get_data(as_text=True)
    assert f'id="question-{KEYS["parallel"]}"' in one
    box = _number_box(one, "parallel")
    assert 'type="text"' in box and "inputmode" not in box
    sync_root(session, clock, course_copy(Path(app.instance_path) / "end", "end-course", end_mode))
    started = auth.post(f"{END_QUIZ}/start", {}, token_from=END_QUIZ)
    form = client.get(started.headers["Location"]).get_data(as_text=True)
    for slug in ("parallel", "korean-war-year", "death-toll"):
        box = _number_box(form, slug)
        assert 'type="text"' in box and "inputmode" not in box, box
    assert "inputmode" not in form
