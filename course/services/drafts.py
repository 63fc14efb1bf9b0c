"""Answers saved before an end-of-quiz attempt is submitted: kept, restored, never graded.

A learner's typing must survive a reload, a crash or a switch of device, so the
end-of-quiz form is saved as the learner goes (a Save button; with JavaScript, on
every change). Drafts hold only what the learner typed, are shown only to that
learner, and are graded only when the attempt is submitted.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from course.content.model import AnyQuestion
from course.errors import Conflict, NotFound
from course.services.posted import Answers, Kept
from course.store.attempts import AnswerDraft, Attempt, AttemptStatus, Response

MAX_VALUES = 100  # values per field kept in a draft (checkboxes, never more options)
MAX_CHARS = 2000  # characters per value, as the answer inputs allow


def position_key(position: int) -> str:
    """The opaque key of the question at ``position`` (0-based) in its attempt."""
    return str(position + 1)


def load(session: Session, attempt_id: int) -> Kept:
    """Every saved value of an attempt, merged (as ``Answers.kept`` gave them)."""
    merged: Kept = {}
    for fields in session.scalars(
        select(AnswerDraft.fields).where(AnswerDraft.attempt_id == attempt_id)
    ):
        merged.update(fields)
    return merged


def save(
    session: Session,
    now: datetime,
    attempt: Attempt,
    questions: Iterable[tuple[int, str, AnyQuestion]],
    answers: Answers,
) -> int:
    """Store the posted values for every question given as (question id, key, question).

    A question whose fields are all blank loses its draft (the learner cleared it).
    Runs inside the caller's transaction, which holds the attempt's row lock.

    Returns:
        How many questions now have a saved answer.
    """
    existing = {
        d.question_id: d
        for d in session.scalars(select(AnswerDraft).where(AnswerDraft.attempt_id == attempt.id))
    }
    saved = 0
    for qid, key, question in questions:
        fields = {
            name: [v[:MAX_CHARS] for v in values[:MAX_VALUES]]
            for name, values in answers.kept(question, key).items()
        }
        fields = {name: values for name, values in fields.items() if "".join(values).strip()}
        draft = existing.get(qid)
        if not fields:
            if draft is not None:
                session.delete(draft)
            continue
        saved += 1
        if draft is None:
            session.add(
                AnswerDraft(attempt_id=attempt.id, question_id=qid, fields=fields, saved_at=now)
            )
        elif draft.fields != fields:
            draft.fields, draft.saved_at = fields, now
    session.flush()
    return saved


def discard(session: Session, attempt_id: int) -> None:
    """Drop an attempt's drafts (it was submitted: the responses are the record now)."""
    session.execute(delete(AnswerDraft).where(AnswerDraft.attempt_id == attempt_id))


def open_attempt_for_save(session: Session, user_id: int, attempt_id: int) -> Attempt:
    """The caller's open attempt, locked against a concurrent save or submit.

    Raises:
        NotFound: not the caller's attempt.
        Conflict: already submitted.
    """
    attempt = session.get(Attempt, attempt_id, with_for_update=True)
    if attempt is None or attempt.user_id != user_id:
        raise NotFound("No such attempt.")
    if attempt.status is not AttemptStatus.OPEN:
        raise Conflict("This attempt is already submitted; your answers were graded then.")
    return attempt


def answered_ids(session: Session, attempt_id: int) -> set[int]:
    return set(
        session.scalars(select(Response.question_id).where(Response.attempt_id == attempt_id))
    )
