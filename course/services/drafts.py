"""Answers saved before an end-of-quiz attempt is submitted: kept, restored, never graded.

A learner's typing must survive a reload, a crash or a switch of device, so the
end-of-quiz form is saved as the learner goes (a Save button; with JavaScript, on
every change). Drafts hold only what the learner typed, are shown only to that
learner, and are graded only when the attempt is submitted.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from course.content.model import AnyQuestion
from course.errors import Conflict, NotFound
from course.services.posted import Answers, Kept
from course.store.attempts import AnswerDraft, Attempt, AttemptStatus, Response

MAX_VALUES = 100  # values per field kept in a draft (checkboxes, never more options)
MAX_CHARS = 2000  # characters per value, as the answer inputs allow
STALE = "Not saved: this attempt was changed in another tab — reload to see the latest answers."


class StaleDrafts(Conflict):
    """A save or submit came from a form whose saved answers have changed since it
    was shown (another tab or device saved in between): taking its whole form would
    silently wipe what the other one saved, so nothing is taken."""

    def __init__(self) -> None:
        super().__init__(STALE)


@dataclass(frozen=True)
class Saved:
    """A save's outcome: how many questions have a saved answer, and the revision the
    form must carry to save again."""

    count: int
    revision: str


def revision(kept: Kept) -> str:
    """A short digest of an attempt's saved values (as :func:`load` merges them).

    It is the drafts' optimistic-concurrency token: a form shown with revision R may
    replace the drafts only while they still digest to R. A digest of the content, not a
    counter, needs no column, and a change undone (saved back to what the form saw)
    loses nothing when it is overwritten.
    """
    text = json.dumps(kept, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


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
    expected: str | None = None,
) -> Saved:
    """Store the posted values for every question given as (question id, key, question).

    A question whose fields are all blank loses its draft (the learner cleared it).
    Runs inside the caller's transaction, which holds the attempt's row lock, so the
    revision checked is the one replaced.

    Args:
        expected: the drafts' :func:`revision` when the posting form was shown; None
            (a client that sends none) skips the check.

    Returns:
        How many questions now have a saved answer, and the drafts' new revision.

    Raises:
        StaleDrafts: the drafts changed since the form was shown; nothing was stored.
    """
    existing = {
        d.question_id: d
        for d in session.scalars(select(AnswerDraft).where(AnswerDraft.attempt_id == attempt.id))
    }
    if expected is not None:
        before: Kept = {}
        for shown in existing.values():
            before.update(shown.fields)
        if revision(before) != expected:
            raise StaleDrafts
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
    return Saved(saved, revision(load(session, attempt.id)))


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
