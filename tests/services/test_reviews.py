"""Spaced review through the services: quiz answers become cards, today's queue, limits,
time zones, retired questions, double submits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from course.clock import FixedClock
from course.errors import InvalidInput
from course.services import reviews
from course.services.accounts import set_timezone
from course.services.reviews import REVIEW_KEY
from course.store.content import CourseRow
from course.store.review import ReviewCard, ReviewLog
from tests.factories import (
    REPO,
    answer_next_review,
    bundled_questions,
    card_slug,
    form_answer,
    make_user,
    posted,
    take_quiz,
)

COURSE, QUIZ = "ww2-soviet-union", "soviet-union-ww2-quiz"
QUESTIONS = bundled_questions()


def count(session: Session, model: type, **where: Any) -> int:
    with session.begin():
        query = select(func.count()).select_from(model)
        for key, value in where.items():
            query = query.where(getattr(model, key) == value)
        return session.scalar(query) or 0


def test_quiz_answers_become_cards(session: Session, clock: FixedClock, synced: None) -> None:
    user = make_user(session, clock, "r@example.org").id
    take_quiz(session, clock, user, wrong={"north-of-japan"})
    assert count(session, ReviewCard) == 17
    assert count(session, ReviewLog, source="quiz") == 17
    with session.begin():
        wrong = session.scalar(select(ReviewCard).join(ReviewLog).where(ReviewLog.rating == 1))
        assert wrong is not None and wrong.lapses == 1
        # A second attempt reviews the same cards: no duplicates.
    take_quiz(session, clock, user)
    assert count(session, ReviewCard) == 17 and count(session, ReviewLog) == 34


def review_all(session: Session, clock: FixedClock, user: int, right: bool = True) -> int:
    done = 0
    while (outcome := answer_next_review(session, clock, user, right)) is not None:
        assert outcome.answer is not None and not outcome.stale
        done += 1
        assert done <= 200
    return done


def test_queue_over_days_and_limits(session: Session, clock: FixedClock, synced: None) -> None:
    user = make_user(session, clock, "r@example.org").id
    take_quiz(session, clock, user)
    with session.begin():
        session.execute(update(CourseRow).values(new_per_day=5, max_reviews_per_day=8))
    clock.advance(timedelta(days=3))
    assert review_all(session, clock, user) == 5  # new_per_day caps first-time reviews
    summary = reviews.summary(session, clock.now(), user)
    assert summary.done_today == 5 and summary.right_today == 5
    clock.advance(timedelta(days=1))
    done = review_all(session, clock, user)
    assert 1 <= done <= 8
    # Long after, a learner who always succeeds reviews less and less often.
    per_week = []
    for _week in range(6):
        week = 0
        for _day in range(7):
            clock.advance(timedelta(days=1))
            week += review_all(session, clock, user)
        per_week.append(week)
    assert per_week[-1] < per_week[0]


def test_most_overdue_first(session: Session, clock: FixedClock, synced: None) -> None:
    user = make_user(session, clock, "r@example.org").id
    take_quiz(session, clock, user)
    with session.begin():
        cards = session.scalars(select(ReviewCard).order_by(ReviewCard.id)).all()
        weakest = cards[5]
        weakest.stability = 0.5  # forgotten fastest
        weakest.last_review = clock.now() - timedelta(days=2)
        weakest.due = clock.now() - timedelta(days=1)
    item = reviews.next_item(session, clock.now(), user)
    assert item is not None and item.card_id == weakest.id


def test_double_submit_reviews_once(session: Session, clock: FixedClock, synced: None) -> None:
    user = make_user(session, clock, "r@example.org").id
    take_quiz(session, clock, user)
    clock.advance(timedelta(days=3))
    item = reviews.next_item(session, clock.now(), user)
    assert item is not None
    fields = posted(form_answer(QUESTIONS[card_slug(session, item.card_id)], key=REVIEW_KEY))
    first = reviews.answer(
        session, clock.now(), user, item.card_id, item.reps, fields, None, 3000, fuzz=False
    )
    second = reviews.answer(
        session, clock.now(), user, item.card_id, item.reps, fields, None, 3000, fuzz=False
    )
    assert first.answer is not None and second.stale
    assert count(session, ReviewLog, source="review") == 1


def test_other_learners_card_not_found(session: Session, clock: FixedClock, synced: None) -> None:
    from course.errors import NotFound

    owner, other = (
        make_user(session, clock, "r@example.org").id,
        make_user(session, clock, "o@example.org").id,
    )
    take_quiz(session, clock, owner)
    clock.advance(timedelta(days=3))
    item = reviews.next_item(session, clock.now(), owner)
    assert item is not None and reviews.next_item(session, clock.now(), other) is None
    with pytest.raises(NotFound):
        reviews.answer(session, clock.now(), other, item.card_id, item.reps, posted({}), None, 0)


@pytest.mark.parametrize(
    ("timezone", "due_today"), [("America/Los_Angeles", False), ("Asia/Tokyo", True)]
)
def test_due_today_depends_on_time_zone(
    session: Session, synced: None, timezone: str, due_today: bool
) -> None:
    """At 20:00 UTC on 2 March, a card due at 13:00 UTC on 3 March: in Los Angeles (UTC−8,
    noon) today ends at 04:00 local = 12:00 UTC on 3 March, so it is not due yet; in Tokyo
    (UTC+9, 05:00 on 3 March) today ends at 19:00 UTC on 3 March, so it is due."""
    clock = FixedClock(datetime(2026, 3, 2, 20, 0, tzinfo=UTC))
    user = make_user(session, clock, "r@example.org").id
    set_timezone(session, user, timezone)
    take_quiz(session, clock, user)
    with session.begin():
        # Cards in review are due by the day; cards in steps by the minute.
        session.execute(
            update(ReviewCard).values(state=2, due=datetime(2026, 3, 3, 13, 0, tzinfo=UTC))
        )
    item = reviews.next_item(session, clock.now(), user)
    assert (item is not None) is due_today


def test_retired_question_leaves_the_queue(
    session: Session, clock: FixedClock, synced: None, tmp_path: Any
) -> None:
    import shutil

    from course.services.content_sync import sync_root

    user = make_user(session, clock, "r@example.org").id
    take_quiz(session, clock, user)
    root = tmp_path / "c"
    for part in ("lessons", "quizzes", "media"):
        shutil.copytree(REPO / part, root / part)
    shutil.copy(REPO / "course.yaml", root / "course.yaml")
    quiz = root / "quizzes" / "soviet-union-ww2.yaml"
    text = quiz.read_text(encoding="utf-8")
    quiz.write_text(text[: text.index("  - id: why-remember")], encoding="utf-8")
    sync_root(session, clock, root)
    assert count(session, ReviewCard, active=True) == 16
    clock.advance(timedelta(days=60))
    seen = set()
    while (item := reviews.next_item(session, clock.now(), user)) is not None:
        seen.add(card_slug(session, item.card_id))
        reviews.answer(
            session,
            clock.now(),
            user,
            item.card_id,
            item.reps,
            posted(form_answer(QUESTIONS[card_slug(session, item.card_id)], key=REVIEW_KEY)),
            None,
            3000,
            fuzz=False,
        )
    assert "why-remember" not in seen and len(seen) == 16


def test_mastery_and_forecast(session: Session, clock: FixedClock, synced: None) -> None:
    user = make_user(session, clock, "r@example.org").id
    take_quiz(session, clock, user, wrong={"north-of-japan", "parallel"})
    clock.advance(timedelta(hours=1))
    result = reviews.mastery(session, clock.now(), user, COURSE)
    lesson = next(m for m in result.lessons if m.slug == "soviet-union-ww2")  # the quiz's
    assert lesson.cards == 17
    now, week, month = lesson.recall
    assert now is not None and week is not None and month is not None
    assert 1 >= now > week > month > 0
    assert len(result.forecast) == 14 and sum(n for _, n in result.forecast) == 17


def test_learner_limits_replace_the_course(
    session: Session, clock: FixedClock, synced: None
) -> None:
    user = make_user(session, clock, "r@example.org").id
    take_quiz(session, clock, user)
    reviews.set_limits(session, user, 3, None)
    clock.advance(timedelta(days=3))
    assert review_all(session, clock, user) == 3
    with pytest.raises(InvalidInput):
        reviews.set_limits(session, user, -1, None)
    reviews.set_limits(session, user, None, None)
    assert reviews.limits(session, user) == (None, None)
