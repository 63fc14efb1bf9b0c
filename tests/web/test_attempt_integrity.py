"""Grading integrity of attempts: THREATS 15 (questions not drawn), 16 (finished
attempts) and 19 (hidden fields never trusted; time measured on the server)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from course.clock import FixedClock
from course.services.content_sync import sync_root
from course.store.attempts import Attempt, AttemptStatus, Response
from tests.factories import (
    AuthActions,
    answer_path,
    attempt_id_from,
    bundled_questions,
    course_copy,
    end_mode,
    field,
    form_answer,
)

QUIZ = "/courses/ww2-soviet-union/quizzes/soviet-union-ww2-quiz"
QUESTIONS = bundled_questions()


def start(client: FlaskClient, quiz: str = QUIZ) -> int:
    page = AuthActions(client).post(f"{quiz}/start", {}, token_from=quiz)
    assert page.status_code == 302, page.get_data(as_text=True)
    return attempt_id_from(page.headers["Location"])


@pytest.fixture
def pick_quiz(tmp_path: Path, session: Session, clock: FixedClock, app: Flask) -> str:
    """The bundled quiz drawing 5 of its 17 questions per attempt, graded at the end."""
    root = course_copy(
        tmp_path / "pick",
        "pick-course",
        lambda text: end_mode(text.replace("shuffle: false", "shuffle: true\npick: 5")),
    )
    sync_root(session, clock, root)
    return "/courses/pick-course/quizzes/soviet-union-ww2-quiz"


def test_questions_not_drawn_cannot_be_answered(
    client: FlaskClient, auth: AuthActions, pick_quiz: str, session: Session
) -> None:
    """THREATS 15: the form has keys 1..5 only; fields for any other key are ignored."""
    auth.signup()
    attempt = start(client, pick_quiz)
    html = client.get(f"/attempts/{attempt}").get_data(as_text=True)
    assert html.count("<fieldset") == 5
    forged: dict[str, object] = {f"q-{n}": "Sakhalin" for n in range(6, 18)}
    forged["confirm_blanks"] = "1"
    auth.post(f"/attempts/{attempt}/save", forged, f"/attempts/{attempt}")
    done = auth.post(f"/attempts/{attempt}/submit", {"confirm_blanks": "1"}, "/")
    assert done.status_code == 302
    with session.begin():
        rows = session.scalars(select(Response).where(Response.attempt_id == attempt)).all()
        assert len(rows) == 5 and all(r.raw is None and r.points == 0 for r in rows)


def test_finished_attempt_takes_no_more_answers(
    client: FlaskClient, auth: AuthActions, session: Session
) -> None:
    """THREATS 16: after submit, an unanswered question cannot be answered any more."""
    auth.signup()
    attempt = start(client)
    auth.post(
        answer_path(attempt, "manchuria-invasion"),
        form_answer(QUESTIONS["manchuria-invasion"]),
        f"/attempts/{attempt}",
    )
    auth.post(f"/attempts/{attempt}/submit", {}, f"/attempts/{attempt}")
    late = auth.post(
        answer_path(attempt, "north-of-japan"),
        form_answer(QUESTIONS["north-of-japan"]),
        f"/attempts/{attempt}/results",
    )
    assert late.status_code == 409 and "already submitted" in late.get_data(as_text=True)
    with session.begin():
        assert session.scalar(select(func.count()).select_from(Response)) == 1
        row = session.get(Attempt, attempt)
        assert row is not None and row.status is AttemptStatus.SUBMITTED and row.points == 1


def test_hidden_fields_are_never_trusted(
    client: FlaskClient, auth: AuthActions, session: Session, clock: FixedClock
) -> None:
    """THREATS 19: score, points, time and state come from the server, not the form."""
    auth.signup()
    attempt = start(client)
    clock.advance(timedelta(seconds=42))
    page = auth.post(
        answer_path(attempt, "north-of-japan"),
        {
            field("north-of-japan"): "Hokkaido",  # wrong
            "score": "1",
            "points": "100",
            "max_points": "1",
            "duration_ms": "1",
            "time_spent": "1",
            "status": "submitted",
            "attempt_id": "1",
            "user_id": "1",
        },
        f"/attempts/{attempt}",
    )
    assert page.status_code == 302
    with session.begin():
        (row,) = session.scalars(select(Response)).all()
        assert (row.score, row.points, row.max_points) == (0.0, 0.0, 1.0)
        assert row.duration_ms == 42_000  # measured on the server's clock
        attempt_row = session.get(Attempt, attempt)
        assert attempt_row is not None and attempt_row.status is AttemptStatus.OPEN
