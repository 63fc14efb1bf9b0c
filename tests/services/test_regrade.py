"""Regrading after an answer key is fixed: scores, totals and pass marks follow."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from course.cli import main
from course.clock import FixedClock
from course.services.audit import Actor
from course.services.content_sync import sync_root
from course.services.regrade import Request, regrade
from course.store.attempts import Attempt, Response
from course.store.audit import SYSTEM_CLI, ScoreChange
from course.store.content import ContentVersion
from tests.factories import (
    AuthActions,
    answer_path,
    attempt_id_from,
    bundled_questions,
    field,
    fixed_key_root,
    form_answer,
)

QUIZ = "/courses/ww2-soviet-union/quizzes/soviet-union-ww2-quiz"


def test_regrade_after_fixing_a_key(
    answered: int, session: Session, clock: FixedClock, tmp_path: Path
) -> None:
    with session.begin():
        attempt = session.get(Attempt, answered)
        assert attempt is not None and attempt.points == 16
    sync_root(session, clock, fixed_key_root(tmp_path))
    request = Request(Actor(SYSTEM_CLI), clock.now(), "Hokkaido accepted")
    dry = regrade(
        session,
        "ww2-soviet-union",
        "soviet-union-ww2-quiz",
        "north-of-japan",
        dry_run=True,
        request=request,
    )
    assert [(c.email, c.old_score, c.new_score) for c in dry.changes] == [
        ("kim@example.org", 0.0, 1.0)
    ]
    with session.begin():
        assert session.get(Attempt, answered).points == 16  # type: ignore[union-attr]
    report = regrade(session, "ww2-soviet-union", "soviet-union-ww2-quiz", request=request)
    assert report.checked == 17 and len(report.changes) == 1
    assert report.changes[0].old_passed and report.changes[0].new_passed
    with session.begin():
        attempt = session.get(Attempt, answered)
        assert attempt is not None and attempt.points == 17
        # THREATS 54: the learner's response and its first grade are kept as they were;
        # the new score is an appended audit row.
        response = session.scalar(
            select(Response).where(
                Response.attempt_id == answered, Response.response_text == "Hokkaido"
            )
        )
        assert response is not None and response.score == 0.0
        change = session.scalar(select(ScoreChange).where(ScoreChange.response_id == response.id))
        assert change is not None and (change.old_score, change.new_score) == (0.0, 1.0)
    again = regrade(session, "ww2-soviet-union", "soviet-union-ww2-quiz", request=request)
    assert again.changes == ()


def test_regrade_cli(
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
    result = CliRunner().invoke(
        main, ["regrade", "soviet-union-ww2-quiz", "--question", "north-of-japan"]
    )
    assert result.exit_code == 0, result.output
    assert "1 score(s) changed" in result.output
    assert "kim@example.org" in result.output and "0% → 100%" in result.output
    missing = CliRunner().invoke(main, ["regrade", "no-such-quiz"])
    assert missing.exit_code == 1 and "No quiz 'no-such-quiz'" in missing.output


def test_mid_attempt_edit_keeps_the_started_version(
    client: FlaskClient,
    auth: AuthActions,
    session: Session,
    clock: FixedClock,
    tmp_path: Path,
) -> None:
    """THREATS 40: content edited mid-attempt — the learner finishes against the version
    they started; the results say which version."""
    auth.signup("mid@example.org")
    start = auth.post(f"{QUIZ}/start", {}, token_from=QUIZ)
    attempt = attempt_id_from(start.headers["Location"])
    questions = bundled_questions()
    auth.post(
        answer_path(attempt, "manchuria-invasion"),
        form_answer(questions["manchuria-invasion"]),
        token_from=f"/attempts/{attempt}",
    )
    with session.begin():
        started = session.scalar(select(ContentVersion.content_hash))
    assert started is not None
    published = clock.now()
    clock.advance(timedelta(days=1))
    newer = sync_root(session, clock, fixed_key_root(tmp_path))  # Hokkaido now accepted
    assert newer.content_hash != started
    page = auth.post(
        answer_path(attempt, "north-of-japan"),
        {field("north-of-japan"): "Hokkaido"},
        token_from=f"/attempts/{attempt}",
    )
    assert page.status_code == 302
    with session.begin():
        response = session.scalar(select(Response).where(Response.response_text == "Hokkaido"))
        assert response is not None and response.score == 0.0  # the key it started with
    for qid, question in questions.items():
        auth.post(
            answer_path(attempt, qid),
            form_answer(question),
            token_from=f"/attempts/{attempt}",
        )
    auth.post(f"/attempts/{attempt}/submit", {}, token_from="/")
    results = client.get(f"/attempts/{attempt}/results").get_data(as_text=True)
    # The version is named by when it was published, not by its hash.
    assert f"as published on {published:%-d %b %Y, %H:%M} UTC" in results
    assert started[:12] not in results and newer.content_hash[:12] not in results
    # A new attempt uses the new key.
    second = auth.post(f"{QUIZ}/start", {}, token_from=QUIZ)
    new = attempt_id_from(second.headers["Location"])
    auth.post(
        answer_path(new, "north-of-japan"),
        {field("north-of-japan"): "Hokkaido"},
        token_from=f"/attempts/{new}",
    )
    with session.begin():
        scores = session.scalars(
            select(Response.score).where(Response.response_text == "Hokkaido").order_by(Response.id)
        ).all()
        assert scores == [0.0, 1.0]
