"""Instructor dashboards: class overview, at-risk learners, learner detail, class
retention. Each page runs a fixed number of queries, whatever the class size."""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from course.errors import NotFound
from course.formatting import format_percent
from course.review.memory import Memory, combine, summarize_groups
from course.review.scheduler import DEFAULT_PARAMETERS, CardState
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
from course.store.engine import read_only
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
    """The class at a glance: learners × assignments, activity, review health, risks."""
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
        ids = [m.id for m in members]
        assignments = session.scalars(
            select(Assignment).where(Assignment.class_id == class_id).order_by(Assignment.due_at)
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
        reads = conn.execute(
            select(LessonRead.user_id, LessonRead.lesson_id, LessonRead.read_at).where(
                LessonRead.user_id.in_(ids)
            )
        ).all()
        attempts = conn.execute(
            select(
                Attempt.user_id,
                Attempt.quiz_id,
                Attempt.points,
                Attempt.max_points,
                Attempt.passed,
                Attempt.submitted_at,
                Attempt.started_at,
            ).where(Attempt.user_id.in_(ids), Attempt.quiz_id.in_([quiz[0] for quiz in quizzes]))
        ).all()
        cards = progress.card_states_by_lesson(session, ids, row.course_id)
        last_review = dict(
            conn.execute(
                select(ReviewLog.user_id, func.max(ReviewLog.reviewed_at))
                .where(ReviewLog.user_id.in_(ids))
                .group_by(ReviewLog.user_id)
            ).all()
        )
        teacher_zone = session.scalar(select(User.timezone).where(User.id == actor.id))
        questions_total = progress.question_total(session, [quiz[0] for quiz in quizzes])
        params = review_store.course_parameters(session, row.course_id) or DEFAULT_PARAMETERS
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
    read_map = {(u, lesson): at for u, lesson, at in reads}
    by_user_quiz: dict[tuple[int, int], list] = defaultdict(list)  # type: ignore[type-arg]
    activity: dict[int, datetime] = {}
    for attempt in attempts:
        by_user_quiz[(attempt.user_id, attempt.quiz_id)].append(attempt)
        _touch(activity, attempt.user_id, attempt.submitted_at or attempt.started_at)
    for u, at in [(u, at) for u, _lesson, at in reads] + list(last_review.items()):
        _touch(activity, u, at)
    lesson_memories: dict[str, list[Memory]] = defaultdict(list)
    learners = []
    for member in members:
        learner = LearnerRow(member.id, member.display_name, member.email)
        percents = []
        for column in columns:
            cell = _cell(
                column, member.id, now, read_map, by_user_quiz, lesson_by_slug, quiz_by_slug
            )
            learner.cells.append(cell)
            if cell.percent is not None:
                percents.append(cell.percent)
        memory = _memory(cards.get(member.id, {}), now, member.timezone, params, lesson_memories)
        learner.backlog = memory.due_today
        learner.retention = memory.recall_tomorrow
        learner.learned = memory.learned
        learner.completion = progress.completion_percent(
            [
                _steps(
                    member.id,
                    lid,
                    [q.id for q in quizzes_of.get(slug, [])],
                    read_map,
                    by_user_quiz,
                )
                for lid, slug, _title in lessons
            ]
        )
        learner.last_active = activity.get(member.id)
        learner.mean_percent = round(sum(percents) / len(percents)) if percents else None
        learner.risks = _risks(learner, now)
        learners.append(learner)
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


def _memory(
    cards: dict[str, list[CardState]],
    now: datetime,
    timezone: str | None,
    params: Sequence[float],
    by_lesson: dict[str, list[Memory]],
) -> Memory:
    """One learner's figures, per lesson (added to ``by_lesson``) and in all, with the
    horizons of the learner's own day."""
    mine = summarize_groups(cards, now, timezone or "UTC", params)
    for slug, memory in mine.items():
        by_lesson[slug].append(memory)
    return combine(list(mine.values()))


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


def _touch(activity: dict[int, datetime], user: int, at: datetime | None) -> None:
    if at is not None and (user not in activity or at > activity[user]):
        activity[user] = at


def _steps(
    user: int,
    lesson_id: int,
    quiz_ids: list[int],
    read_map: dict[tuple[int, int], datetime],
    by_user_quiz: dict[tuple[int, int], list],  # type: ignore[type-arg]
) -> tuple[int, int]:
    """The learner's completion steps of one lesson, as the progress page counts them:
    each of its quizzes tried and passed."""
    standing = []
    for quiz_id in quiz_ids:
        done = [a for a in by_user_quiz.get((user, quiz_id), []) if a.submitted_at and a.max_points]
        standing.append((bool(done), any(a.passed for a in done)))
    return progress.lesson_steps((user, lesson_id) in read_map, standing)


def _cell(
    column: AssignmentColumn,
    user: int,
    now: datetime,
    read_map: dict[tuple[int, int], datetime],
    by_user_quiz: dict[tuple[int, int], list],  # type: ignore[type-arg]
    lessons: dict[str, tuple[int, str]],
    quizzes: dict[str, tuple[int, str]],
) -> Cell:
    overdue = now > column.due_at
    if column.kind is AssignmentKind.LESSON:
        lesson_id = lessons.get(column.slug, (0, ""))[0]
        read_at = read_map.get((user, lesson_id))
        if read_at is not None:
            return Cell(CellState.DONE, late=read_at > column.due_at)
        return Cell(CellState.OVERDUE if overdue else CellState.NOT_STARTED, late=overdue)
    quiz_id = quizzes.get(column.slug, (0, ""))[0]
    started = by_user_quiz.get((user, quiz_id), [])
    done = [a for a in started if a.submitted_at and a.max_points]
    if not done:
        if overdue:
            return Cell(CellState.OVERDUE, late=True)
        return Cell(CellState.IN_PROGRESS if started else CellState.NOT_STARTED)
    best = max(round(100 * a.points / a.max_points) for a in done)
    passes = [a.submitted_at for a in done if a.passed]
    if passes:
        return Cell(CellState.PASSED, best, late=min(passes) > column.due_at)
    return Cell(CellState.ATTEMPTED, best, late=overdue)


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
