"""Who may do what. Every service checks here first; web views never decide access."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from course.errors import NotFound, PermissionDenied
from course.store.classes import ClassRow, Membership
from course.store.users import Role


@dataclass(frozen=True)
class Actor:
    """The user acting, as the services need to know them."""

    id: int
    role: Role

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.INSTRUCTOR, Role.ADMIN)

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN


def require_staff(actor: Actor) -> None:
    """Instructor-only actions: learners get 403."""
    if not actor.is_staff:
        raise PermissionDenied("Only instructors can do that.")


def require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise PermissionDenied("Only administrators can do that.")


def managed_class(session: Session, actor: Actor, class_id: int) -> ClassRow:
    """A class the actor runs (admins: any). Learners get 403; other instructors 404, so
    class ids cannot be probed."""
    require_staff(actor)
    row = session.get(ClassRow, class_id)
    if row is None or (row.instructor_id != actor.id and not actor.is_admin):
        raise NotFound("No such class.")
    return row


def require_course_author(session: Session, actor: Actor, course_id: str) -> None:
    """Editing a course's content (and seeing its answer keys there): administrators,
    and instructors who run a class of that course. Learners and other instructors get
    403 (courses are public, so there is nothing to hide by answering 404)."""
    require_staff(actor)
    if actor.is_admin:
        return
    teaches = session.scalar(
        select(ClassRow.id)
        .where(ClassRow.instructor_id == actor.id, ClassRow.course_id == course_id)
        .limit(1)
    )
    if teaches is None:
        raise PermissionDenied(
            "Only instructors who run a class of this course (and administrators) can "
            "edit, import into or export its content and answer keys: create a class of it "
            "on the Teach page first."
        )


def teaches_learner(session: Session, actor: Actor, user_id: int, course_id: str) -> bool:
    """Whether the actor runs a class of ``course_id`` that ``user_id`` is in (admins:
    always). Disputes and other per-learner work of a course go to these people."""
    if actor.is_admin:
        return True
    if not actor.is_staff:
        return False
    found = session.scalar(
        select(Membership.id)
        .join(ClassRow, ClassRow.id == Membership.class_id)
        .where(
            Membership.user_id == user_id,
            ClassRow.instructor_id == actor.id,
            ClassRow.course_id == course_id,
        )
        .limit(1)
    )
    return found is not None
