"""THREATS 50 (and 17, 18): barrier-released races, exactly once and never a 500.

Ten threads wait on a ``threading.Barrier`` and then do the same thing at once:
submit the same end-of-quiz attempt (through the web app), start an attempt at the
attempt limit, rate the same review card. Each race is repeated ``COURSE_RACE_REPS``
times (default 20; the catalogue asks for 100: ``COURSE_RACE_REPS=100``). The suite
runs on SQLite, and on PostgreSQL with ``COURSE_TEST_DATABASE_URL``. A "500" is any
HTTP 5xx or any exception that is not a ``CourseError`` (those the app maps to 4xx).
"""

from __future__ import annotations

import os
import threading
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from course.clock import FixedClock
from course.errors import Conflict, CourseError
from course.services import attempts, reviews
from course.services.content_sync import sync_root
from course.services.posted import Answers
from course.services.reviews import REVIEW_KEY
from course.store.attempts import Attempt, AttemptStatus, Response
from course.store.engine import make_sessionmaker
from course.store.review import ReviewCard, ReviewLog
from tests.factories import (
    KEYS,
    PASSWORD,
    USING_PG,
    AuthActions,
    bundled_questions,
    card_slug,
    course_copy,
    end_mode,
    form_answer,
    make_user,
    posted,
)

THREADS = 10
REPS = int(os.environ.get("COURSE_RACE_REPS", "20"))
QUESTIONS = bundled_questions()
COURSE = "ww2-soviet-union"
QUIZ = "soviet-union-ww2-quiz"
DB = "postgresql" if USING_PG else "sqlite"


def race(work: Callable[[int], Any], threads: int = THREADS) -> list[Any]:
    """Run ``work(i)`` in ``threads`` threads released together; results or exceptions."""
    barrier = threading.Barrier(threads)
    out: list[Any] = [None] * threads

    def run(i: int) -> None:
        barrier.wait()
        try:
            out[i] = work(i)
        except Exception as exc:
            out[i] = exc

    started = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for t in started:
        t.start()
    for t in started:
        t.join(timeout=120)
    return out


def unhandled(results: list[Any]) -> list[Any]:
    return [r for r in results if isinstance(r, Exception) and not isinstance(r, CourseError)]


def report(name: str, runs: int, held: int, errors: int, threads: int = THREADS) -> None:
    # Printed for the figures (pytest -s, or the -ra summary of a failure).
    print(
        f"race {name} on {DB}: {runs} runs x {threads} threads, "
        f"exactly-once held {held}, 500s {errors}"
    )


@pytest.fixture
def end_quiz(tmp_path: Path, session: Session, clock: FixedClock, app: Flask) -> str:
    """An end-of-quiz copy of the bundled quiz with no attempt limit."""
    unlimited = course_copy(
        tmp_path / "end", "end-course", lambda text: end_mode(text.replace("attempts: 3\n", ""))
    )
    sync_root(session, clock, unlimited)
    return "/courses/end-course/quizzes/soviet-union-ww2-quiz"


@pytest.mark.parametrize("threads", [THREADS, 20])
def test_end_of_quiz_submit_race(app: Flask, end_quiz: str, session: Session, threads: int) -> None:
    """Concurrent end-of-quiz submits (issue 10 saw a 500 at 20): one graded set, and
    everyone is sent to it. The 20-thread variant runs a tenth of the repetitions."""
    reps = REPS if threads == THREADS else max(1, REPS // 10)
    first = app.test_client()
    AuthActions(first).signup("racer@example.org")
    tabs = [first]
    for _ in range(threads - 1):
        tab = app.test_client()
        AuthActions(tab).post(
            "/login", {"email": "racer@example.org", "password": PASSWORD}, "/login"
        )
        tabs.append(tab)
    answers: dict[str, Any] = {}
    for question in QUESTIONS.values():
        answers.update(form_answer(question))
    held = errors = 0
    for _ in range(reps):
        start = AuthActions(first).post(f"{end_quiz}/start", {}, token_from=end_quiz)
        attempt = int(start.headers["Location"].rsplit("/", 1)[-1])
        forms = [{**answers, "csrf_token": _token(tab, f"/attempts/{attempt}")} for tab in tabs]

        def submit(i: int, attempt: int = attempt, forms: list[dict[str, Any]] = forms) -> int:
            return tabs[i].post(f"/attempts/{attempt}/submit", data=forms[i]).status_code

        statuses = race(submit, threads)
        errors += sum(1 for s in statuses if not isinstance(s, int) or s >= 500)
        with session.begin():
            rows = session.scalar(
                select(func.count()).select_from(Response).where(Response.attempt_id == attempt)
            )
            row = session.get(Attempt, attempt)
            assert row is not None
            once = (
                rows == len(QUESTIONS)
                and row.status is AttemptStatus.SUBMITTED
                and row.points == len(QUESTIONS)
            )
        held += once and all(s == 302 for s in statuses)
    report("end-of-quiz submit", reps, held, errors, threads)
    assert (held, errors) == (reps, 0)


def _token(client: FlaskClient, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    return html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def test_start_at_the_attempt_limit_race(
    app: Flask, engine: Engine, session: Session, clock: FixedClock
) -> None:
    """THREATS 17: racing starts make exactly one attempt; at the limit, none."""
    sessions = make_sessionmaker(engine)
    held = errors = 0
    for rep in range(REPS):
        user = make_user(session, clock, f"start{rep}@example.org").id
        for _ in range(2):  # two of the three attempts used
            done = attempts.start_attempt(session, clock, user, COURSE, QUIZ)
            attempts.submit_attempt(session, clock, user, done, fuzz=False)

        def start(_i: int, user: int = user) -> int:
            with sessions() as own:
                return attempts.start_attempt(own, clock, user, COURSE, QUIZ)

        third = race(start)
        ids = {r for r in third if isinstance(r, int)}
        errors += len(unhandled(third))
        last = next(iter(ids)) if len(ids) == 1 else None
        if last is not None:
            attempts.submit_attempt(session, clock, user, last, fuzz=False)
        fourth = race(start)
        errors += len(unhandled(fourth))
        with session.begin():
            count = session.scalar(
                select(func.count()).select_from(Attempt).where(Attempt.user_id == user)
            )
        held += (
            len(ids) == 1
            and all(isinstance(r, int) for r in third)
            and all(isinstance(r, Conflict) for r in fourth)
            and count == 3
        )
    report("attempt start at the limit", REPS, held, errors)
    assert (held, errors) == (REPS, 0)


def test_review_rating_race(
    app: Flask, engine: Engine, session: Session, clock: FixedClock
) -> None:
    """THREATS 18/50: one rating per shown card, whoever clicks how often."""
    sessions = make_sessionmaker(engine)
    user = make_user(session, clock, "reviewer@example.org").id
    attempt = attempts.start_attempt(session, clock, user, COURSE, QUIZ)
    for slug, question in QUESTIONS.items():
        attempts.submit_answer(
            session,
            clock,
            user,
            attempt,
            int(KEYS[slug]),
            posted(form_answer(question)),
            fuzz=False,
        )
    with session.begin():
        cards = session.scalars(select(ReviewCard.id).where(ReviewCard.user_id == user)).all()
    assert len(cards) == len(QUESTIONS)
    held = errors = 0
    for rep in range(REPS):
        card_id = cards[rep % len(cards)]
        with session.begin():
            reps_before = session.scalar(select(ReviewCard.reps).where(ReviewCard.id == card_id))
            assert reps_before is not None
            logs_before = session.scalar(select(func.count()).select_from(ReviewLog)) or 0
        fields = posted(form_answer(QUESTIONS[card_slug(session, card_id)], key=REVIEW_KEY))

        def rate(
            _i: int,
            card_id: int = card_id,
            reps_before: int = reps_before,
            fields: Answers = fields,
        ) -> Any:
            with sessions() as own:
                return reviews.answer(
                    own, clock.now(), user, card_id, reps_before, fields, None, 1000, fuzz=False
                )

        outcomes = race(rate)
        errors += len(unhandled(outcomes))
        graded = [o for o in outcomes if getattr(o, "answer", None) is not None]
        kinds = Counter(type(o).__name__ for o in outcomes)
        with session.begin():
            logs_after = session.scalar(select(func.count()).select_from(ReviewLog)) or 0
            reps_after = session.scalar(select(ReviewCard.reps).where(ReviewCard.id == card_id))
        held += (
            len(graded) == 1
            and kinds["ReviewOutcome"] == THREADS
            and logs_after == logs_before + 1
            and reps_after == reps_before + 1
        )
    report("review rating", REPS, held, errors)
    assert (held, errors) == (REPS, 0)
