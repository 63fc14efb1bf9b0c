"""Use cases of spaced review: record answers as reviews, today's queue, review an item,
mastery and forecast. Scheduling itself is fsrs's (course.review)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from course.content.model import build_question
from course.errors import InvalidInput, NotFound
from course.grading.result import FormatError
from course.review import queue, retention
from course.review.policy import ReviewPolicy, is_leech
from course.review.rating import Confidence, Rating
from course.review.scheduler import DEFAULT_PARAMETERS, CardState
from course.services import answering, sessions
from course.services import questions as qs
from course.services.accounts import SessionUser
from course.services.posted import Answers
from course.services.sessions import Login
from course.services.views import AnswerView, QuestionView
from course.store import review as store
from course.store.content import CourseRow, LessonRow, QuestionRow, QuizRow
from course.store.engine import is_sqlite, read_only
from course.store.review import ReviewCard, ReviewLog, ReviewSource, Suspension
from course.store.users import User

QUEUE_FETCH = 500  # most overdue cards read per queue build; the day's limits are far lower
# The review page shows one question: its form fields are named by this opaque key.
REVIEW_KEY = "r"


@dataclass(frozen=True)
class ReviewItem:
    card_id: int
    reps: int
    course_id: str
    lesson_slug: str
    question: QuestionView
    remaining: int


@dataclass(frozen=True)
class SuspendedCard:
    card_id: int
    course_id: str
    lesson_slug: str
    lesson_title: str
    prompt_html: str
    leech: bool  # suspended by the leech rule (else by the learner)


@dataclass(frozen=True)
class ReviewSummary:
    done_today: int
    right_today: int
    next_due: datetime | None
    # A (re)learning card is waiting for its step: when it will be ready.
    next_ready: datetime | None = None
    suspended: tuple[SuspendedCard, ...] = ()

    def minutes_to_ready(self, now: datetime) -> int | None:
        """Whole minutes (rounded up) until the waiting card is ready."""
        if self.next_ready is None:
            return None
        return max(1, -int(-(self.next_ready - now).total_seconds() // 60))


def _timezone(session: Session, user_id: int) -> str:
    return session.scalar(select(User.timezone).where(User.id == user_id)) or "UTC"


def _in_queue(user_id: int) -> Any:
    """The learner's cards that can be reviewed: active and not suspended."""
    return (
        (ReviewCard.user_id == user_id)
        & ReviewCard.active.is_(True)
        & ReviewCard.suspended.is_(None)
    )


def _todays_plan(session: Session, now: datetime, user_id: int) -> queue.Plan:
    learner = session.execute(
        select(User.timezone, User.new_per_day, User.reviews_per_day).where(User.id == user_id)
    ).one_or_none()
    timezone = learner.timezone if learner else "UTC"
    start, end = queue.day_bounds(now, timezone)
    due_rows = (
        session.execute(
            select(ReviewCard)
            .where(_in_queue(user_id), ReviewCard.due < end)
            .order_by(ReviewCard.due)
            .limit(QUEUE_FETCH)
        )
        .scalars()
        .all()
    )
    if not due_rows:
        return queue.Plan([])
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
                ReviewLog.source == ReviewSource.REVIEW,
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
            queue.DueCard(row.id, answering.state_of(row), is_new=row.introduced_at is None)
        )
    last_card_id = session.scalar(
        select(ReviewLog.card_id)
        .where(ReviewLog.user_id == user_id)
        .order_by(ReviewLog.reviewed_at.desc(), ReviewLog.id.desc())
        .limit(1)
    )
    plans: list[queue.Plan] = []
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
        plans.append(
            queue.plan(
                cards,
                now,
                new_left=max(0, new_limit - introduced.get(course_id, 0)),
                reviews_left=max(0, review_limit - done.get(course_id, 0)),
                learn_ahead=timedelta(minutes=course.learn_ahead_minutes),
                parameters=params,
                last_card_id=last_card_id,
            )
        )
    return _merge(plans, now)


def _merge(plans: list[queue.Plan], now: datetime) -> queue.Plan:
    """One queue from the courses' plans: cards ready now come first; a card learned
    ahead is offered only when no course has a card ready now."""
    ready = [c for p in plans for c in p.cards if c.state.due is None or c.state.due <= now]
    if ready:
        return queue.Plan(ready)
    ahead = [c for p in plans for c in p.cards]
    if ahead:
        return queue.Plan(ahead[:1])
    waits = [p.next_ready for p in plans if p.next_ready is not None]
    return queue.Plan([], next_ready=min(waits, default=None))


def next_item(session: Session, now: datetime, user_id: int) -> ReviewItem | None:
    """The next question to review now, or None (nothing due, or a card is waiting)."""
    with session.begin():
        read_only(session)
        planned = _todays_plan(session, now, user_id).cards
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
            remaining=len(planned),
        )


def summary(session: Session, now: datetime, user_id: int) -> ReviewSummary:
    """Today's reviews so far, when the next card is ready, and the cards set aside."""
    with session.begin():
        read_only(session)
        start, _end = queue.day_bounds(now, _timezone(session, user_id))
        today = (
            ReviewLog.user_id == user_id,
            ReviewLog.reviewed_at >= start,
            ReviewLog.source == ReviewSource.REVIEW,
        )
        done = session.scalar(select(func.count()).where(*today))
        right_count = session.scalar(select(func.count()).where(*today, ReviewLog.score >= 1.0))
        next_due = session.scalar(select(func.min(ReviewCard.due)).where(_in_queue(user_id)))
        return ReviewSummary(
            done or 0,
            right_count or 0,
            next_due,
            _todays_plan(session, now, user_id).next_ready,
            _suspended(session, user_id),
        )


def set_aside(session: Session, user_id: int) -> tuple[SuspendedCard, ...]:
    """The learner's own set-aside cards (by them or by the leech rule), oldest first."""
    with session.begin():
        read_only(session)
        return _suspended(session, user_id)


def _suspended(session: Session, user_id: int) -> tuple[SuspendedCard, ...]:
    rows = session.execute(
        select(ReviewCard, QuestionRow.definition, QuizRow.lesson_slug, LessonRow.title)
        .join(QuestionRow, QuestionRow.id == ReviewCard.question_id)
        .join(QuizRow, QuizRow.id == QuestionRow.quiz_id)
        .outerjoin(
            LessonRow,
            (LessonRow.course_id == QuizRow.course_id) & (LessonRow.slug == QuizRow.lesson_slug),
        )
        .where(
            ReviewCard.user_id == user_id,
            ReviewCard.active.is_(True),
            ReviewCard.suspended.is_not(None),
        )
        .order_by(ReviewCard.id)
    ).all()
    return tuple(
        SuspendedCard(
            card.id,
            card.course_id,
            lesson_slug,
            title or lesson_slug,
            qs.question_view(build_question(definition), 0, REVIEW_KEY).prompt_html,
            card.suspended is Suspension.LEECH,
        )
        for card, definition, lesson_slug, title in rows
    )


@dataclass(frozen=True)
class ReviewOutcome:
    answer: AnswerView | None = None
    format_error: str | None = None
    stale: bool = False
    leech: bool = False  # the card has just been suspended as a leech
    course_id: str = ""
    lesson_slug: str = ""
    card_id: int = 0
    log_id: int = 0
    rating: Rating | None = None  # the suggested rating, which the learner may change
    due: datetime | None = None
    user: SessionUser | None = None  # the caller, when it was given as a login
    logged_out: bool = False  # the login given was not valid: nothing was done


# The answer's one read: the card, its question's definition and lesson, and the
# course's review settings (the course row may be gone: defaults then).
_ANSWER_CONTEXT = (
    select(
        *ReviewCard.__table__.c,
        QuestionRow.definition,
        QuizRow.lesson_slug,
        CourseRow.id.label("course_row_id"),
        CourseRow.desired_retention,
        CourseRow.learning_steps,
        CourseRow.relearning_steps,
        CourseRow.learn_ahead_minutes,
        CourseRow.leech_lapses,
    )
    .join(QuestionRow, QuestionRow.id == ReviewCard.question_id)
    .join(QuizRow, QuizRow.id == QuestionRow.quiz_id)
    .outerjoin(CourseRow, CourseRow.id == ReviewCard.course_id)
    .where(ReviewCard.id == bindparam("card_id"))
)


def _course_review(row: Any) -> answering.CourseReview:
    if row.course_row_id is None:
        return answering.CourseReview(row.course_id)
    policy = ReviewPolicy.from_minutes(
        row.learning_steps, row.relearning_steps, row.learn_ahead_minutes, row.leech_lapses
    )
    return answering.CourseReview(row.course_id, row.desired_retention, policy)


def answer(
    session: Session,
    now: datetime,
    caller: int | Login,
    card_id: int,
    reps: int,
    answers: Answers,
    confidence: Confidence | None,
    duration_ms: int,
    fuzz: bool = True,
) -> ReviewOutcome:
    """Grade a review answer and reschedule the card; a repeated submit changes nothing.

    ``caller`` is the learner's id, or their login token, checked in the answer's own
    read (``outcome.user`` is then the logged-in user; ``logged_out`` with nothing done
    when the login is not valid).

    One read (the login, then the card with its question and course settings), grading
    and scheduling, then the writes (card, log). On SQLite the read, grading and
    scheduling run before the write lock is taken; the write re-checks that the card
    was neither reviewed nor set aside meanwhile (a stale answer otherwise). On
    PostgreSQL it is one transaction.
    """
    read_first = is_sqlite(session)
    with session.begin():
        if read_first:
            read_only(session)
        checked = (
            sessions.check(session, now, caller)
            if isinstance(caller, Login)
            else sessions.Checked(None)
        )
        if checked.user is None and isinstance(caller, Login):
            planned: ReviewOutcome | tuple[answering.PlannedReview, ReviewOutcome]
            planned = ReviewOutcome(logged_out=True)
        else:
            user_id = checked.user.id if checked.user else caller
            assert isinstance(user_id, int)
            planned = _plan_answer(
                session, now, user_id, card_id, reps, answers, confidence, duration_ms, fuzz
            )
        if not read_first:
            return _write_answer(session, now, checked, planned)
    if isinstance(planned, ReviewOutcome) and checked.upkeep is sessions.Upkeep.NONE:
        return replace(planned, user=checked.user)  # nothing to write
    with session.begin():
        return _write_answer(session, now, checked, planned)


def _write_answer(
    session: Session,
    now: datetime,
    checked: sessions.Checked,
    planned: ReviewOutcome | tuple[answering.PlannedReview, ReviewOutcome],
) -> ReviewOutcome:
    sessions.keep_up(session, now, checked)
    if isinstance(planned, ReviewOutcome):
        return replace(planned, user=checked.user)
    plan, outcome = planned
    recorded = answering.store_review(session, plan, unsuspended=True)
    if recorded is None:
        session.rollback()
        return ReviewOutcome(stale=True, user=checked.user)
    return replace(outcome, log_id=recorded.log_id, user=checked.user)


def _plan_answer(
    session: Session,
    now: datetime,
    user_id: int,
    card_id: int,
    reps: int,
    answers: Answers,
    confidence: Confidence | None,
    duration_ms: int,
    fuzz: bool,
) -> ReviewOutcome | tuple[answering.PlannedReview, ReviewOutcome]:
    card = session.connection().execute(_ANSWER_CONTEXT, {"card_id": card_id}).first()
    if card is None or card.user_id != user_id:
        raise NotFound("No such review item.")
    if card.reps != reps or card.suspended is not None:
        return ReviewOutcome(stale=True)
    question = build_question(card.definition)
    grade = answering.grade(question, answers.response(question, REVIEW_KEY))
    if isinstance(grade, FormatError):
        return ReviewOutcome(format_error=grade.message)
    plan = answering.plan_review(
        session,
        now,
        _course_review(card),
        user_id=user_id,
        question_id=card.question_id,
        score=grade.score,
        confidence=confidence,
        duration_ms=duration_ms,
        source=ReviewSource.REVIEW,
        fuzz=fuzz,
        card=card,
        expected_reps=reps,
    )
    view = qs.graded_view(
        question,
        REVIEW_KEY,
        grade.score,
        grade.points,
        grade.max_points,
        grade.response_text,
        qs.feedback_json(grade),
    )
    return plan, ReviewOutcome(
        answer=view,
        leech=plan.suspended,
        course_id=card.course_id,
        lesson_slug=card.lesson_slug,
        card_id=card.id,
        rating=plan.rating,
        due=plan.due,
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
        threshold = session.scalar(select(CourseRow.leech_lapses).where(CourseRow.id == course_id))
        states: dict[str, list[CardState]] = defaultdict(list)
        leeches: dict[str, int] = defaultdict(int)
        for card, lesson_slug in rows:
            states[lesson_slug].append(answering.state_of(card))
            leeches[lesson_slug] += is_leech(card.lapses, threshold or 0)
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
        # Suspended cards keep their predicted recall but leave the forecast.
        dues = [card.due for card, _ in rows if card.suspended is None]
        days = retention.forecast(dues, now, timezone)
        _start, end = queue.day_bounds(now, timezone)
        return Mastery(
            result,
            tuple((d.isoformat(), n) for d, n in days),
            sum(1 for due in dues if due < end),
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
