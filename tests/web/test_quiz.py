"""The learner journey through the real app: read, take the quiz, results, progress."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from course.clock import FixedClock
from course.grading.registry import correct_answer
from course.services.content_sync import sync_root
from course.store.attempts import Attempt, Response
from tests.factories import (
    KEYS,
    AuthActions,
    answer_path,
    attempt_id_from,
    bundled_questions,
    course_copy,
    course_question_total,
    end_mode,
    field,
    form_answer,
)

COURSE = "/courses/ww2-soviet-union"
QUIZ = f"{COURSE}/quizzes/soviet-union-ww2-quiz"
QUESTIONS = bundled_questions()
SLUG_AT = {key: slug for slug, key in KEYS.items()}


def start(client: FlaskClient, quiz: str = QUIZ) -> int:
    page = AuthActions(client).post(f"{quiz}/start", {}, token_from=quiz)
    assert page.status_code == 302, page.get_data(as_text=True)
    return attempt_id_from(page.headers["Location"])


def current_question(client: FlaskClient, attempt: int) -> str | None:
    html = client.get(f"/attempts/{attempt}").get_data(as_text=True)
    match = re.search(r'action="/attempts/\d+/questions/(\d+)"', html)
    return SLUG_AT[match.group(1)] if match else None


def test_anonymous_is_sent_to_login(client: FlaskClient) -> None:
    for path in (QUIZ, "/attempts/1", "/attempts/1/results", f"{COURSE}/progress", "/account"):
        page = client.get(path)
        assert page.status_code == 302 and "/login" in page.headers["Location"], path
    assert client.get(f"{COURSE}/lessons/soviet-union-ww2").status_code == 200


def test_full_immediate_journey(client: FlaskClient, auth: AuthActions, session: Session) -> None:
    auth.signup()
    lesson = f"{COURSE}/lessons/soviet-union-ww2"
    read = auth.post(f"{lesson}/read", {}, token_from=lesson)
    assert read.headers["Location"].endswith(QUIZ)
    attempt = start(client)
    seen = 0
    while (qid := current_question(client, attempt)) is not None:
        question = QUESTIONS[qid]
        page = auth.post(
            answer_path(attempt, qid),
            form_answer(question, right=(seen % 4 != 0)),
            token_from=f"/attempts/{attempt}",
        )
        assert page.status_code == 302
        feedback = client.get(page.headers["Location"]).get_data(as_text=True)
        assert "point" in feedback
        seen += 1
    assert seen == 17
    # The last answer finished the attempt; a late "finish" changes nothing.
    done = auth.post(f"/attempts/{attempt}/submit", {}, token_from="/")
    results = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Not passed yet" in results or "Passed" in results
    assert "Review this in the lesson" in results
    course = client.get(f"{COURSE}/").get_data(as_text=True)
    assert re.search(r"quiz (taken|passed) · best \d+%", course)
    progress = client.get(f"{COURSE}/progress").get_data(as_text=True)
    total = course_question_total()
    assert total > len(QUESTIONS)  # the course has more quizzes than this one
    learned = re.search(
        rf'<span class="big">(\d+)</span><span>of {total} questions learned', progress
    )
    # One right answer is a first step, not learning: no card has a week's stability yet.
    assert learned and int(learned.group(1)) == 0
    assert '<span class="big">1</span><span>day streak' in progress


def test_correct_answers_never_in_question_pages(client: FlaskClient, auth: AuthActions) -> None:
    """THREATS 14: no answer, feedback or explanation reaches the page before answering."""
    auth.signup()
    attempt = start(client)
    html_by_question: dict[str, str] = {}
    while (qid := current_question(client, attempt)) is not None:
        html_by_question[qid] = client.get(f"/attempts/{attempt}").get_data(as_text=True)
        auth.post(
            answer_path(attempt, qid),
            form_answer(QUESTIONS[qid]),
            token_from=f"/attempts/{attempt}",
        )
    assert len(html_by_question) == 17
    for qid, html in html_by_question.items():
        question = QUESTIONS[qid]
        assert "correct" not in html.lower(), qid
        if question.explanation:
            assert (
                question.explanation.split()[0:6] != []
                and " ".join(question.explanation.split()[:6]) not in html
            ), qid
        if question.type.value in ("text", "number", "date", "cloze"):
            assert correct_answer(question) not in html, qid
        for choice in getattr(question, "choices", ()):
            if choice.feedback:
                assert choice.feedback[:30] not in html, qid


def test_double_submission_grades_once(
    client: FlaskClient, auth: AuthActions, session: Session
) -> None:
    auth.signup()
    attempt = start(client)
    qid = current_question(client, attempt)
    assert qid is not None
    right = form_answer(QUESTIONS[qid])
    wrong = form_answer(QUESTIONS[qid], right=False)
    first = auth.post(answer_path(attempt, qid), right, token_from=f"/attempts/{attempt}")
    again = auth.post(answer_path(attempt, qid), wrong, token_from=f"/attempts/{attempt}")
    assert first.status_code == 302
    assert again.status_code == 409  # THREATS 18/49: the first answer counts
    with session.begin():
        rows = session.scalars(select(Response)).all()
        assert len(rows) == 1 and rows[0].score == 1.0
    # Starting again resumes the open attempt instead of creating another.
    assert start(client) == attempt


def test_forged_answers_refused(client: FlaskClient, auth: AuthActions, session: Session) -> None:
    auth.signup()
    attempt = start(client)
    qid = current_question(client, attempt)
    assert qid == "manchuria-invasion"
    spy = answer_path(attempt, "spy-location")
    token_page = f"/attempts/{attempt}"
    forged = auth.post(spy, {field("spy-location"): "o-not-a-choice"}, token_from=token_page)
    assert forged.status_code == 400 and "could not be accepted" in forged.get_data(as_text=True)
    other = auth.post(f"/attempts/{attempt}/questions/99", {"x": "1"}, token_from=token_page)
    assert other.status_code == 400
    huge = auth.post(
        answer_path(attempt, qid),
        {field("manchuria-invasion"): "9" * 5000},
        token_from=token_page,
    )
    assert huge.status_code == 400
    ambiguous = auth.post(
        answer_path(attempt, qid),
        {field("manchuria-invasion"): "08/09/1945"},
        token_from=token_page,
    )
    assert ambiguous.status_code == 400
    assert "please write it as 8 September 1945 or 9 August 1945" in ambiguous.get_data(
        as_text=True
    )
    # That page's address, opened again (reload, bookmark), leads back to the question.
    again = client.get(answer_path(attempt, qid))
    assert again.status_code == 302 and again.headers["Location"].endswith(token_page)
    with session.begin():
        assert session.scalar(select(func.count()).select_from(Response)) == 0


def test_no_csrf_no_answer(client: FlaskClient, auth: AuthActions, session: Session) -> None:
    auth.signup()
    attempt = start(client)
    page = client.post(
        answer_path(attempt, "manchuria-invasion"),
        data={field("manchuria-invasion"): "9 August 1945"},
    )
    assert page.status_code == 400
    with session.begin():
        assert session.scalar(select(func.count()).select_from(Response)) == 0


def test_other_learners_attempt_is_not_found(app: Flask) -> None:
    owner, intruder = app.test_client(), app.test_client()
    AuthActions(owner).signup("owner@example.org")
    AuthActions(intruder).signup("intruder@example.org")
    attempt = start(owner)
    for path in (f"/attempts/{attempt}", f"/attempts/{attempt}/results"):
        assert intruder.get(path).status_code == 404
    forged = AuthActions(intruder).post(
        answer_path(attempt, "manchuria-invasion"),
        {field("manchuria-invasion"): "9 August 1945"},
    )
    assert forged.status_code == 404


def finish_with_wrong_answers(client: FlaskClient, attempt: int) -> None:
    while (qid := current_question(client, attempt)) is not None:
        AuthActions(client).post(
            answer_path(attempt, qid),
            form_answer(QUESTIONS[qid], False),
            token_from=f"/attempts/{attempt}",
        )
    AuthActions(client).post(f"/attempts/{attempt}/submit", {}, token_from="/")


def test_attempt_limit(client: FlaskClient, auth: AuthActions, session: Session) -> None:
    auth.signup()
    for _ in range(3):
        finish_with_wrong_answers(client, start(client))
    fourth = auth.post(f"{QUIZ}/start", {}, token_from=QUIZ)
    assert fourth.status_code == 409
    assert "used all 3 attempts" in fourth.get_data(as_text=True)
    with session.begin():
        assert session.scalar(select(func.count()).select_from(Attempt)) == 3


@pytest.fixture
def end_quiz(tmp_path: Path, session: Session, clock: FixedClock, app: Flask) -> str:
    """A second course whose quiz gives feedback at the end."""
    sync_root(session, clock, course_copy(tmp_path / "end", "end-course", end_mode))
    return "/courses/end-course/quizzes/soviet-union-ww2-quiz"


def test_end_mode_one_form(
    client: FlaskClient, auth: AuthActions, end_quiz: str, session: Session
) -> None:
    auth.signup()
    attempt = start(client, end_quiz)
    form = client.get(f"/attempts/{attempt}").get_data(as_text=True)
    assert form.count("<fieldset") == 17 and "Submit answers" in form
    answers: dict[str, object] = {}
    for question in QUESTIONS.values():
        answers.update(form_answer(question))
    answers[field("manchuria-invasion")] = "08/09/1945"  # unreadable: nothing graded
    retry = auth.post(f"/attempts/{attempt}/submit", answers, token_from=f"/attempts/{attempt}")
    assert retry.status_code == 400
    text = retry.get_data(as_text=True)
    assert (
        "please write it as 8 September 1945 or 9 August 1945" in text
        and 'value="Sakhalin"' in text
    )
    with session.begin():
        assert session.scalar(select(func.count()).select_from(Response)) == 0
    answers[field("manchuria-invasion")] = "9 August 1945"
    answers.pop(field("north-of-japan"))  # left blank: scores 0
    ask = auth.post(f"/attempts/{attempt}/submit", answers, token_from=f"/attempts/{attempt}")
    assert ask.status_code == 200 and "Submit anyway" in ask.get_data(as_text=True)
    done = auth.post(f"/attempts/{attempt}/submit", {"confirm_blanks": "1"}, token_from="/")
    assert done.status_code == 302
    again = auth.post(f"/attempts/{attempt}/submit", answers, token_from="/")
    assert again.status_code == 302  # a second submit shows the same results
    results = client.get(f"/attempts/{attempt}/results").get_data(as_text=True)
    assert "Passed" in results and "(no answer)" in results
    with session.begin():
        assert session.scalar(select(func.count()).select_from(Response)) == 17
