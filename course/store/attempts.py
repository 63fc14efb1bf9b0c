"""Quiz attempts, the responses in them, and lessons read."""

from __future__ import annotations

import enum
import json
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import (
    JSON,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    bindparam,
    cast,
    exists,
    func,
    insert,
    select,
    true,
    update,
)
from sqlalchemy.orm import Mapped, Session, aliased, mapped_column
from sqlalchemy.sql.dml import Insert, Update

from course.content.model import QuizSettings
from course.store.audit import ScoreChange
from course.store.base import Base, UTCDateTime
from course.store.content import ContentVersion, CourseRow, QuizRow
from course.store.review import ReviewCard, ReviewLog
from course.store.users import LOGIN_COLUMNS, LoginRow, User, UserSession


class AttemptStatus(enum.StrEnum):
    OPEN = "open"
    SUBMITTED = "submitted"


class Attempt(Base):
    """One try at a quiz: the questions drawn, in the order shown, and the outcome.

    ``(user_id, quiz_id, number)`` is unique, so two racing starts cannot both create
    attempt N + 1.
    """

    __tablename__ = "attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id"))
    number: Mapped[int] = mapped_column(Integer)
    seed: Mapped[int] = mapped_column(Integer)
    version_id: Mapped[int] = mapped_column(ForeignKey("content_versions.id"))
    question_ids: Mapped[list[int]] = mapped_column(JSON)
    # The revision of each drawn question when the attempt started (same order): the
    # attempt is graded against these even if the content changes meanwhile.
    revision_ids: Mapped[list[int]] = mapped_column(JSON, default=list, server_default="[]")
    status: Mapped[AttemptStatus] = mapped_column(
        Enum(
            AttemptStatus,
            native_enum=False,
            length=16,
            values_callable=lambda e: [m.value for m in e],
        ),
        default=AttemptStatus.OPEN,
    )
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    points: Mapped[float] = mapped_column(Float, default=0.0)
    max_points: Mapped[float] = mapped_column(Float, default=0.0)
    passed: Mapped[bool] = mapped_column(default=False)

    __table_args__ = (
        UniqueConstraint("user_id", "quiz_id", "number"),
        Index("ix_attempts_user_quiz", "user_id", "quiz_id"),
    )


class Response(Base):
    """A graded answer; ``(attempt_id, question_id)`` is unique, so it is graded once."""

    __tablename__ = "responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), index=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("question_revisions.id"))
    raw: Mapped[Any] = mapped_column(JSON)
    response_text: Mapped[str] = mapped_column(Text, default="")
    score: Mapped[float] = mapped_column(Float)
    points: Mapped[float] = mapped_column(Float)
    max_points: Mapped[float] = mapped_column(Float)
    feedback: Mapped[list[Any]] = mapped_column(JSON)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime())
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
    confidence: Mapped[str | None] = mapped_column(String(10), default=None)

    __table_args__ = (UniqueConstraint("attempt_id", "question_id"),)


class AnswerDraft(Base):
    """What a learner has typed for one question of an open end-of-quiz attempt.

    Never graded and never shown to anyone but its learner; deleted when the attempt
    is submitted. ``fields`` maps each of the question's form field names to its values.
    """

    __tablename__ = "answer_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"))
    fields: Mapped[dict[str, list[str]]] = mapped_column(JSON)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (UniqueConstraint("attempt_id", "question_id"),)


class LessonRead(Base):
    """A learner finished reading a lesson."""

    __tablename__ = "lesson_reads"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id"))
    read_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (UniqueConstraint("user_id", "lesson_id"),)


# The answer path's queries, built once: constructing statements per request costs more
# than running them on SQLite. Executed on the session's connection (Core, no ORM).
_ATTEMPT_FOR_ANSWER = (
    select(
        Attempt.user_id,
        Attempt.status,
        Attempt.question_ids,
        Attempt.revision_ids,
        Attempt.version_id,
        Attempt.started_at,
        QuizRow.settings,
        QuizRow.course_id,
        CourseRow.desired_retention,
        CourseRow.learning_steps,
        CourseRow.relearning_steps,
        CourseRow.learn_ahead_minutes,
        CourseRow.leech_lapses,
    )
    .join(QuizRow, QuizRow.id == Attempt.quiz_id)
    .join(CourseRow, CourseRow.id == QuizRow.course_id)
    .where(Attempt.id == bindparam("attempt_id"))
)
_ANSWERED = select(Response.question_id, Response.answered_at).where(
    Response.attempt_id == bindparam("attempt_id")
)
_INSERT_RESPONSE = insert(Response)


class AttemptForAnswer(NamedTuple):
    """The few attempt columns the answer path needs, typed."""

    user_id: int
    status: AttemptStatus
    question_ids: list[int]
    revision_ids: list[int]
    version_id: int
    started_at: datetime
    settings: QuizSettings
    course_id: str
    desired_retention: float
    learning_steps: list[int]
    relearning_steps: list[int]
    learn_ahead_minutes: int
    leech_lapses: int


def attempt_for_answer(session: Session, attempt_id: int) -> AttemptForAnswer | None:
    """The attempt, its quiz's settings and its course's review settings."""
    row = session.connection().execute(_ATTEMPT_FOR_ANSWER, {"attempt_id": attempt_id}).first()
    if row is None:
        return None
    values = list(row)
    values[6] = QuizSettings.from_json(values[6])
    return AttemptForAnswer(*values)


def answered_questions(session: Session, attempt_id: int) -> dict[int, datetime]:
    """question id → when it was answered, for one attempt."""
    rows = session.connection().execute(_ANSWERED, {"attempt_id": attempt_id})
    return {int(question_id): at for question_id, at in rows}


def insert_response(session: Session, values: dict[str, Any]) -> None:
    session.connection().execute(_INSERT_RESPONSE, values)


# One read for an immediate answer: the attempt, its quiz's settings and its course's
# review settings, whether the question at ``index`` is answered already, when the
# attempt's last answer came, and the learner's card of that question (all NULL when
# there is none). Read inside the answer's transaction on PostgreSQL, the attempt row is
# share-locked (FOR KEY SHARE, which only FOR UPDATE waits for), so an end-of-attempt
# submit cannot finish the attempt between this read and the answer's insert; read
# first, without a transaction, the lock is left out and the write checks instead.
_QUESTION_AT = Attempt.question_ids[bindparam("index", type_=JSON.JSONIntIndexType)].as_integer()
_MINE = aliased(Response)
_LAST_ANSWER = (
    select(func.max(Response.answered_at))
    .where(Response.attempt_id == Attempt.id)
    .correlate(Attempt)
    .scalar_subquery()
)
_CARD_COLUMNS = [c.label(f"card_{c.name}") for c in ReviewCard.__table__.c]
_ANSWER_CONTEXT = (
    select(
        *_ATTEMPT_FOR_ANSWER.selected_columns,
        _MINE.id.label("answered_id"),
        _LAST_ANSWER.label("last_answered_at"),
        *_CARD_COLUMNS,
    )
    .select_from(Attempt)
    .join(QuizRow, QuizRow.id == Attempt.quiz_id)
    .join(CourseRow, CourseRow.id == QuizRow.course_id)
    .outerjoin(_MINE, (_MINE.attempt_id == Attempt.id) & (_MINE.question_id == _QUESTION_AT))
    .outerjoin(
        ReviewCard,
        (ReviewCard.user_id == Attempt.user_id) & (ReviewCard.question_id == _QUESTION_AT),
    )
    .where(Attempt.id == bindparam("attempt_id"))
)


class CardRow(NamedTuple):
    """A learner's card as the answer context read it (ReviewCard's columns)."""

    id: int
    user_id: int
    question_id: int
    course_id: str
    state: int
    step: int | None
    stability: float | None
    difficulty: float | None
    due: datetime
    last_review: datetime | None
    reps: int
    lapses: int
    introduced_at: datetime | None
    active: bool
    suspended: Any


# The same, with the caller's login (user_sessions joined to users) in the same row.
_ANSWER_CONTEXT_WITH_LOGIN = _ANSWER_CONTEXT.add_columns(
    *(column.label(f"login_{column.name}") for column in LOGIN_COLUMNS)
).outerjoin(
    UserSession.__table__.join(User.__table__, User.id == UserSession.user_id),
    UserSession.id == bindparam("login_session_id"),
)
# Each with the attempt row share-locked, for a read inside the answer's transaction.
_LOCKED = {
    statement: statement.with_for_update(of=Attempt, read=True, key_share=True)
    for statement in (_ANSWER_CONTEXT, _ANSWER_CONTEXT_WITH_LOGIN)
}


class AnswerContext(NamedTuple):
    """What an immediate answer reads, in one statement (see ``answer_context``)."""

    attempt: AttemptForAnswer
    answered_id: int | None  # the response already given to this question
    last_answered_at: datetime | None
    card: CardRow | None
    login: LoginRow | None = None  # the login asked for, when it exists


def answer_context(
    session: Session,
    attempt_id: int,
    index: int,
    login_id: int | None = None,
    *,
    lock: bool = True,
) -> AnswerContext | None:
    """The attempt and what answering its question at ``index`` (0-based) relies on;
    with ``login_id``, that login and its user in the same statement; with ``lock``,
    the attempt row share-locked (PostgreSQL) until the transaction ends. None: no such
    attempt (the login is then not read)."""
    if not 0 <= index < 2**31:
        index = 2**31 - 1  # out of any attempt's range: no question, no card
    params: dict[str, Any] = {"attempt_id": attempt_id, "index": index}
    statement = _ANSWER_CONTEXT
    if login_id is not None:
        statement = _ANSWER_CONTEXT_WITH_LOGIN
        params["login_session_id"] = login_id
    if lock:
        statement = _LOCKED[statement]
    row = session.connection().execute(statement, params).first()
    if row is None:
        return None
    values = list(row)
    fields = len(AttemptForAnswer._fields)
    attempt = values[:fields]
    attempt[6] = QuizSettings.from_json(attempt[6])
    card_end = fields + 2 + len(CardRow._fields)
    card = values[fields + 2 : card_end]
    login = values[card_end:]
    return AnswerContext(
        AttemptForAnswer(*attempt),
        values[fields],
        values[fields + 1],
        CardRow(*card) if card[0] is not None else None,
        LoginRow(*login) if login and login[0] is not None else None,
    )


# The same insert, but only while the attempt is open: the re-check of the short write
# that follows a read done first. On PostgreSQL the attempt row is share-locked for the
# statement, so a concurrent submit either waits for it or is seen by it (the typed
# parameters are cast there; SQLite stores what it is given and has no row locks).
_RESPONSE_COLUMNS = [c.name for c in Response.__table__.c if c.name != "id"]
_OPEN_ATTEMPT = bindparam("attempt_id", type_=Integer)
_INSERT_RESPONSE_IF_OPEN = insert(Response).from_select(
    _RESPONSE_COLUMNS,
    select(
        *(
            _OPEN_ATTEMPT
            if name == "attempt_id"
            else bindparam(name, type_=Response.__table__.c[name].type)
            for name in _RESPONSE_COLUMNS
        )
    ).where(
        exists(
            select(Attempt.id)
            .where(Attempt.id == _OPEN_ATTEMPT, Attempt.status == AttemptStatus.OPEN)
            .with_for_update(read=True, key_share=True)
        )
    ),
)


def insert_response_if_open(session: Session, values: dict[str, Any]) -> bool:
    """Insert a response if its attempt is still open; False (nothing stored) if not."""
    result = session.connection().execute(_INSERT_RESPONSE_IF_OPEN, values)
    return bool(result.rowcount)


# PostgreSQL writes an answer that feeds spaced review in one statement, all or nothing,
# so it needs no transaction around it: the card (inserted, or updated only while it
# still has the reviews the answer was planned on) only while the attempt is open (its
# row share-locked for the statement, so a submit waits for it or it sees the submit),
# the response only when the card was written, and the review log from both. When the
# card moved or the attempt closed, nothing is written and nothing comes back.
def _param(prefix: str, column: Any) -> Any:
    return bindparam(f"{prefix}{column.name}", type_=column.type)


def _filled(table: Any, values: dict[str, Any], skip: tuple[str, ...] = ("id",)) -> dict[str, Any]:
    """Every column of ``table`` but ``skip``: the value given, else the column's own
    (scalar) default, so the statement's columns never depend on what was given."""
    filled = {}
    for column in table.c:
        if column.name in skip:
            continue
        if column.name in values:
            filled[column.name] = values[column.name]
        else:
            default = column.default
            filled[column.name] = default.arg if default is not None else None
    return filled


_ANSWER_WRITES: dict[tuple[str, ...] | None, Insert] = {}


def _answer_write(updated: tuple[str, ...] | None) -> Insert:
    """The one-statement write; ``updated``: the card columns an update sets (None: a
    new card is inserted)."""
    statement = _ANSWER_WRITES.get(updated)
    if statement is not None:
        return statement
    responses, cards, logs = Response.__table__, ReviewCard.__table__, ReviewLog.__table__
    open_attempt = exists(
        select(Attempt.id)
        .where(
            Attempt.id == bindparam("r_attempt_id", type_=Integer),
            Attempt.status == AttemptStatus.OPEN,
        )
        .with_for_update(read=True, key_share=True)
    )
    if updated is None:
        new = [c for c in cards.c if c.name != "id"]
        card: Insert | Update = insert(ReviewCard).from_select(
            [c.name for c in new], select(*(_param("c_", c) for c in new)).where(open_attempt)
        )
    else:
        card = (
            update(ReviewCard)
            .where(
                ReviewCard.id == bindparam("c_id", type_=Integer),
                ReviewCard.reps == bindparam("c_expected_reps", type_=Integer),
                open_attempt,
            )
            .values({name: _param("c_", cards.c[name]) for name in updated})
        )
    reviewed = card.returning(ReviewCard.id).cte("reviewed")
    given = [c for c in responses.c if c.name != "id"]
    answered = (
        insert(Response)
        .from_select(
            [c.name for c in given],
            select(*(_param("r_", c) for c in given)).where(exists(select(reviewed.c.id))),
        )
        .returning(Response.id)
        .cte("answered")
    )
    columns = [c for c in logs.c if c.name not in ("id", "card_id")]
    source = (
        select(reviewed.c.id, *(_param("l_", c) for c in columns))
        .select_from(reviewed)
        .join(answered, true())
    )
    statement = (
        insert(ReviewLog)
        .from_select(["card_id", *(c.name for c in columns)], source, include_defaults=False)
        .returning(ReviewLog.id)
        .add_cte(answered, reviewed)
    )
    _ANSWER_WRITES[updated] = statement
    return statement


def insert_answer_with_review(
    session: Session,
    response: dict[str, Any],
    card_id: int | None,
    expected_reps: int | None,
    card: dict[str, Any],
    log: dict[str, Any],
) -> bool:
    """PostgreSQL: store a response, its card and its review log in one statement, all
    or nothing (it needs no transaction).

    False, with nothing written, when the card no longer has ``expected_reps`` reviews
    or the response's attempt is no longer open. A card or response created meanwhile
    raises IntegrityError (both pairs are unique).
    """
    params = {f"r_{k}": v for k, v in _filled(Response.__table__, response).items()}
    params.update(
        {f"l_{k}": v for k, v in _filled(ReviewLog.__table__, log, ("id", "card_id")).items()}
    )
    if card_id is None:
        params.update({f"c_{k}": v for k, v in _filled(ReviewCard.__table__, card).items()})
        statement = _answer_write(None)
    else:
        params.update({f"c_{k}": v for k, v in card.items()})
        params["c_id"], params["c_expected_reps"] = card_id, expected_reps
        statement = _answer_write(tuple(sorted(card)))
    return session.connection().execute(statement, params).first() is not None


# The attempt page in one read: the attempt, its quiz and its content version, then one
# row per (response, score change) of the attempt (NULLs where there are none).
_PAGE = (
    select(
        Attempt.id,
        Attempt.user_id,
        Attempt.number,
        Attempt.seed,
        Attempt.status,
        # Read as text and decoded once (every row of the page repeats them).
        cast(Attempt.question_ids, Text).label("question_ids"),
        cast(Attempt.revision_ids, Text).label("revision_ids"),
        Attempt.version_id,
        QuizRow.slug,
        QuizRow.title,
        QuizRow.course_id,
        QuizRow.lesson_slug,
        cast(QuizRow.settings, Text).label("settings"),
        ContentVersion.content_hash,
        ContentVersion.synced_at,
        Response.id.label("response_id"),
        Response.question_id,
        Response.score,
        Response.points,
        Response.max_points,
        Response.response_text,
        # Read as text: only the answer the page shows needs its feedback decoded.
        cast(Response.feedback, Text).label("feedback"),
        ScoreChange.id.label("change_id"),
        ScoreChange.kind,
        ScoreChange.actor,
        ScoreChange.changed_at,
        ScoreChange.old_score,
        ScoreChange.new_score,
        ScoreChange.old_points,
        ScoreChange.new_points,
        ScoreChange.max_points.label("change_max_points"),
        ScoreChange.reason,
        cast(ScoreChange.feedback, Text).label("change_feedback"),
        ScoreChange.revision_id,
    )
    .select_from(Attempt)
    .join(QuizRow, QuizRow.id == Attempt.quiz_id)
    .outerjoin(ContentVersion, ContentVersion.id == Attempt.version_id)
    .outerjoin(Response, Response.attempt_id == Attempt.id)
    .outerjoin(ScoreChange, ScoreChange.response_id == Response.id)
    .where(Attempt.id == bindparam("attempt_id"))
    .order_by(Response.id, ScoreChange.id)
)


class PageHead(NamedTuple):
    """The attempt's own columns of :data:`_PAGE`, its JSON decoded."""

    user_id: int
    number: int
    seed: int
    status: AttemptStatus
    question_ids: list[int]
    revision_ids: list[int]
    version_id: int
    slug: str
    title: str
    course_id: str
    lesson_slug: str
    settings: QuizSettings
    content_hash: str | None
    synced_at: datetime | None


# The same, with the caller's login joined into every row (the page after each answer).
_PAGE_WITH_LOGIN = _PAGE.add_columns(
    *(column.label(f"login_{column.name}") for column in LOGIN_COLUMNS)
).outerjoin(
    UserSession.__table__.join(User.__table__, User.id == UserSession.user_id),
    UserSession.id == bindparam("login_session_id"),
)
_PAGE_LOGIN = [f"login_{column.name}" for column in LOGIN_COLUMNS]


class PageRows(NamedTuple):
    """:func:`attempt_page_rows`'s answer."""

    head: PageHead
    rows: list[Any]  # one per (response, score change), NULLs where there are none
    login: LoginRow | None  # the login asked for, when it exists


def attempt_page_rows(
    session: Session, attempt_id: int, login_id: int | None = None
) -> PageRows | None:
    """The attempt of :data:`_PAGE` and its (response, change) rows, with ``login_id``
    that login and its user in the same statement; None: no attempt (and the login is
    then not read)."""
    params: dict[str, Any] = {"attempt_id": attempt_id}
    statement = _PAGE
    if login_id is not None:
        statement = _PAGE_WITH_LOGIN
        params["login_session_id"] = login_id
    rows = list(session.connection().execute(statement, params))
    if not rows:
        return None
    first = rows[0]
    login = None
    if login_id is not None and first.login_token_hash is not None:
        login = LoginRow(*(getattr(first, name) for name in _PAGE_LOGIN))
    head = PageHead(
        first.user_id,
        first.number,
        first.seed,
        first.status,
        json.loads(first.question_ids),
        json.loads(first.revision_ids or "[]"),
        first.version_id,
        first.slug,
        first.title,
        first.course_id,
        first.lesson_slug,
        QuizSettings.from_json(json.loads(first.settings)),
        first.content_hash,
        first.synced_at,
    )
    return PageRows(head, rows, login)
