"""Use cases of spaced review: record answers as reviews, today's queue, review an item,
mastery and forecast. Scheduling itself is fsrs's (course.review)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from course.content.model import build_question
from course.errors import InvalidInput, NotFound
from course.grading.registry import grade_response
from course.grading.result import FormatError, ResponseRejected
from course.review import queue, retention
from course.review.rating import Confidence, Rating, quick_threshold_ms, rating_for
from course.review.scheduler import DEFAULT_PARAMETERS, CardState, review
from course.services import questions as qs
from course.services.forms import FormGetter, raw_from_form
from course.services.views import AnswerView, QuestionView
from course.store import review as store
from course.store.content import CourseRow, LessonRow, QuestionRow, QuizRow
from course.store.engine import read_only
from course.store.review import ReviewCard, ReviewLog
from course.store.users import User

LEECH_LAPSES = 8
QUEUE_FETCH = 500  # most overdue cards read per queue build; the day's limits are far lower
# The review page shows one question: its form fields are named by this opaque key.
REVIEW_KEY = "r"


def _state(card: Any) -> CardState:
    return CardState(
        card.state, card.step, card.stability, card.difficulty, card.due, card.last_review
    )


def record(
    session: Session,
    now: datetime,
    *,
    user_id: int,
    course_id: str,
    question_id: int,
    score: float,
    confidence: Confidence | None,
    duration_ms: int,
    source: str,
    desired_retention: float,
    fuzz: bool = True,
    card: Any = None,
    expected_reps: int | None = None,
) -> bool:
    """Review the learner's card for a question (creating it at the first answer).

    Returns False when ``expected_reps`` no longer matches (a concurrent double submit);
    nothing is written then.
    """
    card = card if card is not None else store.card_for(session, user_id, question_id)
    quick = 0
    if score >= 1.0 and confidence is Confidence.SURE:
        quick = quick_threshold_ms(store.recent_durations(session, user_id))
    rating = rating_for(score, confidence, duration_ms, quick)
    parameters = store.course_parameters(session, course_id) or DEFAULT_PARAMETERS
    state = _state(card) if card is not None else CardState(due=now)
    new, event = review(
        card.id if card is not None else 0,
        state,
        rating,
        now,
        parameters=parameters,
        desired_retention=desired_retention,
        fuzz=fuzz,
        duration_ms=duration_ms,
    )
    values = {
        "state": new.state,
        "step": new.step,
        "stability": new.stability,
        "difficulty": new.difficulty,
        "due": new.due,
        "last_review": new.last_review,
    }
    lapse = 1 if rating is Rating.AGAIN else 0
    if card is None:
        card_id = store.insert_card(
            session,
            {
                **values,
                "user_id": user_id,
                "question_id": question_id,
                "course_id": course_id,
                "reps": 1,
                "lapses": lapse,
                "introduced_at": now if source == "review" else None,
                "active": True,
            },
        )
    else:
        card_id = card.id
        changes = {**values, "reps": card.reps + 1, "lapses": card.lapses + lapse}
        if source == "review" and card.introduced_at is None:
            changes["introduced_at"] = now
        if not store.update_card(session, card.id, changes, expected_reps):
            return False
    store.insert_log(
        session,
        {
            "card_id": card_id,
            "user_id": user_id,
            "course_id": course_id,
            "rating": int(event.rating),
            "reviewed_at": now,
            "duration_ms": duration_ms,
            "source": source,
            "score": score,
        },
    )
    return True


@dataclass(frozen=True)
class ReviewItem:
    card_id: int
    reps: int
    course_id: str
    lesson_slug: str
    question: QuestionView
    leech: bool
    remaining: int


@dataclass(frozen=True)
class ReviewSummary:
    done_today: int
    right_today: int
    next_due: datetime | None


def _timezone(session: Session, user_id: int) -> str:
    return session.scalar(select(User.timezone).where(User.id == user_id)) or "UTC"


def _todays_plan(session: Session, now: datetime, user_id: int) -> list[queue.DueCard]:
    learner = session.execute(
        select(User.timezone, User.new_per_day, User.reviews_per_day).where(User.id == user_id)
    ).one_or_none()
    timezone = learner.timezone if learner else "UTC"
    start, end = queue.day_bounds(now, timezone)
    due_rows = (
        session.execute(
            select(ReviewCard)
            .where(ReviewCard.user_id == user_id, ReviewCard.due < end, ReviewCard.active.is_(True))
            .order_by(ReviewCard.due)
            .limit(QUEUE_FETCH)
        )
        .scalars()
        .all()
    )
    if not due_rows:
        return []
    courses = {
        c.id: c
        for c in session.scalars(
            select(CourseRow).where(CourseRow.id.in_({r.course_id for r in due_rows}))
        )
    }
    done = dict(
        session.execute(
            select(ReviewLog.course_id, func.count())
            .where(
                ReviewLog.user_id == user_id,
                ReviewLog.reviewed_at >= start,
                ReviewLog.source == "review",
            )
            .group_by(ReviewLog.course_id)
        ).all()
    )
    introduced = dict(
        session.execute(
            select(ReviewCard.course_id, func.count())
            .where(ReviewCard.user_id == user_id, ReviewCard.introduced_at >= start)
            .group_by(ReviewCard.course_id)
        ).all()
    )
    by_course: dict[str, list[queue.DueCard]] = defaultdict(list)
    for row in due_rows:
        by_course[row.course_id].append(
            queue.DueCard(row.id, _state(row), is_new=row.introduced_at is None)
        )
    planned: list[queue.DueCard] = []
    for course_id, cards in by_course.items():
        course = courses.get(course_id)
        if course is None:
            continue
        params = store.course_parameters(session, course_id) or DEFAULT_PARAMETERS
        new_limit, review_limit = course.new_per_day, course.max_reviews_per_day
        # The learner's own settings replace the course's defaults.
        if learner is not None and learner.new_per_day is not None:
            new_limit = learner.new_per_day
        if learner is not None and learner.reviews_per_day is not None:
            review_limit = learner.reviews_per_day
        planned += queue.plan(
            cards,
            now,
            new_left=max(0, new_limit - introduced.get(course_id, 0)),
            reviews_left=max(0, review_limit - done.get(course_id, 0)),
            parameters=params,
        )
    return planned


def next_item(session: Session, now: datetime, user_id: int) -> ReviewItem | None:
    """The next question to review today, or None when the queue is empty."""
    with session.begin():
        read_only(session)
        planned = _todays_plan(session, now, user_id)
        if not planned:
            return None
        card = session.get(ReviewCard, planned[0].card_id)
        assert card is not None
        row = session.execute(
            select(QuestionRow.definition, QuizRow.lesson_slug)
            .join(QuizRow, QuizRow.id == QuestionRow.quiz_id)
            .where(QuestionRow.id == card.question_id)
        ).one()
        question = build_question(row.definition)
        return ReviewItem(
            card_id=card.id,
            reps=card.reps,
            course_id=card.course_id,
            lesson_slug=row.lesson_slug,
            question=qs.question_view(question, card.id * 1000 + card.reps, REVIEW_KEY),
            leech=card.lapses >= LEECH_LAPSES,
            remaining=len(planned),
        )


def summary(session: Session, now: datetime, user_id: int) -> ReviewSummary:
    with session.begin():
        read_only(session)
        start, _end = queue.day_bounds(now, _timezone(session, user_id))
        done = session.scalar(
            select(func.count()).where(
                ReviewLog.user_id == user_id,
                ReviewLog.reviewed_at >= start,
                ReviewLog.source == "review",
            )
        )
        right_count = (
            session.scalar(
                select(func.count()).where(
                    ReviewLog.user_id == user_id,
                    ReviewLog.reviewed_at >= start,
                    ReviewLog.source == "review",
                    ReviewLog.score >= 1.0,
                )
            )
            or 0
        )
        next_due = session.scalar(
            select(func.min(ReviewCard.due)).where(
                ReviewCard.user_id == user_id, ReviewCard.active.is_(True)
            )
        )
        return ReviewSummary(done or 0, right_count, next_due)


@dataclass(frozen=True)
class ReviewOutcome:
    answer: AnswerView | None = None
    format_error: str | None = None
    stale: bool = False
    leech: bool = False
    course_id: str = ""
    lesson_slug: str = ""


def answer(
    session: Session,
    now: datetime,
    user_id: int,
    card_id: int,
    reps: int,
    get: FormGetter,
    confidence: Confidence | None,
    duration_ms: int,
    fuzz: bool = True,
) -> ReviewOutcome:
    """Grade a review answer and reschedule the card; a repeated submit changes nothing."""
    with session.begin():
        card = store.card_by_id(session, card_id)
        if card is None or card.user_id != user_id:
            raise NotFound("No such review item.")
        if card.reps != reps:
            return ReviewOutcome(stale=True)
        definition, lesson_slug = session.execute(
            select(QuestionRow.definition, QuizRow.lesson_slug)
            .join(QuizRow, QuizRow.id == QuestionRow.quiz_id)
            .where(QuestionRow.id == card.question_id)
        ).one()
        question = build_question(definition)
        raw = raw_from_form(question, get, REVIEW_KEY)
        if isinstance(raw, FormatError):
            return ReviewOutcome(format_error=raw.message)
        try:
            grade = grade_response(question, raw)
        except ResponseRejected as exc:
            raise InvalidInput(f"The answer could not be accepted: {exc}.") from exc
        if isinstance(grade, FormatError):
            return ReviewOutcome(format_error=grade.message)
        course = session.get(CourseRow, card.course_id)
        retention_target = course.desired_retention if course else 0.9
        ok = record(
            session,
            now,
            user_id=user_id,
            course_id=card.course_id,
            question_id=card.question_id,
            score=grade.score,
            confidence=confidence,
            duration_ms=duration_ms,
            source="review",
            desired_retention=retention_target,
            fuzz=fuzz,
            card=card,
            expected_reps=reps,
        )
        if not ok:
            session.rollback()
            return ReviewOutcome(stale=True)
        view = qs.graded_view(
            question,
            REVIEW_KEY,
            grade.score,
            grade.points,
            grade.max_points,
            grade.response_text,
            qs.feedback_json(grade),
        )
        lapses = card.lapses + (1 if grade.score < 0.5 else 0)
        return ReviewOutcome(
            answer=view,
            leech=lapses >= LEECH_LAPSES,
            course_id=card.course_id,
            lesson_slug=lesson_slug,
        )


@dataclass(frozen=True)
class LessonMastery:
    slug: str
    title: str
    cards: int
    recall: tuple[float | None, ...]  # now, in 7 days, in 30 days
    leeches: int


@dataclass(frozen=True)
class Mastery:
    lessons: tuple[LessonMastery, ...]
    forecast: tuple[tuple[str, int], ...]  # (ISO day, reviews due)
    due_today: int


def mastery(session: Session, now: datetime, user_id: int, course_id: str) -> Mastery:
    """Predicted recall per lesson now, in 7 and in 30 days, and the 14-day forecast."""
    with session.begin():
        read_only(session)
        timezone = _timezone(session, user_id)
        params = store.course_parameters(session, course_id) or DEFAULT_PARAMETERS
        rows = session.execute(
            select(ReviewCard, QuizRow.lesson_slug)
            .join(QuestionRow, QuestionRow.id == ReviewCard.question_id)
            .join(QuizRow, QuizRow.id == QuestionRow.quiz_id)
            .where(
                ReviewCard.user_id == user_id,
                ReviewCard.course_id == course_id,
                ReviewCard.active.is_(True),
            )
        ).all()
        lessons = session.execute(
            select(LessonRow.slug, LessonRow.title)
            .where(LessonRow.course_id == course_id, LessonRow.retired_at.is_(None))
            .order_by(LessonRow.position)
        ).all()
        states: dict[str, list[CardState]] = defaultdict(list)
        leeches: dict[str, int] = defaultdict(int)
        for card, lesson_slug in rows:
            states[lesson_slug].append(_state(card))
            leeches[lesson_slug] += card.lapses >= LEECH_LAPSES
        result = tuple(
            LessonMastery(
                slug,
                title,
                len(states[slug]),
                tuple(
                    retention.mean_recall(states[slug], now, days, params)
                    for days in retention.HORIZONS_DAYS
                ),
                leeches[slug],
            )
            for slug, title in lessons
        )
        days = retention.forecast([card.due for card, _ in rows], now, timezone)
        _start, end = queue.day_bounds(now, timezone)
        return Mastery(
            result,
            tuple((d.isoformat(), n) for d, n in days),
            sum(1 for card, _ in rows if card.due < end),
        )


def deactivate_retired(session: Session) -> None:
    """Cards of retired questions leave review; a restored question brings them back."""
    retired = select(QuestionRow.id).where(QuestionRow.retired_at.is_not(None))
    session.execute(
        update(ReviewCard)
        .where(ReviewCard.question_id.in_(retired))
        .values(active=False)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(ReviewCard)
        .where(ReviewCard.question_id.not_in(retired), ReviewCard.active.is_(False))
        .values(active=True)
        .execution_options(synchronize_session=False)
    )


MAX_DAILY = 1000


def set_limits(
    session: Session, user_id: int, new_per_day: int | None, reviews_per_day: int | None
) -> None:
    """The learner's own daily limits, replacing the course's defaults (None: the course's)."""
    for value in (new_per_day, reviews_per_day):
        if value is not None and not 0 <= value <= MAX_DAILY:
            raise InvalidInput(f"Daily limits are whole numbers from 0 to {MAX_DAILY}.")
    with session.begin():
        user = session.get(User, user_id)
        if user is None:
            raise NotFound("No such account.")
        user.new_per_day, user.reviews_per_day = new_per_day, reviews_per_day


def limits(session: Session, user_id: int) -> tuple[int | None, int | None]:
    with session.begin():
        read_only(session)
        row = session.execute(
            select(User.new_per_day, User.reviews_per_day).where(User.id == user_id)
        ).one()
        return row.new_per_day, row.reviews_per_day
