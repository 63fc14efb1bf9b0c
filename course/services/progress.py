"""A learner's progress: lessons read, quiz scores, completion, questions learned, streak.

What each figure means is defined once, here and in ``course.review.memory``, and the
instructor's dashboards (``services.dashboard``) use the same definitions:

* **Completion** counts the steps the learner took: every lesson has a "read it" step
  (the "I've read this" button), and a lesson with a quiz two more, "submitted an
  attempt" and "passed". Completion is steps done over steps there are, so reading a
  lesson and trying its quiz twice without passing is two thirds of that lesson.
* **Learned**, **predicted recall** and **due today**: see ``course.review.memory``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from course.clock import Clock
from course.errors import NotFound
from course.review.memory import Memory, combine, summarize_groups
from course.review.queue import learner_day
from course.review.scheduler import DEFAULT_PARAMETERS, CardState
from course.store import review as review_store
from course.store.attempts import Attempt, AttemptStatus, LessonRead, Response
from course.store.content import CourseRow, LessonRow, QuestionRow, QuizRow
from course.store.engine import read_only
from course.store.review import ReviewCard, ReviewLog
from course.store.users import User


@dataclass(frozen=True)
class LessonProgress:
    slug: str
    title: str
    minutes: int
    read: bool
    quiz_slug: str | None
    best_percent: int | None
    passed: bool
    open_attempt: int | None
    attempted: bool = False  # at least one attempt of its quiz submitted
    memory: Memory | None = None  # its questions' cards (None: no card yet)

    @property
    def steps(self) -> tuple[int, int]:
        return lesson_steps(
            self.read,
            has_quiz=self.quiz_slug is not None,
            attempted=self.attempted,
            passed=self.passed,
        )

    @property
    def status(self) -> str:
        if self.passed:
            return "quiz passed"
        if self.best_percent is not None:
            return "quiz taken"
        if self.read:
            return "read"
        return "not started"

    @property
    def done(self) -> bool:
        return self.passed or (self.quiz_slug is None and self.read)


@dataclass(frozen=True)
class CourseProgress:
    course_id: str
    title: str
    description_html: str
    lessons: tuple[LessonProgress, ...]
    questions_learned: int
    questions_total: int
    streak_days: int
    due_today: int = 0
    memory: Memory | None = None  # all the learner's active cards in the course

    @property
    def completion_percent(self) -> int:
        return completion_percent(lesson.steps for lesson in self.lessons)

    @property
    def next_step(self) -> tuple[str, LessonProgress] | None:
        """The one "continue" action: resume, read, take the quiz, or retry it."""
        for lesson in self.lessons:
            if lesson.open_attempt is not None:
                return "resume", lesson
            if not lesson.read and lesson.best_percent is None:
                return "read", lesson
            if lesson.quiz_slug and not lesson.passed:
                return "quiz", lesson
        return None


def lesson_steps(read: bool, *, has_quiz: bool, attempted: bool, passed: bool) -> tuple[int, int]:
    """(steps done, steps there are) of one lesson: read it; with a quiz, also submit an
    attempt and pass."""
    if not has_quiz:
        return int(read), 1
    return int(read) + int(attempted) + int(passed), 3


def completion_percent(steps: Iterable[tuple[int, int]]) -> int:
    """Steps done over steps there are, in whole percent (rounded down, so 100 % means
    everything is done)."""
    pairs = list(steps)
    done = sum(d for d, _ in pairs)
    total = sum(t for _, t in pairs)
    return 100 * done // total if total else 0


def mark_read(session: Session, clock: Clock, user_id: int, course_id: str, slug: str) -> None:
    """Record that the learner finished a lesson (idempotent)."""
    try:
        with session.begin():
            lesson = session.scalar(
                select(LessonRow).where(
                    LessonRow.course_id == course_id,
                    LessonRow.slug == slug,
                    LessonRow.retired_at.is_(None),
                )
            )
            if lesson is None:
                raise NotFound(f"No lesson '{slug}' in this course.")
            exists = session.scalar(
                select(LessonRead.id).where(
                    LessonRead.user_id == user_id, LessonRead.lesson_id == lesson.id
                )
            )
            if exists is None:
                session.add(LessonRead(user_id=user_id, lesson_id=lesson.id, read_at=clock.now()))
    except IntegrityError:
        return  # read twice at once: once is enough


def _streak(days: set[date], today: date) -> int:
    day = today if today in days else today - timedelta(days=1)
    streak = 0
    while day in days:
        streak += 1
        day -= timedelta(days=1)
    return streak


def course_progress(
    session: Session, clock: Clock, user_id: int | None, course_id: str
) -> CourseProgress:
    """Progress through one course; anonymous visitors get the bare lesson list."""
    return progress_at(session, clock.now(), user_id, course_id)


def progress_at(
    session: Session, now: datetime, user_id: int | None, course_id: str
) -> CourseProgress:
    """``course_progress`` at ``now``; callers authorize (the learner themself, or the
    instructor of a class the learner is in)."""
    with session.begin():
        read_only(session)
        course = session.get(CourseRow, course_id)
        if course is None:
            raise NotFound(f"No course '{course_id}'.")
        lessons = session.scalars(
            select(LessonRow)
            .where(LessonRow.course_id == course_id, LessonRow.retired_at.is_(None))
            .order_by(LessonRow.position, LessonRow.slug)
        ).all()
        quizzes = session.scalars(
            select(QuizRow)
            .where(QuizRow.course_id == course_id, QuizRow.retired_at.is_(None))
            .order_by(QuizRow.slug)
        ).all()
        quiz_for: dict[str, QuizRow] = {}
        for quiz in quizzes:
            quiz_for.setdefault(quiz.lesson_slug, quiz)
        read: set[int] = set()
        attempts: list[Attempt] = []
        days: set[date] = set()
        timezone = "UTC"
        cards: dict[str, list[CardState]] = {}
        params: Sequence[float] = DEFAULT_PARAMETERS
        if user_id is not None:
            timezone = session.scalar(select(User.timezone).where(User.id == user_id)) or "UTC"
            read_rows = session.execute(
                select(LessonRead.lesson_id, LessonRead.read_at).where(
                    LessonRead.user_id == user_id
                )
            ).all()
            read = {lesson_id for lesson_id, _ in read_rows}
            days.update(learner_day(at, timezone) for _, at in read_rows)
            quiz_ids = [q.id for q in quizzes]
            attempts = list(
                session.scalars(
                    select(Attempt).where(Attempt.user_id == user_id, Attempt.quiz_id.in_(quiz_ids))
                )
            )
            attempt_ids = [a.id for a in attempts]
            times = session.scalars(
                select(Response.answered_at).where(Response.attempt_id.in_(attempt_ids))
            ).all()
            days.update(learner_day(at, timezone) for at in times)
            reviewed = session.scalars(
                select(ReviewLog.reviewed_at).where(
                    ReviewLog.user_id == user_id,
                    ReviewLog.course_id == course_id,
                    ReviewLog.source == "review",
                )
            ).all()
            days.update(learner_day(at, timezone) for at in reviewed)
            cards = card_states_by_lesson(session, [user_id], course_id).get(user_id, {})
            params = review_store.course_parameters(session, course_id) or DEFAULT_PARAMETERS
        memories = summarize_groups(cards, now, timezone, params)
        views = []
        for lesson in lessons:
            paired = quiz_for.get(lesson.slug)
            mine = [a for a in attempts if paired is not None and a.quiz_id == paired.id]
            done = [a for a in mine if a.status is AttemptStatus.SUBMITTED and a.max_points]
            best = max((round(100 * a.points / a.max_points) for a in done), default=None)
            views.append(
                LessonProgress(
                    slug=lesson.slug,
                    title=lesson.title,
                    minutes=lesson.minutes,
                    read=lesson.id in read,
                    quiz_slug=paired.slug if paired else None,
                    best_percent=best,
                    passed=any(a.passed for a in done),
                    open_attempt=next((a.id for a in mine if a.status is AttemptStatus.OPEN), None),
                    attempted=bool(done),
                    memory=memories.get(lesson.slug),
                )
            )
        overall = combine(list(memories.values()))
        return CourseProgress(
            course_id=course.id,
            title=course.title,
            description_html=course.description_html,
            lessons=tuple(views),
            questions_learned=overall.learned,
            questions_total=question_total(session, [q.id for q in quizzes]),
            streak_days=_streak(days, learner_day(now, timezone)) if user_id else 0,
            due_today=overall.due_today,
            memory=overall if user_id else None,
        )


def card_states_by_lesson(
    session: Session, user_ids: Sequence[int], course_id: str
) -> dict[int, dict[str, list[CardState]]]:
    """The active review cards of ``user_ids`` in a course, per learner and lesson slug
    (one query, whatever the number of learners)."""
    rows = session.execute(
        select(
            ReviewCard.user_id,
            QuizRow.lesson_slug,
            ReviewCard.state,
            ReviewCard.step,
            ReviewCard.stability,
            ReviewCard.difficulty,
            ReviewCard.due,
            ReviewCard.last_review,
        )
        .join(QuestionRow, QuestionRow.id == ReviewCard.question_id)
        .join(QuizRow, QuizRow.id == QuestionRow.quiz_id)
        .where(
            ReviewCard.user_id.in_(user_ids),
            ReviewCard.course_id == course_id,
            ReviewCard.active.is_(True),
        )
    ).all()
    result: dict[int, dict[str, list[CardState]]] = defaultdict(lambda: defaultdict(list))
    for user, slug, state, step, stability, difficulty, due, last_review in rows:
        result[user][slug].append(CardState(state, step, stability, difficulty, due, last_review))
    return result


def question_total(session: Session, quiz_ids: list[int]) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(QuestionRow)
            .where(QuestionRow.quiz_id.in_(quiz_ids), QuestionRow.retired_at.is_(None))
        )
        or 0
    )
