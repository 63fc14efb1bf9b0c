"""Everything stored about a person: one list, used by the data export and by account
deletion, so neither can forget a table.

Each :class:`Holding` names a table, how its rows belong to a user (directly, or through
their attempts or the classes they teach), what account deletion does with them, and
which columns are secrets never exported (password and login token hashes). A test
walks the database metadata and fails if a table that refers to a user, or to a table
listed here, is missing from the list.
"""

from __future__ import annotations

import csv
import enum
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, inspect, select, update
from sqlalchemy.orm import Session

from course.clock import Clock
from course.errors import NotFound
from course.services.authz import Actor, managed_class
from course.store.attempts import AnswerDraft, Attempt, LessonRead, Response
from course.store.audit import ScoreChange
from course.store.classes import Assignment, ClassRow, Membership
from course.store.content import ContentFile, LessonRow, QuizRow
from course.store.disputes import Dispute
from course.store.engine import read_only
from course.store.review import ReviewCard, ReviewLog
from course.store.users import User, UserSession

FORMAT = "course-personal-data/1"
FSRS_COLUMNS = ["card_id", "review_time", "review_rating", "review_state", "review_duration"]


class OnDelete(enum.StrEnum):
    DELETE = "delete"  # deleted with the account
    ANONYMIZE = "anonymize"  # the row stays (an audit trail), its link to the user is cleared


Clause = Callable[[int], Any]


@dataclass(frozen=True)
class Holding:
    """One kind of stored row about a user."""

    name: str
    model: Any
    column: str  # the column tying a row to the user (or to the parent that is theirs)
    owner: Clause  # user id → WHERE clause selecting that user's rows
    on_delete: OnDelete = OnDelete.DELETE
    secret: tuple[str, ...] = ()  # never exported
    bulky: tuple[str, ...] = ()  # not about the person (a file's text): left out, by name
    private: bool = False  # only in the person's own export, never in a class export
    in_course: Callable[[str], Any] | None = None  # course id → WHERE clause (class export)


def _attempts_of(user_id: int) -> Any:
    return select(Attempt.id).where(Attempt.user_id == user_id)


def _classes_of(user_id: int) -> Any:
    return select(ClassRow.id).where(ClassRow.instructor_id == user_id)


def _course_attempts(course_id: str) -> Any:
    quizzes = select(QuizRow.id).where(QuizRow.course_id == course_id)
    return select(Attempt.id).where(Attempt.quiz_id.in_(quizzes))


# Children before parents: deletion runs in this order; the account row goes last.
HOLDINGS: tuple[Holding, ...] = (
    Holding(
        "logins",
        UserSession,
        "user_id",
        lambda u: UserSession.user_id == u,
        secret=("token_hash",),
        private=True,
    ),
    Holding(
        "answer_drafts",
        AnswerDraft,
        "attempt_id",
        lambda u: AnswerDraft.attempt_id.in_(_attempts_of(u)),
        private=True,
    ),
    Holding(
        "disputes",
        Dispute,
        "user_id",
        lambda u: Dispute.user_id == u,
        in_course=lambda c: Dispute.course_id == c,
    ),
    Holding(
        "disputes_settled",
        Dispute,
        "resolver_id",
        lambda u: Dispute.resolver_id == u,
        on_delete=OnDelete.ANONYMIZE,
        private=True,
    ),
    Holding(
        "score_changes",
        ScoreChange,
        "attempt_id",
        lambda u: ScoreChange.attempt_id.in_(_attempts_of(u)),
        in_course=lambda c: ScoreChange.attempt_id.in_(_course_attempts(c)),
    ),
    Holding(
        "responses",
        Response,
        "attempt_id",
        lambda u: Response.attempt_id.in_(_attempts_of(u)),
        in_course=lambda c: Response.attempt_id.in_(_course_attempts(c)),
    ),
    Holding(
        "attempts",
        Attempt,
        "user_id",
        lambda u: Attempt.user_id == u,
        in_course=lambda c: Attempt.id.in_(_course_attempts(c)),
    ),
    Holding(
        "lesson_reads",
        LessonRead,
        "user_id",
        lambda u: LessonRead.user_id == u,
        in_course=lambda c: LessonRead.lesson_id.in_(
            select(LessonRow.id).where(LessonRow.course_id == c)
        ),
    ),
    Holding(
        "review_logs",
        ReviewLog,
        "user_id",
        lambda u: ReviewLog.user_id == u,
        in_course=lambda c: ReviewLog.course_id == c,
    ),
    Holding(
        "review_cards",
        ReviewCard,
        "user_id",
        lambda u: ReviewCard.user_id == u,
        in_course=lambda c: ReviewCard.course_id == c,
    ),
    Holding(
        "class_memberships",
        Membership,
        "user_id",
        lambda u: Membership.user_id == u,
        in_course=lambda c: Membership.class_id.in_(
            select(ClassRow.id).where(ClassRow.course_id == c)
        ),
    ),
    # An instructor's classes: their assignments and rosters go with them.
    Holding(
        "classes_taught_assignments",
        Assignment,
        "class_id",
        lambda u: Assignment.class_id.in_(_classes_of(u)),
        private=True,
    ),
    Holding(
        "classes_taught_members",
        Membership,
        "class_id",
        lambda u: Membership.class_id.in_(_classes_of(u)),
        private=True,
    ),
    Holding(
        "classes_taught",
        ClassRow,
        "instructor_id",
        lambda u: ClassRow.instructor_id == u,
        private=True,
    ),
    Holding(
        "score_changes_made",
        ScoreChange,
        "actor_id",
        lambda u: ScoreChange.actor_id == u,
        on_delete=OnDelete.ANONYMIZE,
        private=True,
    ),
    # Lesson and quiz versions they published in the browser: the course keeps them (its
    # history), the author's name is cleared; the export lists them without their text.
    Holding(
        "content_versions_authored",
        ContentFile,
        "author_id",
        lambda u: ContentFile.author_id == u,
        on_delete=OnDelete.ANONYMIZE,
        bulky=("data",),
        private=True,
    ),
    Holding(
        "profile",
        User,
        "id",
        lambda u: User.id == u,
        secret=("password_hash",),
    ),
)


def erase(session: Session, user_id: int) -> None:
    """Delete (or anonymize) every holding of ``user_id``, the account row last.

    Call inside the caller's transaction (account deletion owns it).
    """
    for holding in HOLDINGS:
        where = holding.owner(user_id)
        if holding.on_delete is OnDelete.ANONYMIZE:
            session.execute(
                update(holding.model).where(where).values({holding.column: None}),
                execution_options={"synchronize_session": False},
            )
        else:
            session.execute(
                delete(holding.model).where(where),
                execution_options={"synchronize_session": False},
            )


def _value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value


def _rows(session: Session, holding: Holding, where: Any) -> list[dict[str, Any]]:
    columns = [
        c for c in inspect(holding.model).columns if c.key not in holding.secret + holding.bulky
    ]
    result = session.execute(
        select(*columns).where(where).order_by(*inspect(holding.model).primary_key)
    )
    return [{c.key: _value(v) for c, v in zip(columns, row, strict=True)} for row in result]


def user_data(session: Session, clock: Clock, actor: Actor) -> dict[str, Any]:
    """Everything stored about the actor, as JSON-ready data (their own, nobody else's)."""
    with session.begin():
        read_only(session)
        if session.get(User, actor.id) is None:
            raise NotFound("No such account.")
        holdings = {h.name: _rows(session, h, h.owner(actor.id)) for h in HOLDINGS}
    return {
        "format": FORMAT,
        "exported_at": clock.now().isoformat(),
        "user_id": actor.id,
        "secrets_left_out": sorted(f"{h.name}.{c}" for h in HOLDINGS for c in h.secret),
        "not_about_you_left_out": sorted(f"{h.name}.{c}" for h in HOLDINGS for c in h.bulky),
        **holdings,
    }


def fsrs_csv(rows: list[Any], extra: tuple[str, ...] = ()) -> bytes:
    """Review logs in the FSRS optimizer's layout: card_id, review_time (ms since the
    epoch), review_rating (1–4), review_state (the card's state before the review: 0
    New for its first review, else 1 Learning, 2 Review, 3 Relearning as each log row
    keeps it; blank for rows written before the state was kept), review_duration (ms),
    then the ``extra`` columns. Each row: card id, rating, time, duration, the state
    before, then the extra values; rows ordered by card, then time."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(FSRS_COLUMNS + list(extra))
    seen: set[int] = set()
    for card_id, rating, at, duration, before, *more in rows:
        state = (before if before is not None else "") if card_id in seen else 0
        seen.add(card_id)
        writer.writerow([card_id, int(at.timestamp() * 1000), rating, state, duration, *more])
    return out.getvalue().encode("utf-8")


LOG_COLUMNS = (
    ReviewLog.card_id,
    ReviewLog.rating,
    ReviewLog.reviewed_at,
    ReviewLog.duration_ms,
    ReviewLog.prev_state,
)


def user_review_csv(session: Session, actor: Actor) -> bytes:
    """The actor's review logs as CSV for the FSRS optimizer."""
    with session.begin():
        read_only(session)
        rows = session.execute(
            select(*LOG_COLUMNS)
            .where(ReviewLog.user_id == actor.id)
            .order_by(ReviewLog.card_id, ReviewLog.reviewed_at)
        ).all()
    return fsrs_csv(list(rows))


def class_data(session: Session, clock: Clock, actor: Actor, class_id: int) -> dict[str, Any]:
    """A class's learners and what is stored about them in the class's course.

    Only for the class's instructor (or an admin); private holdings (drafts, logins,
    other classes) are left out.
    """
    with session.begin():
        read_only(session)
        row = managed_class(session, actor, class_id)
        course_id = row.course_id
        members = session.scalars(
            select(Membership.user_id).where(Membership.class_id == class_id)
        ).all()
        learners = []
        for user_id in members:
            user = session.get(User, user_id)
            if user is None:
                continue
            data: dict[str, Any] = {
                "profile": {
                    "id": user.id,
                    "email": user.email,
                    "display_name": user.display_name,
                    "timezone": user.timezone,
                },
            }
            for holding in HOLDINGS:
                if holding.private or holding.in_course is None:
                    continue
                where = holding.owner(user_id) & holding.in_course(course_id)
                data[holding.name] = _rows(session, holding, where)
            learners.append(data)
        name = row.name
    return {
        "format": FORMAT,
        "exported_at": clock.now().isoformat(),
        "class": {"id": class_id, "name": name, "course_id": course_id},
        "learners": learners,
    }


def class_review_csv(session: Session, actor: Actor, class_id: int) -> bytes:
    """The review logs of a class's learners in its course, FSRS layout plus user_id."""
    with session.begin():
        read_only(session)
        row = managed_class(session, actor, class_id)
        members = select(Membership.user_id).where(Membership.class_id == class_id)
        rows = session.execute(
            select(*LOG_COLUMNS, ReviewLog.user_id)
            .where(ReviewLog.user_id.in_(members), ReviewLog.course_id == row.course_id)
            .order_by(ReviewLog.card_id, ReviewLog.reviewed_at)
        ).all()
    return fsrs_csv(list(rows), ("user_id",))
