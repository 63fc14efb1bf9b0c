"""A learner's progress: lessons read, quiz scores, completion, questions learned, streak.

What each figure means is defined once, here and in ``course.review.memory``, and the
instructor's dashboards (``services.dashboard``) use the same definitions:

* **A lesson's quizzes** are every published (synced, not retired) quiz whose
  ``lesson:`` names it, listed in the order of their quiz ids (``lesson_quizzes``); a
  lesson may have none, one or several.
* **Completion** counts the steps the learner took: every lesson has a "read it" step
  (the "I've read this" button), and each of its quizzes two more, "submitted an
  attempt" and "passed". Completion is steps done over steps there are, so reading a
  lesson and trying its only quiz twice without passing is two thirds of that lesson.
* **A lesson's status** is "quiz passed" when every one of its quizzes is passed,
  "quiz taken" when at least one was submitted, else "read" or "not started".
* **Learned**, **predicted recall** and **due today**: see ``course.review.memory``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from course.clock import Clock
from course.errors import NotFound
from course.review.memory import Memory, combine, summarize_groups
from course.review.queue import learner_day
from course.review.scheduler import DEFAULT_PARAMETERS, CardState
from course.store import review as review_store
from course.store.attempts import Attempt, AttemptStatus, LessonRead, Response
from course.store.content import CourseRow, LessonRow, QuestionRow, QuizRow, served_version
from course.store.engine import engine_of, read_only
from course.store.review import ReviewCard, ReviewLog
from course.store.users import User


@dataclass(frozen=True)
class QuizProgress:
    """The learner's standing in one quiz of a lesson."""

    slug: str
    title: str
    best_percent: int | None  # best submitted attempt (None: none submitted)
    passed: bool
    open_attempt: int | None

    @property
    def attempted(self) -> bool:
        return self.best_percent is not None

    @property
    def status(self) -> str:
        return "passed" if self.passed else ("tried" if self.attempted else "not tried")


@dataclass(frozen=True)
class LessonProgress:
    slug: str
    title: str
    minutes: int
    read: bool
    quizzes: tuple[QuizProgress, ...] = ()  # in ``lesson_quizzes`` order
    memory: Memory | None = None  # its questions' cards (None: no card yet)

    @property
    def passed(self) -> bool:
        """Every quiz of the lesson passed (False for a lesson without a quiz)."""
        return bool(self.quizzes) and all(q.passed for q in self.quizzes)

    @property
    def attempted(self) -> bool:
        """At least one attempt of one of its quizzes submitted."""
        return any(q.attempted for q in self.quizzes)

    @property
    def best_percent(self) -> int | None:
        """The best score of its only quiz; with several quizzes, the lowest of their
        best scores (the one still holding the lesson back), once each was submitted."""
        bests = [q.best_percent for q in self.quizzes]
        if not bests or any(b is None for b in bests):
            return bests[0] if len(bests) == 1 else None
        return min(b for b in bests if b is not None)

    @property
    def open_attempt(self) -> int | None:
        return next((q.open_attempt for q in self.quizzes if q.open_attempt is not None), None)

    @property
    def next_quiz(self) -> str | None:
        """The first quiz not passed yet (None when there is none)."""
        return next((q.slug for q in self.quizzes if not q.passed), None)

    @property
    def steps(self) -> tuple[int, int]:
        return lesson_steps(self.read, [(q.attempted, q.passed) for q in self.quizzes])

    @property
    def status(self) -> str:
        if self.passed:
            return "quiz passed"
        if self.attempted:
            return "quiz taken"
        if self.read:
            return "read"
        return "not started"

    @property
    def done(self) -> bool:
        return self.passed or (not self.quizzes and self.read)


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
    version: int = 0  # the content version its lessons and quizzes were read from

    @property
    def completion_percent(self) -> int:
        return completion_percent(lesson.steps for lesson in self.lessons)

    @property
    def next_step(self) -> tuple[str, LessonProgress] | None:
        """The one "continue" action: resume, read, take the quiz, or retry it."""
        for lesson in self.lessons:
            if lesson.open_attempt is not None:
                return "resume", lesson
            if not lesson.read and not lesson.attempted:
                return "read", lesson
            if lesson.next_quiz is not None:
                return "quiz", lesson
        return None


def lesson_steps(read: bool, quizzes: Sequence[tuple[bool, bool]]) -> tuple[int, int]:
    """(steps done, steps there are) of one lesson: read it, and for each of its quizzes
    (given as (attempted, passed)) submit an attempt and pass."""
    done = int(read) + sum(int(attempted) + int(passed) for attempted, passed in quizzes)
    return done, 1 + 2 * len(quizzes)


def lesson_quizzes(session: Session, course_id: str) -> dict[str, list[QuizRow]]:
    """Every published quiz of the course per lesson slug, in the order of their quiz ids
    (the one order the course page, the lesson page, progress and the instructor's
    figures use)."""
    rows = session.scalars(
        select(QuizRow)
        .where(QuizRow.course_id == course_id, QuizRow.retired_at.is_(None))
        .order_by(QuizRow.slug)
    ).all()
    result: dict[str, list[QuizRow]] = defaultdict(list)
    for quiz in rows:
        result[quiz.lesson_slug].append(quiz)
    return dict(result)


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
    outline = course_outline(session, course_id)
    if user_id is None:
        return _public_progress(session, outline)
    quizzes = [quiz for group in outline.quizzes.values() for quiz in group]
    days: set[date] = set()
    with session.begin():
        read_only(session)
        timezone = session.scalar(select(User.timezone).where(User.id == user_id)) or "UTC"
        read_rows = session.execute(
            select(LessonRead.lesson_id, LessonRead.read_at).where(LessonRead.user_id == user_id)
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
    for lesson in outline.lessons:
        views.append(
            LessonProgress(
                slug=lesson.slug,
                title=lesson.title,
                minutes=lesson.minutes,
                read=lesson.id in read,
                quizzes=tuple(
                    _quiz_progress(quiz, attempts) for quiz in outline.quizzes.get(lesson.slug, ())
                ),
                memory=memories.get(lesson.slug),
            )
        )
    overall = combine(list(memories.values()))
    return CourseProgress(
        course_id=outline.course_id,
        title=outline.title,
        description_html=outline.description_html,
        lessons=tuple(views),
        questions_learned=overall.learned,
        questions_total=outline.questions_total,
        streak_days=_streak(days, learner_day(now, timezone)),
        due_today=overall.due_today,
        memory=overall,
        version=outline.version,
    )


@dataclass(frozen=True)
class OutlineLesson:
    id: int
    slug: str
    title: str
    minutes: int


@dataclass(frozen=True)
class OutlineQuiz:
    id: int
    slug: str
    title: str


@dataclass(frozen=True)
class CourseOutline:
    """What every reader of a course page sees, whoever they are: built once per
    content version (``course_outline``)."""

    course_id: str
    version: int
    title: str
    description_html: str
    lessons: tuple[OutlineLesson, ...]  # by position, then slug
    quizzes: dict[str, tuple[OutlineQuiz, ...]]  # lesson slug → its quizzes (``lesson_quizzes``)
    questions_total: int


# One outline per course, per database and process; replaced when the version changes.
_OUTLINES: WeakKeyDictionary[Engine, dict[str, CourseOutline]] = WeakKeyDictionary()
MAX_OUTLINES = 1_000


def course_outline(session: Session, course_id: str) -> CourseOutline:
    """The course's lessons and quizzes as served now: one cheap statement (the served
    version, ``store.content.served_version``) when the cached outline is current.

    Raises:
        NotFound: no such course.
    """
    engine = engine_of(session)
    version = served_version(engine, course_id)
    if version is None:
        raise NotFound(f"No course '{course_id}'.")
    cache = _OUTLINES.get(engine)
    if cache is None:
        cache = _OUTLINES[engine] = {}
    outline = cache.get(course_id)
    if outline is not None and outline.version == version:
        return outline
    outline = _read_outline(session, course_id)
    if len(cache) >= MAX_OUTLINES:
        cache.clear()
    cache[course_id] = outline
    return outline


# The anonymous course page's progress (no reads, no cards), per outline.
_PUBLIC: WeakKeyDictionary[Engine, dict[str, CourseProgress]] = WeakKeyDictionary()


def _public_progress(session: Session, outline: CourseOutline) -> CourseProgress:
    engine = engine_of(session)
    cache = _PUBLIC.get(engine)
    if cache is None:
        cache = _PUBLIC[engine] = {}
    view = cache.get(outline.course_id)
    if view is not None and view.version == outline.version:
        return view
    view = CourseProgress(
        course_id=outline.course_id,
        title=outline.title,
        description_html=outline.description_html,
        lessons=tuple(
            LessonProgress(
                slug=lesson.slug,
                title=lesson.title,
                minutes=lesson.minutes,
                read=False,
                quizzes=tuple(
                    _quiz_progress(quiz, ()) for quiz in outline.quizzes.get(lesson.slug, ())
                ),
            )
            for lesson in outline.lessons
        ),
        questions_learned=0,
        questions_total=outline.questions_total,
        streak_days=0,
        version=outline.version,
    )
    if len(cache) >= MAX_OUTLINES:
        cache.clear()
    cache[outline.course_id] = view
    return view


def _read_outline(session: Session, course_id: str) -> CourseOutline:
    with session.begin():
        read_only(session)
        course = session.get(CourseRow, course_id)
        if course is None:
            raise NotFound(f"No course '{course_id}'.")
        lessons = session.execute(
            select(LessonRow.id, LessonRow.slug, LessonRow.title, LessonRow.minutes)
            .where(LessonRow.course_id == course_id, LessonRow.retired_at.is_(None))
            .order_by(LessonRow.position, LessonRow.slug)
        ).all()
        quiz_for = lesson_quizzes(session, course_id)
        quiz_ids = [quiz.id for group in quiz_for.values() for quiz in group]
        return CourseOutline(
            course_id=course.id,
            version=course.version_id,
            title=course.title,
            description_html=course.description_html,
            lessons=tuple(OutlineLesson(i, s, t, m) for i, s, t, m in lessons),
            quizzes={
                slug: tuple(OutlineQuiz(q.id, q.slug, q.title) for q in group)
                for slug, group in quiz_for.items()
            },
            questions_total=question_total(session, quiz_ids),
        )


def _quiz_progress(quiz: OutlineQuiz, attempts: Sequence[Attempt]) -> QuizProgress:
    mine = [a for a in attempts if a.quiz_id == quiz.id]
    done = [a for a in mine if a.status is AttemptStatus.SUBMITTED and a.max_points]
    return QuizProgress(
        slug=quiz.slug,
        title=quiz.title,
        best_percent=max((round(100 * a.points / a.max_points) for a in done), default=None),
        passed=any(a.passed for a in done),
        open_attempt=next((a.id for a in mine if a.status is AttemptStatus.OPEN), None),
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
