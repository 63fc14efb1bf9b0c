"""THREATS 54: every score change appends an audit row (who, when, old, new, why) that
the learner and the instructor see; the learner's original response is never modified."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from course.cli import main
from course.clock import FixedClock
from course.services import classes, dashboard, exports
from course.services.audit import Actor as ChangeActor
from course.services.authz import Actor
from course.services.content_sync import sync_root
from course.services.regrade import Request, regrade
from course.store.attempts import Attempt, Response
from course.store.audit import SYSTEM_CLI, ChangeKind, ScoreChange
from course.store.users import Role, User
from tests.factories import AuthActions, fixed_key_root, make_class, make_instructor, make_user

COURSE = "ww2-soviet-union"
QUIZ = "soviet-union-ww2-quiz"


def _sakhalin_response(session: Session, attempt: int) -> tuple[Response, dict[str, object]]:
    response = session.scalar(
        select(Response).where(Response.attempt_id == attempt, Response.response_text == "Hokkaido")
    )
    assert response is not None
    original = {
        c: getattr(response, c)
        for c in ("raw", "response_text", "score", "points", "max_points", "feedback")
    }
    original["revision_id"] = response.revision_id
    return response, original


def test_regrade_appends_rows_and_keeps_the_response(
    answered: int,
    app: Flask,
    session: Session,
    clock: FixedClock,
    tmp_path: Path,
) -> None:
    with session.begin():
        _, before = _sakhalin_response(session, answered)
    sync_root(session, clock, fixed_key_root(tmp_path))
    teacher = make_user(
        session, clock, "teach@example.org", display_name="Ms T", role=Role.INSTRUCTOR
    )
    request = Request(ChangeActor("teach@example.org", teacher.id), clock.now(), "Key fixed")
    regrade(session, COURSE, QUIZ, "north-of-japan", request=request)
    with session.begin():
        response, after = _sakhalin_response(session, answered)
        assert after == before  # what the learner typed and its first grade: untouched
        rows = session.scalars(select(ScoreChange)).all()
        assert len(rows) == 1
        row = rows[0]
        assert (row.response_id, row.attempt_id, row.kind) == (
            response.id,
            answered,
            ChangeKind.REGRADE,
        )
        assert (row.actor_id, row.actor, row.reason) == (
            teacher.id,
            "teach@example.org",
            "Key fixed",
        )
        assert (row.old_score, row.new_score, row.old_points, row.new_points) == (0, 1, 0, 1)
        assert row.changed_at == clock.now()
        attempt = session.get(Attempt, answered)
        assert attempt is not None and attempt.points == 17
    # A second regrade with nothing new appends nothing; the audit is append-only.
    assert regrade(session, COURSE, QUIZ, request=request).changes == ()
    with session.begin():
        assert len(session.scalars(select(ScoreChange)).all()) == 1


def test_learner_and_instructor_see_the_change(
    answered: int,
    app: Flask,
    session: Session,
    clock: FixedClock,
    tmp_path: Path,
) -> None:
    sync_root(session, clock, fixed_key_root(tmp_path))
    regrade(
        session,
        COURSE,
        QUIZ,
        request=Request(ChangeActor(SYSTEM_CLI), clock.now(), "Hokkaido is accepted too"),
    )
    learner = app.test_client()
    post_login(learner, "kim@example.org")
    results = learner.get(f"/attempts/{answered}/results").get_data(as_text=True)
    assert "Score changes" in results and "Hokkaido is accepted too" in results
    assert "system/cli" in results and "0 → 1 / 1" in results
    assert "17 of 17 points" in results
    # The instructor: learner detail shows the current grade and the trail; exports
    # carry the current score.
    actor = make_instructor(session, clock, "t@example.org", display_name="T")
    class_id, code = make_class(session, clock, actor, "9B", COURSE)
    with session.begin():
        kim = session.scalar(select(User).where(User.email == "kim@example.org"))
        assert kim is not None
        kim_id = kim.id
    classes.join(session, clock, Actor(kim_id, Role.LEARNER), code)
    detail = dashboard.learner_detail(session, clock.now(), actor, class_id, kim_id)
    (attempt,) = detail.attempts
    assert [(c.key, c.actor, c.reason) for c in attempt.score_changes] == [
        ("north-of-japan", "system/cli", "Hokkaido is accepted too")
    ]
    line = next(r for r in attempt.responses if r.question == "north-of-japan")
    assert (line.response_text, line.score) == ("Hokkaido", 1.0)
    csv = exports.responses(session, actor, class_id).decode()
    assert any(
        row.startswith("kim@example.org") and "Hokkaido,1.0" in row for row in csv.splitlines()
    )


def test_cli_regrade_writes_system_rows(
    answered: int,
    session: Session,
    clock: FixedClock,
    tmp_path: Path,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sync_root(session, clock, fixed_key_root(tmp_path))
    monkeypatch.setenv("COURSE_INSTANCE", str(tmp_path / "instance"))
    monkeypatch.setenv("DATABASE_URL", database_url)
    result = CliRunner().invoke(main, ["regrade", QUIZ, "--reason", "Typo in the key"])
    assert result.exit_code == 0, result.output
    with session.begin():
        (row,) = session.scalars(select(ScoreChange)).all()
        assert (row.actor, row.actor_id, row.reason) == (SYSTEM_CLI, None, "Typo in the key")
    blank = CliRunner().invoke(main, ["regrade", QUIZ, "--reason", " "])
    assert blank.exit_code == 1 and "Say why you regrade" in blank.output


def post_login(client: FlaskClient, email: str) -> None:
    assert AuthActions(client).login(email).status_code == 302
