"""`course optimize`: fit FSRS parameters from stored logs with fsrs-rs, check them in fsrs."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import fsrs
import pytest
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from course.cli import main
from course.clock import FixedClock
from course.review.scheduler import DEFAULT_PARAMETERS
from course.services.optimize import optimize_course
from course.store import review as store
from course.store.content import QuestionRow, QuizRow
from course.store.review import CourseParameters, ReviewCard, ReviewLog
from tests.factories import QUIZ, make_user

COURSE = "ww2-soviet-union"


def simulate_logs(session: Session, clock: FixedClock, learners: int) -> None:
    """Learners whose recall follows FSRS, reviewing each question when due."""
    rnd = random.Random(4)
    scheduler = fsrs.Scheduler(enable_fuzzing=False, learning_steps=(), relearning_steps=())
    with session.begin():  # the bundled quiz's questions (the counts below are its 17)
        questions = session.scalars(
            select(QuestionRow.id)
            .join(QuizRow, QuizRow.id == QuestionRow.quiz_id)
            .where(QuizRow.slug == QUIZ)
        ).all()
    for n in range(learners):
        user = make_user(session, clock, f"sim{n}@example.org").id
        with session.begin():
            for question in questions:
                start = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=rnd.randint(0, 48))
                card, now = fsrs.Card(card_id=1, due=start), start
                row = ReviewCard(
                    user_id=user,
                    question_id=question,
                    course_id=COURSE,
                    state=2,
                    due=start,
                    reps=0,
                    lapses=0,
                )
                session.add(row)
                session.flush()
                for _ in range(6):
                    recall = (
                        scheduler.get_card_retrievability(card, now) if card.last_review else 0.8
                    )
                    rating = fsrs.Rating.Good if rnd.random() < recall else fsrs.Rating.Again
                    card, _ = scheduler.review_card(card, rating, now)
                    session.add(
                        ReviewLog(
                            card_id=row.id,
                            user_id=user,
                            course_id=COURSE,
                            rating=int(rating),
                            reviewed_at=now,
                            duration_ms=4000,
                            source="review",
                            score=1.0,
                        )
                    )
                    now = card.due + timedelta(days=rnd.choice([0, 0, 1, 3]))


def test_not_enough_reviews(session: Session, clock: FixedClock, synced: None) -> None:
    simulate_logs(session, clock, learners=1)
    report = optimize_course(session, clock, COURSE)
    assert report.fit is None and report.items == 17 * 5 and not report.stored


def test_fit_evaluate_and_store(
    session: Session,
    clock: FixedClock,
    synced: None,
    database_url: str,
    tmp_path: object,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    simulate_logs(session, clock, learners=6)
    monkeypatch.setenv("COURSE_INSTANCE", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", database_url)
    evaluated = CliRunner().invoke(main, ["optimize", "--evaluate"])
    assert evaluated.exit_code == 0, evaluated.output
    assert "510 review histories" in evaluated.output
    assert (
        "current parameters: log loss" in evaluated.output and "Evaluation only" in evaluated.output
    )
    with session.begin():
        assert session.get(CourseParameters, COURSE) is None
    report = optimize_course(session, clock, COURSE)
    assert report.stored and report.fit is not None
    assert report.fit.max_state_difference < 0.01
    assert report.fit.after.log_loss <= report.fit.before.log_loss + 0.01
    with session.begin():
        stored = store.course_parameters(session, COURSE)
        assert stored is not None and len(stored) == len(DEFAULT_PARAMETERS)
        assert tuple(stored) != DEFAULT_PARAMETERS


def test_export_reviews_cli(
    session: Session,
    clock: FixedClock,
    synced: None,
    database_url: str,
    tmp_path: object,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import csv
    from pathlib import Path

    simulate_logs(session, clock, learners=1)
    out = Path(str(tmp_path)) / "reviews.csv"
    monkeypatch.setenv("COURSE_INSTANCE", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", database_url)
    result = CliRunner().invoke(main, ["export-reviews", "-o", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(out.read_text(encoding="utf-8").splitlines()))
    assert rows[0][:5] == ["card_id", "user_id", "rating", "review_time", "review_duration"]
    assert len(rows) == 1 + 17 * 6 and {r[2] for r in rows[1:]} <= {"1", "2", "3", "4"}
