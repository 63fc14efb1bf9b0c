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
    literal,
    select,
    union_all,
)
from sqlalchemy.orm import QueryableAttribute, Session

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
from course.store.base import UTCDateTime
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


@dataclass(frozen=True, slots=True)
class Cell:
    """One learner × assignment: what they did. ``late``: done after the due date;
    ``overdue``: past the due date and not done (not read, or no passing attempt), as
    the learner's own page says."""

    state: CellState
    percent: int | None = None
    late: bool = False
    overdue: bool = False

    @property
    def mark(self) -> str:
        """ "late" or "overdue" shown beside the state, when the state does not say it."""
        if self.late:
            return "late"
        if self.overdue and self.state is not CellState.OVERDUE:
            return "overdue"
        return ""


@dataclass(frozen=True)
class AssignmentColumn:
    id: int
    kind: AssignmentKind
    slug: str
    title: str
    due_at: datetime


@dataclass(slots=True)
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
    lesson whether it was read (late or not), per learner × quiz the best score, whether
    it was passed (late or not), per learner the last activity. Predicted recall and the
    other card figures are computed once per learner's cards and kept while the cards,
    the learner's day and the content stay the same (``_memories``).
    """
    with session.begin():
        read_only(session, batches=True)
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
        grid = _Grid(assignments, lessons, quizzes, now)
        # Completion as the progress page counts it (``progress.lesson_steps``): the
        # steps done (current lessons read; quizzes of current lessons submitted, and
        # passed) over the steps there are (each lesson: read it; each of its quizzes:
        # submit, pass). The rows are used as they are read, in batches (``_BATCHES``).
        counted = {q.id for _lid, slug, _title in lessons for q in quizzes_of.get(slug, [])}
        steps_done: dict[int, int] = defaultdict(int)
        for user, lesson, late in conn.execute(
            select(
                LessonRead.user_id,
                LessonRead.lesson_id,
                _late(LessonRead.read_at, LessonRead.lesson_id, grid.lesson_dues),
            ).where(
                LessonRead.user_id.in_(in_class),
                LessonRead.lesson_id.in_([lesson.id for lesson in lessons]),
            ),
            execution_options=_BATCHES,
        ):
            steps_done[user] += 1
            grid.read(user, lesson, late)
        for user, quiz, best, passed, late in conn.execute(
            _quiz_standings(in_class, quiz_ids, grid.quiz_dues), execution_options=_BATCHES
        ):
            if best is not None and quiz in counted:
                steps_done[user] += 1 + passed
            grid.attempted(user, quiz, best, passed, late)
        activity: dict[int, datetime] = dict(conn.execute(_last_activity(in_class, quiz_ids)).all())
        memories = _memories(session, now, row.course_id, course.version_id, members)
        teacher_zone = session.scalar(select(User.timezone).where(User.id == actor.id))
        questions_total = progress.question_total(session, quiz_ids)
    steps = len(lessons) + 2 * len(counted)
    by_lesson: dict[str, list[_Part]] = defaultdict(list)
    learners = []
    for member in members:
        uid = member.id
        cells, overdue, percents = grid.row(uid)
        cards = memories.get(uid, _NO_CARDS)
        for part in cards.lessons:
            by_lesson[part[0]].append(part)
        learner = LearnerRow(
            uid,
            member.display_name,
            member.email,
            cells=cells,
            last_active=activity.get(uid),
            backlog=cards.due_today,
            retention=cards.recall_tomorrow,
            mean_percent=round(percents[0] / percents[1]) if percents[1] else None,
            learned=cards.learned,
            completion=100 * steps_done[uid] // steps if steps else 0,
        )
        learner.risks = _risks(learner, overdue, now)
        learners.append(learner)
    key = _sort_key(sort if sort in SORTS else "name")
    learners.sort(key=key)
    retention_rows = _class_recall(by_lesson, [(slug, title) for _, slug, title in lessons])
    return Overview(
        class_id,
        row.name,
        row.course_id,
        course.title,
        row.join_code,
        row.joining_open,
        grid.columns,
        tuple(learners),
        tuple((slug, title) for _id, slug, title in lessons),
        tuple((slug, title) for _id, slug, title, _lesson in quizzes),
        retention_rows,
        questions_total,
        teacher_zone or "UTC",
    )


# The class's reads and quiz standings (thousands of rows) are fetched and used in
# batches: all held at once, they made Python's garbage collector promote tens of
# thousands of objects and run a full collection every second or third overview (about
# 40 ms each for 500 learners).
_BATCHES = {"yield_per": 1000}


def _submitted() -> ColumnElement[bool]:
    """An attempt that counts for scores (as on the progress page): submitted, with
    points to score."""
    return Attempt.submitted_at.is_not(None) & (Attempt.max_points != 0)


def _flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """1 where ``condition`` holds, else 0 (NULL counts as false)."""
    return case((condition, 1), else_=0)


def _late(
    moment: ColumnElement[Any] | QueryableAttribute[Any],
    target: QueryableAttribute[int],
    dues: dict[int, datetime],
) -> ColumnElement[int]:
    """1 if ``moment`` is after the due date of the lesson or quiz id ``target``'s
    assignment, else 0 (and for one not assigned): compared in SQL for every learner at
    once, with the due dates the overview read."""
    if not dues:
        return literal(0)
    due = case({t: literal(at, UTCDateTime()) for t, at in dues.items()}, value=target)
    return _flag(moment > due)


def _quiz_standings(
    in_class: Select[Any], quiz_ids: list[int], dues: dict[int, datetime]
) -> Executable:
    """Per learner × quiz started: the best score in percent (None: none submitted;
    rounded as the progress page rounds, ``round(100 * points / max)``, in Python),
    whether one passed (0 or 1) and whether it was first passed after its due date."""
    passing = _submitted() & Attempt.passed.is_(True)
    first_pass = func.min(case((passing, Attempt.submitted_at)))
    return (
        select(
            Attempt.user_id,
            Attempt.quiz_id,
            func.max(case((_submitted(), 100.0 * Attempt.points / Attempt.max_points))),
            func.max(_flag(passing)),
            _late(first_pass, Attempt.quiz_id, dues),
        )
        .where(Attempt.user_id.in_(in_class), Attempt.quiz_id.in_(quiz_ids))
        .group_by(Attempt.user_id, Attempt.quiz_id)
    )


def _last_activity(in_class: Select[Any], quiz_ids: list[int]) -> Executable:
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


_DONE = Cell(CellState.DONE)
_DONE_LATE = Cell(CellState.DONE, late=True)
_NOT_STARTED = Cell(CellState.NOT_STARTED)
_OVERDUE = Cell(CellState.OVERDUE, overdue=True)
_IN_PROGRESS = Cell(CellState.IN_PROGRESS)


class _Grid:
    """The overview's columns and cells, learner by learner. A learner's cells start
    untouched (not started, or overdue past the due date); the lessons they read and
    the quizzes they started mark the assigned ones. Cells are shared (one object per
    state, score and late mark), not one per learner × assignment."""

    def __init__(
        self,
        assignments: Sequence[Any],
        lessons: Sequence[Any],
        quizzes: Sequence[tuple[int, str, str, str]],
        now: datetime,
    ) -> None:
        lesson_by_slug = {slug: (lid, title) for lid, slug, title in lessons}
        quiz_by_slug = {slug: (qid, title) for qid, slug, title, _lesson in quizzes}
        columns = []
        self.lesson_column: dict[int, int] = {}  # lesson id: its column (one per target)
        self.quiz_column: dict[int, int] = {}
        self.lesson_dues: dict[int, datetime] = {}
        self.quiz_dues: dict[int, datetime] = {}
        for i, a in enumerate(assignments):
            is_lesson = a.kind is AssignmentKind.LESSON
            target, title = (lesson_by_slug if is_lesson else quiz_by_slug).get(
                a.target_slug, (0, a.target_slug)
            )
            columns.append(AssignmentColumn(a.id, a.kind, a.target_slug, title, a.due_at))
            if target:  # a current lesson or quiz
                (self.lesson_column if is_lesson else self.quiz_column)[target] = i
                (self.lesson_dues if is_lesson else self.quiz_dues)[target] = a.due_at
        self.columns = tuple(columns)
        self.overdue = [now > column.due_at for column in columns]
        self.overdue_total = sum(self.overdue)
        self.untouched = [_OVERDUE if late else _NOT_STARTED for late in self.overdue]
        self.rows: dict[int, list[Cell]] = {}
        self.resolved: dict[int, int] = {}  # cells past due that are not overdue, per learner
        self.scores: dict[int, list[int]] = {}  # [sum, count] of the scores shown
        self.shared: dict[tuple[CellState, int, bool, bool], Cell] = {}

    def read(self, user: int, lesson: int, late: int) -> None:
        i = self.lesson_column.get(lesson)
        if i is not None:
            self._set(user, i, _DONE_LATE if late else _DONE)

    def attempted(self, user: int, quiz: int, best: float | None, passed: int, late: int) -> None:
        i = self.quiz_column.get(quiz)
        if i is None:
            return
        overdue = self.overdue[i]
        if best is None:  # started, nothing submitted
            self._set(user, i, _OVERDUE if overdue else _IN_PROGRESS)
            return
        percent = round(best)
        key: tuple[CellState, int, bool, bool]
        if passed:
            key = (CellState.PASSED, percent, bool(late), False)
        else:  # overdue: past the due date without a pass
            key = (CellState.ATTEMPTED, percent, False, overdue)
        self._set(user, i, self.shared.get(key) or self.shared.setdefault(key, Cell(*key)))
        score = self.scores.get(user)
        if score is None:
            self.scores[user] = [percent, 1]
        else:
            score[0] += percent
            score[1] += 1

    def _set(self, user: int, i: int, cell: Cell) -> None:
        cells = self.rows.get(user)
        if cells is None:
            cells = self.rows[user] = self.untouched.copy()
        cells[i] = cell
        if self.overdue[i] and not cell.overdue:
            self.resolved[user] = self.resolved.get(user, 0) + 1

    def row(self, user: int) -> tuple[list[Cell], int, list[int]]:
        """The learner's cells, how many are overdue, and [sum, count] of the scores."""
        cells = self.rows.get(user) or self.untouched.copy()
        overdue = self.overdue_total - self.resolved.get(user, 0)
        return cells, overdue, self.scores.get(user, [0, 0])


# --- Predicted recall, once per learner's cards ---------------------------------------


# A learner's recall in one lesson, as ``combine`` weighs it: (mean recall × cards, cards)
_Term = tuple[float | None, int]


@dataclass(frozen=True, slots=True)
class _CardFigures:
    """A learner's card figures (``course.review.memory``), as the overview shows them."""

    due_today: int
    learned: int
    recall_tomorrow: float | None
    # Per lesson with cards: its slug and the terms of recall tomorrow and in 7 days, from
    # which the class's recall per lesson is combined.
    lessons: tuple[tuple[str, _Term, _Term], ...]


def _card_figures(by_lesson: dict[str, Memory]) -> _CardFigures:
    memory = combine(list(by_lesson.values()))
    return _CardFigures(
        memory.due_today,
        memory.learned,
        memory.recall_tomorrow,
        tuple(
            (slug, _term(part.recall[0], part.cards), _term(part.recall[1], part.cards))
            for slug, part in by_lesson.items()
        ),
    )


def _term(recall: float | None, cards: int) -> _Term:
    return (None if recall is None else recall * cards, cards)


_NO_CARDS = _card_figures({})

# A learner's card figures, kept per database and process while nothing they depend on
# changes: the cards (checked by an aggregate on every overview), the learner's day and
# zone, the content version and the FSRS parameters.
MAX_MEMORIES = 100_000
_Kept = tuple[Any, _CardFigures]  # (what it depends on, figures)
_MEMORIES: WeakKeyDictionary[Engine, dict[tuple[str, int], _Kept]] = WeakKeyDictionary()


def _memories(
    session: Session, now: datetime, course_id: str, version: int, members: Sequence[Any]
) -> dict[int, _CardFigures]:
    """Per learner with active cards in the course, ``summarize_groups`` of them per
    lesson, and those combined.

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
    days = {zone: learner_day(now, zone) for zone in set(zones.values())}
    marks = {
        user: (zones[user], days[zones[user]], version, params, tuple(rest))
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
        figures = summarize_groups(cards.get(user, {}), now, zones[user], params)
        cache[(course_id, user)] = (marks[user], _card_figures(figures))
    return {user: cache[(course_id, user)][1] for user in marks}


def _active_cards(user_ids: list[int], course_id: str) -> tuple[ColumnElement[bool], ...]:
    """The cards ``card_states_by_lesson`` reads: the learners' active cards of a course."""
    return (
        ReviewCard.user_id.in_(user_ids),
        ReviewCard.course_id == course_id,
        ReviewCard.active.is_(True),
    )


_Part = tuple[str, _Term, _Term]


def _class_recall(
    by_lesson: dict[str, list[_Part]], lessons: list[tuple[str, str]]
) -> tuple[tuple[str, float | None, float | None], ...]:
    """Per lesson, the class's mean predicted recall tomorrow and in 7 days (each learner
    on their own day): ``combine`` of the learners' lesson figures, from their terms."""
    result = []
    for slug, title in lessons:
        parts = by_lesson.get(slug, [])
        result.append((title, _mean([p[1] for p in parts]), _mean([p[2] for p in parts])))
    return tuple(result)


def _mean(terms: list[_Term]) -> float | None:
    """``combine``'s mean recall: the terms added up in order, over the cards."""
    total = sum(cards for weighted, cards in terms if weighted is not None)
    return sum(w for w, _ in terms if w is not None) / total if total else None


def _risks(learner: LearnerRow, overdue: int, now: datetime) -> list[str]:
    risks = []
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
