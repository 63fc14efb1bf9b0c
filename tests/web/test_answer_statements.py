"""The answer path's database work, counted: SQL statements and transactions per answer
POST and per feedback page (the page each answer redirects to), and per answer on the
review page.

Not timed: the counts are what the performance work of the answer path bought (one read
with the login check, a short write; the page in one read), so a change that adds a
statement or a transaction to the hot path fails here. See docs/performance.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine, delete, event, func, select
from sqlalchemy.orm import Session

from course.clock import FixedClock
from course.store.attempts import Response
from course.store.review import ReviewCard, ReviewLog
from course.store.users import UserSession
from tests.factories import (
    QUIZ_PAGE,
    USING_PG,
    AuthActions,
    answer_path,
    attempt_id_from,
    bundled_questions,
    card_slug,
    form_answer,
)

QUESTIONS = list(bundled_questions().items())
# SQLite reads (login, answer context) before taking the write lock, then writes in a
# short second transaction. On PostgreSQL the read and the one-statement write run
# without a transaction: no BEGIN or COMMIT round trip at all.
ANSWER_TRANSACTIONS = 0 if USING_PG else 2
# A page's read: on PostgreSQL a reader sends no BEGIN (store.engine.read_only).
READ_TRANSACTIONS = 0 if USING_PG else 1
# A review answer on PostgreSQL: one transaction (read with the card locked, two writes).
REVIEW_TRANSACTIONS = 1 if USING_PG else 2
# PostgreSQL writes the response, the card and the review log in one statement
# (data-modifying CTEs); SQLite, which has none, in three.
NEW_CARD_WRITES = ["WITH"] if USING_PG else ["INSERT", "INSERT", "INSERT"]
KNOWN_CARD_WRITES = ["WITH"] if USING_PG else ["INSERT", "UPDATE", "INSERT"]


@dataclass
class Counted:
    statements: list[str] = field(default_factory=list)
    begun: int = 0  # transactions SQLAlchemy began
    begins_sent: int = 0  # BEGIN statements sent (PostgreSQL sends each one it runs)

    @property
    def transactions(self) -> int:
        """Transactions the database ran: on PostgreSQL, the BEGINs it received (a
        reader or a one-statement writer sends none); on SQLite, those begun (its
        writers' BEGIN IMMEDIATE goes to the driver directly)."""
        return self.begins_sent if USING_PG else self.begun


@contextmanager
def counting(engine: Engine) -> Iterator[Counted]:
    """Count the SQL statements (BEGIN excluded) and transactions run on ``engine``."""
    counted = Counted()

    def on_execute(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("BEGIN"):
            counted.begins_sent += 1
        else:
            counted.statements.append(statement.split()[0].upper())

    def on_begin(_conn: Any) -> None:
        counted.begun += 1

    event.listen(engine, "before_cursor_execute", on_execute)
    event.listen(engine, "begin", on_begin)
    try:
        yield counted
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)
        event.remove(engine, "begin", on_begin)


def _start(auth: AuthActions) -> int:
    auth.signup()
    page = auth.post(f"{QUIZ_PAGE}/start", {}, token_from=QUIZ_PAGE)
    return attempt_id_from(page.headers["Location"])


def _answer(client: FlaskClient, token: str, attempt: int, index: int) -> Any:
    slug, question = QUESTIONS[index]
    return client.post(
        answer_path(attempt, slug), data={**form_answer(question), "csrf_token": token}
    )


def _second_attempt(auth: AuthActions, client: FlaskClient) -> tuple[int, str]:
    """A learner who answered every question once (so each has a card) and submitted,
    with a second attempt started: its id and a CSRF token."""
    attempt = _start(auth)
    token = auth.csrf(f"/attempts/{attempt}")
    for index in range(len(QUESTIONS)):
        assert _answer(client, token, attempt, index).status_code == 302
    submitted = client.post(f"/attempts/{attempt}/submit", data={"csrf_token": token})
    assert submitted.status_code == 302
    again = auth.post(f"{QUIZ_PAGE}/start", {}, token_from=QUIZ_PAGE)
    second = attempt_id_from(again.headers["Location"])
    return second, auth.csrf(f"/attempts/{second}")


def test_an_answer_is_one_read_and_three_writes(
    auth: AuthActions,
    client: FlaskClient,
    engine: Engine,
    session: Session,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    attempt = _start(auth)
    token = auth.csrf(f"/attempts/{attempt}")
    assert _answer(client, token, attempt, 0).status_code == 302  # warms the caches

    def no_sleep(_seconds: float) -> None:
        # py-fsrs sleeps 1 ms in Card() when no card_id is given (to make ids unique).
        raise AssertionError("an fsrs Card was built without an explicit card_id")

    monkeypatch.setattr("fsrs.card.time.sleep", no_sleep)
    with counting(engine) as counted:
        page = _answer(client, token, attempt, 1)
    assert page.status_code == 302
    # one read (the login with the attempt, answered?, card), then response, card, log
    assert counted.statements == ["SELECT", *NEW_CARD_WRITES]
    assert counted.transactions == ANSWER_TRANSACTIONS
    assert session.scalar(select(func.count()).select_from(Response)) == 2
    assert session.scalar(select(func.count()).select_from(ReviewLog)) == 2


def test_an_answer_updating_a_known_card_costs_the_same(
    auth: AuthActions, client: FlaskClient, engine: Engine, session: Session
) -> None:
    second, token = _second_attempt(auth, client)
    with counting(engine) as counted:
        page = _answer(client, token, second, 0)
    assert page.status_code == 302
    assert counted.statements == ["SELECT", *KNOWN_CARD_WRITES]
    assert counted.transactions == ANSWER_TRANSACTIONS
    card = session.scalars(select(ReviewCard).order_by(ReviewCard.id)).first()
    assert card is not None and card.reps == 2


def test_the_feedback_page_is_one_read(
    auth: AuthActions, client: FlaskClient, engine: Engine
) -> None:
    attempt = _start(auth)
    token = auth.csrf(f"/attempts/{attempt}")
    answered = _answer(client, token, attempt, 0)
    with counting(engine) as counted:
        page = client.get(answered.headers["Location"])
    assert page.status_code == 200 and "Next question" in page.get_data(as_text=True)
    # the login with the attempt, its quiz, version, responses and score changes
    assert counted.statements == ["SELECT"]
    assert counted.transactions == READ_TRANSACTIONS


def test_a_stale_tab_costs_no_write(auth: AuthActions, client: FlaskClient, engine: Engine) -> None:
    attempt = _start(auth)
    token = auth.csrf(f"/attempts/{attempt}")
    assert _answer(client, token, attempt, 0).status_code == 302
    with counting(engine) as counted:
        page = _answer(client, token, attempt, 0)
    assert page.status_code == 409
    assert "INSERT" not in counted.statements and "UPDATE" not in counted.statements


def _review_form(page: str, session: Session) -> tuple[str, dict[str, str]]:
    match = re.search(r'action="(/review/(\d+))"', page)
    reps = re.search(r'name="reps" value="(\d+)"', page)
    assert match and reps, "no review question on the page"
    question = bundled_questions()[card_slug(session, int(match.group(2)))]
    return match.group(1), {**form_answer(question, key="r"), "reps": reps.group(1)}


def test_a_review_answer_is_one_read_and_two_writes(
    auth: AuthActions,
    client: FlaskClient,
    engine: Engine,
    session: Session,
    clock: FixedClock,
) -> None:
    attempt = _start(auth)
    token = auth.csrf(f"/attempts/{attempt}")
    for index in range(len(QUESTIONS)):
        assert _answer(client, token, attempt, index).status_code == 302
    clock.advance(timedelta(days=30))
    path, form = _review_form(client.get("/review").get_data(as_text=True), session)
    token = auth.csrf("/review")
    assert client.post(path, data={**form, "csrf_token": token}).status_code == 200  # warms
    path, form = _review_form(client.get("/review").get_data(as_text=True), session)
    with counting(engine) as counted:
        page = client.post(path, data={**form, "csrf_token": token})
    assert page.status_code == 200 and "Correct." in page.get_data(as_text=True)
    # login, then the card with its question and course settings; card, review log
    assert counted.statements == ["SELECT", "SELECT", "UPDATE", "INSERT"]
    assert counted.transactions == REVIEW_TRANSACTIONS
    with counting(engine) as counted:
        again = client.post(path, data={**form, "csrf_token": token})  # reload, double click
    assert again.status_code == 302
    assert counted.statements == ["SELECT", "SELECT"]


def test_a_review_answer_after_the_login_ended_does_nothing(
    auth: AuthActions, client: FlaskClient, session: Session, clock: FixedClock
) -> None:
    attempt = _start(auth)
    token = auth.csrf(f"/attempts/{attempt}")
    assert _answer(client, token, attempt, 0).status_code == 302
    clock.advance(timedelta(days=30))
    path, form = _review_form(client.get("/review").get_data(as_text=True), session)
    token = auth.csrf("/review")
    logs = session.scalar(select(func.count()).select_from(ReviewLog))
    session.execute(delete(UserSession))  # ended elsewhere (password change, admin)
    session.commit()
    page = client.post(path, data={**form, "csrf_token": token})
    assert page.status_code == 302 and "/login" in page.headers["Location"]
    assert session.scalar(select(func.count()).select_from(ReviewLog)) == logs


def test_a_card_reviewed_between_the_read_and_the_write_is_answered_again(
    auth: AuthActions,
    client: FlaskClient,
    engine: Engine,
    session: Session,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The write re-checks the card's review count; when it moved, nothing of the first
    try is kept (on PostgreSQL its response insert is rolled back with the statement's
    transaction) and the answer is planned and stored again, once."""
    from course.store import attempts as store

    second, token = _second_attempt(auth, client)
    logs_before = session.scalar(select(func.count()).select_from(ReviewLog))
    session.rollback()  # SQLite: the test's session must not hold the write lock
    read = store.answer_context
    moved: list[int] = []

    def read_then_review_elsewhere(*args: Any, **kwargs: Any) -> Any:
        context = read(*args, **kwargs)
        if not moved and context is not None and context.card is not None:
            moved.append(context.card.id)
            with engine.begin() as other:  # another tab reviews the same card meanwhile
                other.execute(
                    ReviewCard.__table__.update()
                    .where(ReviewCard.id == context.card.id)
                    .values(reps=ReviewCard.reps + 1)
                )
        return context

    monkeypatch.setattr(store, "answer_context", read_then_review_elsewhere)
    assert _answer(client, token, second, 0).status_code == 302
    assert moved, "the card was not moved between the read and the write"
    session.expire_all()
    responses = session.scalar(
        select(func.count()).select_from(Response).where(Response.attempt_id == second)
    )
    assert responses == 1
    assert session.scalar(select(func.count()).select_from(ReviewLog)) == logs_before + 1
    card = session.get(ReviewCard, moved[0])
    assert card is not None and card.reps == 3  # the first answer, the other tab, this one
