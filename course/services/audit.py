"""Score changes as their audit trail shows them, and the grades they make current.

Writing a change is the job of the use case that makes it (``regrade`` today; an
override or an accepted dispute later): each calls ``record`` in its own transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from course.services.views import ScoreChangeView, reason_shown
from course.store.attempts import Response
from course.store.audit import ChangeKind, ScoreChange


@dataclass(frozen=True)
class CurrentGrade:
    score: float
    points: float
    max_points: float
    feedback: list[Any]
    # The question revision this grade was computed against, when a change recorded one
    # (a regrade); None: the revision the learner answered.
    revision_id: int | None = None


def current_grades(changes: list[ScoreChange]) -> dict[int, CurrentGrade]:
    """response id → its grade after the newest change (``changes`` oldest first).

    A change that records no revision (an override) keeps the revision of the change
    before it."""
    grades: dict[int, CurrentGrade] = {}
    for change in changes:
        before = grades.get(change.response_id)
        revision = change.revision_id or (before.revision_id if before else None)
        grades[change.response_id] = CurrentGrade(
            change.new_score, change.new_points, change.max_points, change.feedback, revision
        )
    return grades


def passes(points: float, max_points: float, pass_mark: float) -> bool:
    """Does a total of ``points`` out of ``max_points`` reach the quiz's pass mark (a
    share)? One rule for submitting, regrading and settling a dispute."""
    return max_points > 0 and points / max_points >= pass_mark - 1e-9


def regraded_at(changes: list[ScoreChange]) -> datetime | None:
    """When the newest regrade changed a score of these changes (None: never)."""
    return max(
        (
            c.changed_at
            for c in changes
            if c.kind is ChangeKind.REGRADE and abs(c.new_score - c.old_score) > 1e-9
        ),
        default=None,
    )


def history_views(changes: list[ScoreChange], keys: dict[int, str]) -> tuple[ScoreChangeView, ...]:
    """The changes of one attempt for display; ``keys`` maps response id → question key."""
    return tuple(
        ScoreChangeView(
            key=keys.get(c.response_id, ""),
            kind=c.kind.value,
            actor=c.actor,
            changed_at=c.changed_at,
            old_score=c.old_score,
            new_score=c.new_score,
            old_points=c.old_points,
            new_points=c.new_points,
            max_points=c.max_points,
            reason=reason_shown(c.kind.value, c.reason),
        )
        for c in changes
    )


@dataclass(frozen=True)
class Actor:
    """Who changes a score: a signed-in user, or the command line (``user_id`` None)."""

    label: str
    user_id: int | None = None


def record(
    session: Session,
    now: datetime,
    response: Response,
    before: CurrentGrade,
    after: CurrentGrade,
    *,
    kind: ChangeKind,
    actor: Actor,
    reason: str,
    revision_id: int | None = None,
) -> ScoreChange:
    """Append one change of ``response``'s score; the response itself is not touched."""
    change = ScoreChange(
        response_id=response.id,
        attempt_id=response.attempt_id,
        kind=kind,
        actor_id=actor.user_id,
        actor=actor.label[:200],
        changed_at=now,
        reason=reason,
        old_score=before.score,
        new_score=after.score,
        old_points=before.points,
        new_points=after.points,
        max_points=after.max_points,
        feedback=after.feedback,
        revision_id=revision_id,
    )
    session.add(change)
    return change
