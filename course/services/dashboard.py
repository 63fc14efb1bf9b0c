"""Instructor dashboards: class overview, at-risk learners, learner detail, class
retention. Each page runs a fixed number of queries, whatever the class size."""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import (
    ColumnElement,
    Engine,
    Executable,
    Select,
    case,
    func,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from course.errors import NotFound
from course.formatting import format_percent
from course.review.memory import Memory, combine, summarize_groups
from course.review.queue import learner_day
from course.review.scheduler import DEFAULT_PARAMETERS
from course.services import progress, reviews
from course.services.audit import CurrentGrade, current_grades, history_views
from course.services.authz import Actor, managed_class
from course.services.reviews import Mastery
from course.services.views import ScoreChangeView
from course.store import review as review_store
from course.store.attempts import Attempt, AttemptStatus, LessonRead, Response
from course.store.audit import ScoreChange, changes_for_attempts
from course.store.classes import Assignment, AssignmentKind, Membership
from course.store.content import CourseRow, LessonRow, QuestionRow, QuizRow
from course.store.engine import engine_of, read_only
from course.store.review import ReviewCard, ReviewLog
from course.store.users import User

# At-risk rules (docs/architecture.md). Scores, "due today" and predicted recall are the
# figures of the learner's own progress page (services.progress, review.memory).
INACTIVE_DAYS = 7
LOW_SCORE = 0.6
BACKLOG = 20
LOW_RECALL = 0.7  # mean predicted recall at the learner's next day start


class CellState(enum.StrEnum):
    """What a learner did about one assignment, as the overview cell shows it."""

    DONE = "done"  # a lesson read
    PASSED = "passed"
    ATTEMPTED = "attempted"  # a quiz submitted, not passed
    IN_PROGRESS = "in progress"
    NOT_STARTED = "not started"
    OVERDUE = "overdue"

    @property
    def css_class(self) -> str:
        return self.value.replace(" ", "-")

    @property
    def finished(self) -> bool:
        """The assignment was done (a "late" mark then means done after the due date)."""
        return self in (CellState.DONE, CellState.PASSED)


@dataclass(frozen=True)
class Cell:
    """One learner × assignment: what they did."""

    state: CellState
    percent: int | None = None
    late: bool = False


@dataclass(frozen=True)
class AssignmentColumn:
    id: int
    kind: AssignmentKind
    slug: str
    title: str
    due_at: datetime


@dataclass
class LearnerRow:
    user_id: int
    name: str
    email: str
    cells: list[Cell] = field(default_factory=list)
    last_active: datetime | None = None
    backlog: int = 0
    retention: float | None = None  # mean predicted recall at the learner's next day start
    mean_percent: int | None = None
    learned: int = 0  # questions learned (course.review.memory)
    completion: int = 0  # percent of steps done (services.progress)
    risks: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Overview:
    class_id: int
    name: str
    course_id: str
    course_title: str
    join_code: str
    joining_open: bool
    columns: tuple[AssignmentColumn, ...]
    learners: tuple[LearnerRow, ...]
    lessons: tuple[tuple[str, str], ...]  # (slug, title) for assigning
    quizzes: tuple[tuple[str, str], ...]
    retention: tuple[tuple[str, float | None, float | None], ...]  # lesson, tomorrow, 7 days
    questions_total: int = 0
    timezone: str = "UTC"  # the instructor's: due dates are shown and entered in it

    @property
    def at_risk(self) -> list[LearnerRow]:
        return [row for row in self.learners if row.risks]


SORTS = {"name", "last_active", "backlog", "retention", "score", "risk"}


def _sort_key(sort: str) -> Callable[[LearnerRow], Any]:
    keys: dict[str, Callable[[LearnerRow], Any]] = {
        "name": lambda r: r.name.lower(),
        # least recently active first; never active before everyone
        "last_active": lambda r: r.last_active.timestamp() if r.last_active else float("-inf"),
        "backlog": lambda r: -r.backlog,
        "retention": lambda r: r.retention if r.retention is not None else -1.0,
        "score": lambda r: r.mean_percent if r.mean_percent is not None else -1,
        "risk": lambda r: -len(r.risks),
    }
    return keys[sort]


def overview(
    session: Session, now: datetime, actor: Actor, class_id: int, sort: str = "name"
) -> Overview:
    """The class at a glance: learners × assignments, activity, review health, risks.

    A fixed number of queries whatever the class size, aggregated in SQL: per learner ×
    quiz the attempts started, the best score and whether it was passed; per learner ×
    assignment only the late ones; per learner the last activity. Predicted recall and
    the other card figures are computed once per learner's cards and kept while the
    cards, the learner's day and the content stay the same (``_memories``).
    """
    with session.begin():
        read_only(session)
        row = managed_class(session, actor, class_id)
        conn = session.connection()  # Core rows: the class's rows need no ORM identity map
        course = session.get(CourseRow, row.course_id)
        assert course is not None
        members = conn.execute(
            select(User.id, User.display_name, User.email, User.timezone)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.class_id == class_id)
        ).all()
        in_class = select(Membership.user_id).where(Membership.class_id == class_id)
        assignments = conn.execute(
            select(Assignment.id, Assignment.kind, Assignment.target_slug, Assignment.due_at)
            .where(Assignment.class_id == class_id)
            .order_by(Assignment.due_at, Assignment.id)
        ).all()
        lessons = conn.execute(
            select(LessonRow.id, LessonRow.slug, LessonRow.title)
            .where(LessonRow.course_id == row.course_id, LessonRow.retired_at.is_(None))
            .order_by(LessonRow.position)
        ).all()
        # A lesson's quizzes as the progress page counts them (one definition).
        quizzes_of = progress.lesson_quizzes(session, row.course_id)
        quizzes = sorted(
            (
                (q.id, q.slug, q.title, q.lesson_slug)
                for group in quizzes_of.values()
                for q in group
            ),
            key=lambda quiz: quiz[1],
        )
        quiz_ids = [quiz[0] for quiz in quizzes]
        reads = conn.execute(
            select(LessonRead.user_id, LessonRead.lesson_id).where(
                LessonRead.user_id.in_(in_class),
                LessonRead.lesson_id.in_([lesson.id for lesson in lessons]),
            )
        ).all()
        standings = conn.execute(_quiz_standings(in_class, quiz_ids)).all()
        late = {(u, a) for u, a in conn.execute(_late_cells(class_id, row.course_id, in_class))}
        activity: dict[int, datetime] = {}
        for u, at in conn.execute(_last_activity(in_class, quiz_ids)):
            activity[u] = at
        memories = _memories(session, now, row.course_id, course.version_id, members)
        teacher_zone = session.scalar(select(User.timezone).where(User.id == actor.id))
        questions_total = progress.question_total(session, quiz_ids)
    lesson_by_slug = {slug: (lid, title) for lid, slug, title in lessons}
    quiz_by_slug = {slug: (qid, title) for qid, slug, title, _lesson in quizzes}
    columns = tuple(
        AssignmentColumn(
            a.id,
            a.kind,
            a.target_slug,
            (lesson_by_slug if a.kind is AssignmentKind.LESSON else quiz_by_slug).get(
                a.target_slug, (0, a.target_slug)
            )[1],
            a.due_at,
        )
        for a in assignments
    )
    read_set = {(u, lesson) for u, lesson in reads}
    standing = {(u, q): (started, best, passed) for u, q, started, best, passed in standings}
    counted = {q.id for _lid, slug, _title in lessons for q in quizzes_of.get(slug, [])}
    steps_done: dict[int, int] = defaultdict(int)
    for u, _lesson in read_set:  # reads of current lessons only (queried so)
        steps_done[u] += 1
    for (u, q), (_started, best, passed) in standing.items():
        if q in counted and best is not None:  # submitted, and passed
            steps_done[u] += 1 + bool(passed)
    targets = [
        (
            column.kind is AssignmentKind.LESSON,
            column.id,
            (lesson_by_slug if column.kind is AssignmentKind.LESSON else quiz_by_slug).get(
                column.slug, (0, "")
            )[0],
            now > column.due_at,
        )
        for column in columns
    ]
    lesson_memories: dict[str, list[Memory]] = defaultdict(list)
    figures = _Figures(
        targets,
        read_set,
        late,
        standing,
        memories,
        activity,
        steps_done,
        len(lessons) + 2 * len(counted),
    )
    learners = [figures.row(member, now, lesson_memories) for member in members]
    key = _sort_key(sort if sort in SORTS else "name")
    learners.sort(key=key)
    retention_rows = _class_recall(lesson_memories, [(slug, title) for _, slug, title in lessons])
    return Overview(
        class_id,
        row.name,
        row.course_id,
        course.title,
        row.join_code,
        row.joining_open,
        columns,
        tuple(learners),
        tuple((slug, title) for _id, slug, title in lessons),
        tuple((slug, title) for _id, slug, title, _lesson in quizzes),
        retention_rows,
        questions_total,
        teacher_zone or "UTC",
    )


def _submitted() -> ColumnElement[bool]:
    """An attempt that counts for scores (as on the progress page): submitted, with
    points to score."""
    return Attempt.submitted_at.is_not(None) & (Attempt.max_points != 0)


def _quiz_standings(in_class: Select[int], quiz_ids: list[int]) -> Executable:
    """Per learner × quiz: attempts started, the best score in percent (None: none
    submitted; rounded as the progress page rounds, ``round(100 * points / max)``, in
    Python) and whether one passed."""
    return (
        select(
            Attempt.user_id,
            Attempt.quiz_id,
            func.count(),
            func.max(case((_submitted(), 100.0 * Attempt.points / Attempt.max_points))),
            func.max(case((_submitted() & Attempt.passed.is_(True), 1), else_=0)),
        )
        .where(Attempt.user_id.in_(in_class), Attempt.quiz_id.in_(quiz_ids))
        .group_by(Attempt.user_id, Attempt.quiz_id)
    )


def _late_cells(class_id: int, course_id: str, in_class: Select[int]) -> Executable:
    """(learner, assignment) of every cell done after its due date: a lesson read, or a
    quiz first passed, after it."""
    lesson_late = (
        select(LessonRead.user_id, Assignment.id)
        .join(LessonRow, LessonRow.id == LessonRead.lesson_id)
        .join(
            Assignment,
            (Assignment.class_id == class_id)
            & (Assignment.kind == AssignmentKind.LESSON)
            & (Assignment.target_slug == LessonRow.slug),
        )
        .where(
            LessonRead.user_id.in_(in_class),
            LessonRow.course_id == course_id,
            LessonRow.retired_at.is_(None),
            LessonRead.read_at > Assignment.due_at,
        )
    )
    first_pass = (
        select(
            Attempt.user_id,
            QuizRow.slug,
            func.min(Attempt.submitted_at).label("first"),
        )
        .join(QuizRow, QuizRow.id == Attempt.quiz_id)
        .where(
            Attempt.user_id.in_(in_class),
            QuizRow.course_id == course_id,
            QuizRow.retired_at.is_(None),
            _submitted(),
            Attempt.passed.is_(True),
        )
        .group_by(Attempt.user_id, QuizRow.slug)
        .subquery()
    )
    quiz_late = select(first_pass.c.user_id, Assignment.id).join(
        Assignment,
        (Assignment.class_id == class_id)
        & (Assignment.kind == AssignmentKind.QUIZ)
        & (Assignment.target_slug == first_pass.c.slug)
        & (first_pass.c.first > Assignment.due_at),
    )
    return union_all(lesson_late, quiz_late)


def _last_activity(in_class: Select[int], quiz_ids: list[int]) -> Executable:
    """Per learner, the last attempt started or submitted, lesson read or review."""
    moments = union_all(
        select(
            Attempt.user_id.label("user_id"),
            func.max(func.coalesce(Attempt.submitted_at, Attempt.started_at)).label("at"),
        )
        .where(Attempt.user_id.in_(in_class), Attempt.quiz_id.in_(quiz_ids))
        .group_by(Attempt.user_id),
        select(LessonRead.user_id, func.max(LessonRead.read_at))
        .where(LessonRead.user_id.in_(in_class))
        .group_by(LessonRead.user_id),
        select(ReviewLog.user_id, func.max(ReviewLog.reviewed_at))
        .where(ReviewLog.user_id.in_(in_class))
        .group_by(ReviewLog.user_id),
    ).subquery()
    return select(moments.c.user_id, func.max(moments.c.at)).group_by(moments.c.user_id)


_NO_CARDS: tuple[dict[str, Memory], Memory] = ({}, combine([]))
_DONE = Cell(CellState.DONE)
_DONE_LATE = Cell(CellState.DONE, late=True)
_NOT_STARTED = Cell(CellState.NOT_STARTED)
_OVERDUE = Cell(CellState.OVERDUE, late=True)
_IN_PROGRESS = Cell(CellState.IN_PROGRESS)


def _quiz_cell(standing: tuple[int, float | None, int] | None, late: bool, overdue: bool) -> Cell:
    """``standing``: (attempts started, best percent unrounded, passed) of the learner's
    attempts at the quiz (None: none started); ``late``: first passed after the due date."""
    if standing is None or standing[1] is None:
        if overdue:
            return _OVERDUE
        return _IN_PROGRESS if standing is not None else _NOT_STARTED
    best = round(standing[1])
    if standing[2]:
        return Cell(CellState.PASSED, best, late=late)
    return Cell(CellState.ATTEMPTED, best, late=overdue)


@dataclass(frozen=True)
class _Figures:
    """What the class's queries returned, to build one learner's row from."""

    # Per column: a lesson?, assignment id, lesson or quiz id, past its due date?
    targets: list[tuple[bool, int, int, bool]]
    reads: set[tuple[int, int]]  # (learner, lesson id)
    late: set[tuple[int, int]]  # (learner, assignment id)
    standing: dict[tuple[int, int], tuple[int, float | None, int]]  # (learner, quiz id)
    memories: dict[int, tuple[dict[str, Memory], Memory]]  # per lesson, in all
    activity: dict[int, datetime]
    # Completion as the progress page counts it (``progress.lesson_steps``): per learner
    # the steps done (lessons read; quizzes submitted, and passed), over the steps there
    # are (each lesson: read it; each of its quizzes: submit, pass).
    steps_done: dict[int, int]
    steps: int

    def row(self, member: Any, now: datetime, by_lesson: dict[str, list[Memory]]) -> LearnerRow:
        uid = member.id
        learner = LearnerRow(uid, member.display_name, member.email)
        cells, percents = learner.cells, []
        reads, late, standing = self.reads, self.late, self.standing
        for is_lesson, assignment, target, overdue in self.targets:  # 25,000 cells for 500
            if is_lesson:
                if (uid, target) in reads:
                    cells.append(_DONE_LATE if (uid, assignment) in late else _DONE)
                else:
                    cells.append(_OVERDUE if overdue else _NOT_STARTED)
                continue
            cell = _quiz_cell(standing.get((uid, target)), (uid, assignment) in late, overdue)
            cells.append(cell)
            if cell.percent is not None:
                percents.append(cell.percent)
        mine, memory = self.memories.get(uid, _NO_CARDS)
        for slug, part in mine.items():
            by_lesson[slug].append(part)
        learner.backlog = memory.due_today
        learner.retention = memory.recall_tomorrow
        learner.learned = memory.learned
        learner.completion = 100 * self.steps_done.get(uid, 0) // self.steps if self.steps else 0
        learner.last_active = self.activity.get(uid)
        learner.mean_percent = round(sum(percents) / len(percents)) if percents else None
        learner.risks = _risks(learner, now)
        return learner


# --- Predicted recall, once per learner's cards ---------------------------------------

# A learner's card figures per lesson, kept per database and process while nothing they
# depend on changes: the cards (checked by an aggregate on every overview), the
# learner's day and zone, the content version and the FSRS parameters.
MAX_MEMORIES = 100_000
_Kept = tuple[Any, tuple[dict[str, Memory], Memory]]  # (what it depends on, figures)
_MEMORIES: WeakKeyDictionary[Engine, dict[tuple[str, int], _Kept]] = WeakKeyDictionary()


def _memories(
    session: Session, now: datetime, course_id: str, version: int, members: Sequence[Any]
) -> dict[int, tuple[dict[str, Memory], Memory]]:
    """Per learner, ``summarize_groups`` of their active cards in the course per lesson,
    and those combined.

    Two queries whatever the class size: an aggregate per learner (cards, their ids,
    newest review, latest due date, summed stability) tells whose cards changed since
    their figures were computed; only those learners' cards are read and evaluated.
    """
    engine = engine_of(session)
    cache = _MEMORIES.get(engine)
    if cache is None:
        cache = _MEMORIES[engine] = {}
    params = tuple(review_store.course_parameters(session, course_id) or DEFAULT_PARAMETERS)
    ids = [m.id for m in members]
    zones = {m.id: m.timezone or "UTC" for m in members}
    marks = {
        user: (zones[user], learner_day(now, zones[user]), version, params, tuple(rest))
        for user, *rest in session.execute(
            select(
                ReviewCard.user_id,
                func.count(),
                func.sum(ReviewCard.id),
                func.max(ReviewCard.last_review),
                func.max(ReviewCard.due),
                func.sum(ReviewCard.stability),
            )
            .where(*_active_cards(ids, course_id))
            .group_by(ReviewCard.user_id)
        ).all()
    }
    stale = [
        user for user, mark in marks.items() if cache.get((course_id, user), (None,))[0] != mark
    ]
    cards = progress.card_states_by_lesson(session, stale, course_id)
    if len(cache) + len(stale) > MAX_MEMORIES:
        cache.clear()
    for user in stale:
        zone = zones[user]
        figures = summarize_groups(cards.get(user, {}), now, zone, params)
        cache[(course_id, user)] = (marks[user], (figures, combine(list(figures.values()))))
    return {user: cache[(course_id, user)][1] for user in marks}


def _active_cards(user_ids: list[int], course_id: str) -> tuple[ColumnElement[bool], ...]:
    """The cards ``card_states_by_lesson`` reads: the learners' active cards of a course."""
    return (
        ReviewCard.user_id.in_(user_ids),
        ReviewCard.course_id == course_id,
        ReviewCard.active.is_(True),
    )


def _class_recall(
    by_lesson: dict[str, list[Memory]], lessons: list[tuple[str, str]]
) -> tuple[tuple[str, float | None, float | None], ...]:
    """Per lesson, the class's mean predicted recall tomorrow and in 7 days (each learner
    on their own day)."""
    recall = {slug: combine(parts).recall for slug, parts in by_lesson.items()}
    none: tuple[float | None, ...] = (None, None)
    return tuple(
        (title, recall.get(slug, none)[0], recall.get(slug, none)[1]) for slug, title in lessons
    )


def _risks(learner: LearnerRow, now: datetime) -> list[str]:
    risks = []
    overdue = sum(1 for c in learner.cells if c.state is CellState.OVERDUE)
    if overdue:
        risks.append(f"{overdue} overdue assignment{'s' if overdue > 1 else ''}")
    if learner.mean_percent is not None and learner.mean_percent < LOW_SCORE * 100:
        risks.append(f"low scores (mean best {learner.mean_percent}%)")
    if learner.backlog >= BACKLOG:
        risks.append(f"{learner.backlog} reviews due today")
    if learner.retention is not None and learner.retention < LOW_RECALL:
        risks.append(f"predicted recall tomorrow {format_percent(learner.retention)}")
    if learner.last_active is None:
        risks.append("never active")
    elif now - learner.last_active >= timedelta(days=INACTIVE_DAYS):
        risks.append(f"inactive for {(now - learner.last_active).days} days")
    return risks


@dataclass(frozen=True)
class ResponseLine:
    question: str
    response_text: str
    score: float
    points: float
    max_points: float
    feedback: tuple[str, ...]
    confidence: str | None = None  # "sure", "guessed" or not given


@dataclass(frozen=True)
class AttemptDetail:
    id: int
    quiz_title: str
    number: int
    status: str
    percent: int | None
    started_at: datetime
    responses: tuple[ResponseLine, ...]
    score_changes: tuple[ScoreChangeView, ...] = ()  # the audit trail, oldest first


@dataclass(frozen=True)
class LearnerDetail:
    class_id: int
    class_name: str
    course_id: str
    name: str
    email: str
    attempts: tuple[AttemptDetail, ...]
    reviews: tuple[tuple[datetime, str, int, float], ...]  # when, question, rating, score
    mastery: Mastery | None = None  # leeches per lesson
    figures: progress.CourseProgress | None = None  # the figures the learner sees
    timezone: str = "UTC"  # the instructor's, for the times shown


def learner_detail(
    session: Session, now: datetime, actor: Actor, class_id: int, user_id: int
) -> LearnerDetail:
    """Every attempt with responses and feedback, the review history and the predicted
    recall per lesson of one learner of the actor's class."""
    with session.begin():
        read_only(session)
        row = managed_class(session, actor, class_id)
        member = session.execute(
            select(User.display_name, User.email)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.class_id == class_id, User.id == user_id)
        ).one_or_none()
        if member is None:
            raise NotFound("That learner is not in this class.")
        attempts = session.execute(
            select(Attempt, QuizRow.title)
            .join(QuizRow, QuizRow.id == Attempt.quiz_id)
            .where(Attempt.user_id == user_id, QuizRow.course_id == row.course_id)
            .order_by(Attempt.started_at)
        ).all()
        responses = session.execute(
            select(Response, QuestionRow.slug)
            .join(QuestionRow, QuestionRow.id == Response.question_id)
            .where(Response.attempt_id.in_([a.id for a, _ in attempts]))
            .order_by(Response.id)
        ).all()
        logs = session.execute(
            select(ReviewLog.reviewed_at, QuestionRow.slug, ReviewLog.rating, ReviewLog.score)
            .join(ReviewCard, ReviewCard.id == ReviewLog.card_id)
            .join(QuestionRow, QuestionRow.id == ReviewCard.question_id)
            .where(ReviewLog.user_id == user_id, ReviewLog.course_id == row.course_id)
            .order_by(ReviewLog.reviewed_at.desc())
            .limit(200)
        ).all()
        changes = changes_for_attempts(session, [a.id for a, _ in attempts])
        teacher_zone = session.scalar(select(User.timezone).where(User.id == actor.id))
    grades = current_grades(changes)
    slugs = {response.id: slug for response, slug in responses}
    audit_by_attempt: dict[int, list[ScoreChange]] = defaultdict(list)
    for change in changes:
        audit_by_attempt[change.attempt_id].append(change)
    by_attempt: dict[int, list[ResponseLine]] = defaultdict(list)
    for response, slug in responses:
        grade = grades.get(response.id) or CurrentGrade(
            response.score, response.points, response.max_points, response.feedback
        )
        by_attempt[response.attempt_id].append(
            ResponseLine(
                slug,
                response.response_text,
                grade.score,
                grade.points,
                grade.max_points,
                tuple(f["text"] for f in grade.feedback),
                response.confidence,
            )
        )
    details = tuple(
        AttemptDetail(
            a.id,
            title,
            a.number,
            a.status.value,
            round(100 * a.points / a.max_points)
            if a.max_points and a.status is AttemptStatus.SUBMITTED
            else None,
            a.started_at,
            tuple(by_attempt.get(a.id, [])),
            history_views(audit_by_attempt.get(a.id, []), slugs),
        )
        for a, title in attempts
    )
    return LearnerDetail(
        class_id,
        row.name,
        row.course_id,
        member.display_name,
        member.email,
        details,
        tuple((at, slug, rating, score) for at, slug, rating, score in logs),
        # Authorized above: the learner is in the actor's class.
        reviews.mastery(session, now, user_id, row.course_id),
        progress.progress_at(session, now, user_id, row.course_id),
        teacher_zone or "UTC",
    )
