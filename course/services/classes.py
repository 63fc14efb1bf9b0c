"""Use cases of classes: create, join, roster, assignments, and what a learner owes."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from course.clock import Clock
from course.errors import Conflict, InvalidInput, NotFound
from course.services import throttle
from course.services.authz import Actor, managed_class, require_staff
from course.services.limits import JOIN_GUESSES
from course.store.attempts import Attempt, LessonRead
from course.store.classes import Assignment, AssignmentKind, ClassRow, Membership
from course.store.content import CourseRow, LessonRow, QuizRow
from course.store.engine import read_only
from course.store.users import User

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I look-alikes
CODE_LENGTH = 8


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


@dataclass(frozen=True)
class ClassSummary:
    id: int
    name: str
    course_id: str
    course_title: str
    join_code: str
    joining_open: bool
    members: int


def create_class(session: Session, clock: Clock, actor: Actor, course_id: str, name: str) -> int:
    """Create a class on a course; the actor becomes its instructor."""
    require_staff(actor)
    name = name.strip()
    if not 1 <= len(name) <= 120:
        raise InvalidInput("Give the class a name of 1 to 120 characters.")
    with session.begin():
        if session.get(CourseRow, course_id) is None:
            raise NotFound(f"No course '{course_id}'.")
        row = ClassRow(
            course_id=course_id,
            name=name,
            instructor_id=actor.id,
            join_code=new_code(),
            joining_open=True,
            created_at=clock.now(),
        )
        session.add(row)
        session.flush()
        return row.id


def teaching(session: Session, actor: Actor) -> list[ClassSummary]:
    """The classes the actor runs (admins: all)."""
    require_staff(actor)
    with session.begin():
        read_only(session)
        query = select(ClassRow, CourseRow.title).join(
            CourseRow, CourseRow.id == ClassRow.course_id
        )
        if not actor.is_admin:
            query = query.where(ClassRow.instructor_id == actor.id)
        rows = session.execute(query.order_by(ClassRow.created_at)).all()
        counts = _member_counts(session, [r.id for r, _ in rows])
        return [
            ClassSummary(
                r.id, r.name, r.course_id, title, r.join_code, r.joining_open, counts.get(r.id, 0)
            )
            for r, title in rows
        ]


def _member_counts(session: Session, class_ids: list[int]) -> dict[int, int]:
    rows = session.execute(
        select(Membership.class_id, func.count())
        .where(Membership.class_id.in_(class_ids))
        .group_by(Membership.class_id)
    ).all()
    return {int(class_id): int(count) for class_id, count in rows}


def rotate_code(session: Session, actor: Actor, class_id: int) -> str:
    with session.begin():
        row = managed_class(session, actor, class_id)
        row.join_code = new_code()
        return row.join_code


def set_joining(session: Session, actor: Actor, class_id: int, is_open: bool) -> None:
    with session.begin():
        managed_class(session, actor, class_id).joining_open = is_open


def remove_member(session: Session, actor: Actor, class_id: int, user_id: int) -> str | None:
    """Take a learner out of a class; their name as the class showed it (None: they
    were not in it, and nothing changed)."""
    with session.begin():
        managed_class(session, actor, class_id)
        user = session.scalar(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.class_id == class_id, Membership.user_id == user_id)
        )
        if user is None:
            return None
        session.execute(
            delete(Membership).where(Membership.class_id == class_id, Membership.user_id == user_id)
        )
        return f"{user.display_name} ({user.email})" if user.display_name else user.email


def join(session: Session, clock: Clock, actor: Actor, code: str) -> int:
    """Join a class by its code; joining twice is harmless.

    Raises:
        InvalidInput: no class has that code. Conflict: the class is closed.
        TooManyRequests: too many wrong codes (guessing).
    """
    now = clock.now()
    key = f"join:user:{actor.id}"
    cleaned = "".join(ch for ch in code.upper() if ch.isascii() and ch.isalnum())
    cleaned = cleaned[: CODE_LENGTH * 2]
    with session.begin():
        # Counted first, so racing guesses cannot overrun the limit; refunded when right.
        throttle.take(session, key, JOIN_GUESSES, now)
        row = (
            session.scalar(select(ClassRow).where(ClassRow.join_code == cleaned))
            if cleaned
            else None
        )
        if row is not None:
            throttle.refund(session, key, now)
    if row is None:
        raise InvalidInput("No class has that code. Check it with your instructor.")
    try:
        with session.begin():
            exists = session.scalar(
                select(Membership.id).where(
                    Membership.class_id == row.id, Membership.user_id == actor.id
                )
            )
            if exists is not None:
                return row.id
            if not row.joining_open:
                raise Conflict("This class is not accepting new members.")
            session.add(Membership(class_id=row.id, user_id=actor.id, joined_at=now))
    except IntegrityError:
        pass  # joined twice at once: already a member
    return row.id


def assignment_kind(text: str) -> AssignmentKind | None:
    """The assignment kind a form names ("lesson" or "quiz"), or None for anything else."""
    try:
        return AssignmentKind(text)
    except ValueError:
        return None


def add_assignment(
    session: Session,
    clock: Clock,
    actor: Actor,
    class_id: int,
    kind: AssignmentKind | None,
    slug: str,
    due_at: datetime,
) -> tuple[datetime, datetime] | None:
    """Assign a lesson or quiz of the class's course, due at ``due_at``: an aware
    moment, or a wall-clock time (naive) read in the instructor's own time zone, as the
    instructor typed it into the form. Assigning it again moves its due date.

    Returns:
        (the due date it had, the new one), both UTC, when it was assigned already;
        None for a new assignment.

    Raises:
        InvalidInput: no kind (the form named none we know), an unknown slug, or a
            wall-clock time that does not exist in the instructor's zone (skipped when
            clocks go forward).
    """
    with session.begin():
        row = managed_class(session, actor, class_id)
        if due_at.tzinfo is None:
            zone = session.scalar(select(User.timezone).where(User.id == actor.id)) or "UTC"
            due_at = wall_clock_to_utc(due_at, zone)
        if kind is None:
            raise InvalidInput("Assign a lesson or a quiz.")
        if kind is AssignmentKind.LESSON:
            exists = session.scalar(
                select(LessonRow.id).where(
                    LessonRow.course_id == row.course_id,
                    LessonRow.slug == slug,
                    LessonRow.retired_at.is_(None),
                )
            )
        else:
            exists = session.scalar(
                select(QuizRow.id).where(
                    QuizRow.course_id == row.course_id,
                    QuizRow.slug == slug,
                    QuizRow.retired_at.is_(None),
                )
            )
        if exists is None:
            raise InvalidInput(f"The course has no {kind.value} '{slug}'.")
        current = session.scalar(
            select(Assignment).where(
                Assignment.class_id == class_id,
                Assignment.kind == kind,
                Assignment.target_slug == slug,
            )
        )
        if current is not None:
            before = current.due_at
            current.due_at = due_at  # re-assigning moves the due date
            return before, due_at
        session.add(
            Assignment(
                class_id=class_id,
                kind=kind,
                target_slug=slug,
                due_at=due_at,
                created_at=clock.now(),
            )
        )
        return None


def wall_clock_to_utc(local: datetime, timezone: str) -> datetime:
    """A naive wall-clock time in ``timezone`` as an aware UTC moment. An ambiguous time
    (clocks going back) is its first occurrence; a skipped one is refused.

    Raises:
        InvalidInput: ``local`` does not exist in ``timezone``.
    """
    zone = ZoneInfo(timezone)
    try:
        moment = local.replace(tzinfo=zone).astimezone(UTC)
        back = moment.astimezone(zone).replace(tzinfo=None)
    except OverflowError as exc:  # year 1 or 9999 moved past the calendar's ends
        raise InvalidInput(
            f"{local:%Y-%m-%d %H:%M} is out of range; give a year from 2 to 9998.",
            field="due",
        ) from exc
    if back != local:
        raise InvalidInput(
            f"{local:%d %b %Y %H:%M} does not exist in {timezone}: the clocks skip that "
            "hour. Choose a time outside it.",
            field="due",
        )
    return moment


def remove_assignment(session: Session, actor: Actor, class_id: int, assignment_id: int) -> None:
    with session.begin():
        managed_class(session, actor, class_id)
        session.execute(
            delete(Assignment).where(
                Assignment.id == assignment_id, Assignment.class_id == class_id
            )
        )


@dataclass(frozen=True)
class AssignmentStatus:
    class_name: str
    course_id: str
    kind: AssignmentKind
    slug: str
    title: str
    due_at: datetime
    done: bool
    late: bool  # done after the due date, or not done and past it
    timezone: str = "UTC"  # the learner's: the due date is shown in it

    @property
    def label(self) -> str:
        if self.done:
            return "done late" if self.late else "done"
        return "overdue" if self.late else "to do"


def learner_assignments(session: Session, clock: Clock, actor: Actor) -> list[AssignmentStatus]:
    """Everything the learner's classes assigned, by due date, with done/late marking."""
    now = clock.now()
    with session.begin():
        read_only(session)
        rows = session.execute(
            select(Assignment, ClassRow.name, ClassRow.course_id)
            .join(ClassRow, ClassRow.id == Assignment.class_id)
            .join(Membership, Membership.class_id == ClassRow.id)
            .where(Membership.user_id == actor.id)
            .order_by(Assignment.due_at)
        ).all()
        zone = session.scalar(select(User.timezone).where(User.id == actor.id)) or "UTC"
        course_ids = {course for _, _, course in rows}
        lessons = {
            (r.course_id, r.slug): r
            for r in session.scalars(select(LessonRow).where(LessonRow.course_id.in_(course_ids)))
        }
        quizzes = {
            (r.course_id, r.slug): r
            for r in session.scalars(select(QuizRow).where(QuizRow.course_id.in_(course_ids)))
        }
        read_at = dict(
            session.execute(
                select(LessonRead.lesson_id, LessonRead.read_at).where(
                    LessonRead.user_id == actor.id
                )
            ).all()
        )
        passed_at: dict[int, datetime] = {}
        for quiz_id, submitted in session.execute(
            select(Attempt.quiz_id, Attempt.submitted_at).where(
                Attempt.user_id == actor.id, Attempt.passed.is_(True)
            )
        ).all():
            if submitted is not None and (
                quiz_id not in passed_at or submitted < passed_at[quiz_id]
            ):
                passed_at[quiz_id] = submitted
        result = []
        for assignment, class_name, course_id in rows:
            is_lesson = assignment.kind is AssignmentKind.LESSON
            target = (lessons if is_lesson else quizzes).get((course_id, assignment.target_slug))
            if target is None:
                continue
            finished = (read_at if is_lesson else passed_at).get(target.id)
            late = (finished > assignment.due_at) if finished else now > assignment.due_at
            result.append(
                AssignmentStatus(
                    class_name,
                    course_id,
                    assignment.kind,
                    assignment.target_slug,
                    target.title,
                    assignment.due_at,
                    finished is not None,
                    late,
                    zone,
                )
            )
        return result


def my_classes(session: Session, actor: Actor) -> list[tuple[str, str]]:
    """(class name, instructor name) of the learner's classes."""
    with session.begin():
        read_only(session)
        rows = session.execute(
            select(ClassRow.name, User.display_name)
            .join(Membership, Membership.class_id == ClassRow.id)
            .join(User, User.id == ClassRow.instructor_id)
            .where(Membership.user_id == actor.id)
            .order_by(ClassRow.name)
        ).all()
        return [(name, teacher) for name, teacher in rows]
