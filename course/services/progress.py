"""A learner's progress: lessons read, quiz scores, completion, questions learned, streak."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from course.clock import Clock
from course.errors import NotFound
from course.review.queue import day_bounds, learner_day
from course.store.attempts import Attempt, AttemptStatus, LessonRead, Response
from course.store.audit import latest_changes
from course.store.content import CourseRow, LessonRow, QuestionRow, QuizRow
from course.store.engine import read_only
from course.store.review import ReviewCard
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

    @property
    def completion_percent(self) -> int:
        if not self.lessons:
            return 0
        return round(100 * sum(1 for lesson in self.lessons if lesson.done) / len(self.lessons))

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
        learned = 0
        days: set[date] = set()
        timezone = "UTC"
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
            current = latest_changes()  # a regraded score counts, not the first grade
            answered = session.execute(
                select(
                    Response.question_id, func.max(func.coalesce(current.c.score, Response.score))
                )
                .join(Attempt, Attempt.id == Response.attempt_id)
                .outerjoin(current, current.c.response_id == Response.id)
                .where(Attempt.user_id == user_id, Attempt.quiz_id.in_(quiz_ids))
                .group_by(Response.question_id)
            ).all()
            learned = sum(1 for _, best in answered if best >= 1.0)
            attempt_ids = [a.id for a in attempts]
            times = session.scalars(
                select(Response.answered_at).where(Response.attempt_id.in_(attempt_ids))
            ).all()
            days.update(learner_day(at, timezone) for at in times)
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
                )
            )
        return CourseProgress(
            course_id=course.id,
            title=course.title,
            description_html=course.description_html,
            lessons=tuple(views),
            questions_learned=learned,
            questions_total=_question_total(session, [q.id for q in quizzes]),
            streak_days=_streak(days, learner_day(clock.now(), timezone)) if user_id else 0,
            due_today=_due_today(session, clock, user_id, course_id, timezone) if user_id else 0,
        )


def _question_total(session: Session, quiz_ids: list[int]) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(QuestionRow)
            .where(QuestionRow.quiz_id.in_(quiz_ids), QuestionRow.retired_at.is_(None))
        )
        or 0
    )


def _due_today(session: Session, clock: Clock, user_id: int, course_id: str, timezone: str) -> int:
    _start, end = day_bounds(clock.now(), timezone)
    return (
        session.scalar(
            select(func.count())
            .select_from(ReviewCard)
            .where(
                ReviewCard.user_id == user_id,
                ReviewCard.course_id == course_id,
                ReviewCard.active.is_(True),
                ReviewCard.due < end,
            )
        )
        or 0
    )
