"""An item's history within a class: each content version (revision) a question has had,
and how its statistics moved from one to the next.

Answers are grouped by the revision they were graded against (the one the learner
saw); every submitted attempt of the class's learners counts, so a revision published
after a fix gathers the retakes. Per revision:

- answered: answers graded against it;
- facility as graded: mean of the first grades; facility now: mean of the current
  grades (after any regrade), so the effect of a key fix shows;
- discrimination: correlation of the current score with the rest of the same attempt
  (its other answers' current scores), at least ``MIN_LEARNERS`` answers;
- the most common wrong answers (current score below full marks), normalized.
"""

from __future__ import annotations

import difflib
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from course.content.model import TextQuestion
from course.errors import NotFound
from course.grading.normalize import normalize_text
from course.grading.registry import correct_answer
from course.services.analysis import MIN_LEARNERS, pearson
from course.services.authz import Actor, managed_class
from course.services.questions import question_for
from course.store.attempts import Attempt, AttemptStatus, Response
from course.store.audit import latest_changes
from course.store.classes import Membership
from course.store.content import ContentVersion, QuestionRevision, QuestionRow, QuizRow
from course.store.engine import read_only


@dataclass(frozen=True)
class RevisionStats:
    number: int  # 1 = the question's first revision
    published_at: datetime | None
    content_hash: str
    prompt: str
    answer: str  # the key as learners are shown it
    accepted: tuple[str, ...]  # every accepted answer of a text question, shown first
    changes: tuple[str, ...]  # diff lines against the previous revision
    answered: int
    facility_then: float | None
    facility_now: float | None
    discrimination: float | None
    wrong_answers: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class ItemHistory:
    class_id: int
    class_name: str
    quiz_slug: str
    quiz_title: str
    question: str
    prompt: str
    retired: bool
    revisions: tuple[RevisionStats, ...]  # oldest first


def item_history(
    session: Session, actor: Actor, class_id: int, quiz_slug: str, question_slug: str
) -> ItemHistory:
    """The revisions of one question and its statistics under each, over a class.

    Raises:
        PermissionDenied: a learner asks.
        NotFound: no such class of the actor's, quiz in its course, or question.
    """
    with session.begin():
        read_only(session)
        row = managed_class(session, actor, class_id)
        quiz = session.scalar(
            select(QuizRow).where(QuizRow.course_id == row.course_id, QuizRow.slug == quiz_slug)
        )
        question = (
            session.scalar(
                select(QuestionRow).where(
                    QuestionRow.quiz_id == quiz.id, QuestionRow.slug == question_slug
                )
            )
            if quiz is not None
            else None
        )
        if quiz is None or question is None:
            raise NotFound(f"No question '{question_slug}' in quiz '{quiz_slug}' of this course.")
        revisions = session.execute(
            select(
                QuestionRevision.id,
                QuestionRevision.definition,
                ContentVersion.synced_at,
                ContentVersion.content_hash,
            )
            .join(ContentVersion, ContentVersion.id == QuestionRevision.version_id)
            .where(QuestionRevision.question_id == question.id)
            .order_by(QuestionRevision.id)
        ).all()
        answers = _answers(session, class_id, question.id)
        built = {rid: question_for(session, rid, d) for rid, d, _at, _h in revisions}
    by_revision: dict[int, list[tuple[float, float, float, str]]] = defaultdict(list)
    for revision_id, then, now, rest, text in answers:
        by_revision[revision_id].append((then, now, rest, text))
    stats = []
    previous: dict[str, Any] | None = None
    for number, (rid, definition, at, content_hash) in enumerate(revisions, start=1):
        stats.append(
            _stats(number, at, content_hash, built[rid], definition, previous, by_revision[rid])
        )
        previous = definition
    return ItemHistory(
        class_id=class_id,
        class_name=row.name,
        quiz_slug=quiz.slug,
        quiz_title=quiz.title,
        question=question.slug,
        prompt=str(question.definition.get("prompt", "")),
        retired=question.retired_at is not None,
        revisions=tuple(stats),
    )


def _answers(
    session: Session, class_id: int, question_id: int
) -> list[tuple[int, float, float, float, str]]:
    """(revision, first score, current score, rest of the attempt, text) per answer."""
    members = select(Membership.user_id).where(Membership.class_id == class_id)
    current = latest_changes()
    score = func.coalesce(current.c.score, Response.score)
    attempts = (
        select(Attempt.id)
        .join(Response, Response.attempt_id == Attempt.id)
        .where(
            Attempt.status == AttemptStatus.SUBMITTED,
            Attempt.user_id.in_(members),
            Response.question_id == question_id,
        )
    )
    rows = session.execute(
        select(
            Response.attempt_id,
            Response.question_id,
            Response.revision_id,
            Response.score,
            score,
            Response.response_text,
        )
        .outerjoin(current, current.c.response_id == Response.id)
        .where(Response.attempt_id.in_(attempts))
        .order_by(Response.id)
    ).all()
    totals: Counter[int] = Counter()
    for attempt_id, _qid, _rid, _then, now, _text in rows:
        totals[attempt_id] += now
    return [
        (rid, then, now, totals[attempt_id] - now, text)
        for attempt_id, qid, rid, then, now, text in rows
        if qid == question_id
    ]


# Where the reader found a value in the file: not part of the question.
_POSITIONS = ("line", "col")


def _plain(value: Any) -> Any:
    """A definition as an author reads it: no file positions, whole numbers as integers
    (a year 1988, not 1988.0)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if k not in _POSITIONS}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _flow(value: Any) -> str:
    """One YAML line for a value ("[Zhukov, Georgy Zhukov]", "{text: Korea, correct: false}")."""
    text = yaml.safe_dump(
        [value], default_flow_style=True, sort_keys=False, allow_unicode=True, width=1 << 20
    )
    return text.strip()[1:-1]


def _definition_lines(definition: dict[str, Any]) -> list[str]:
    """A definition, one line per value a fix changes, each naming its key: a choice
    is one line ("choices: {text: Korea, correct: true}") so a flip names the choice, an
    added answer shows beside the others ("answer: [Zhukov, Georgy Zhukov]")."""
    lines: list[str] = []
    for key, value in _plain(definition).items():
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            lines.extend(f"{key}: {_flow(item)}" for item in value)
        elif isinstance(value, dict) and key != "settings":
            lines.extend(f"{key}: {_flow({k: v})}" for k, v in value.items())
        else:
            lines.append(f"{key}: {_flow(value)}")
    return lines


def _accepted(question: Any) -> tuple[str, ...]:
    """Every answer a text question accepts (the first is the one shown)."""
    if isinstance(question, TextQuestion):
        return tuple(question.matcher.answers)
    return ()


def _stats(
    number: int,
    at: datetime | None,
    content_hash: str,
    question: Any,
    definition: dict[str, Any],
    previous: dict[str, Any] | None,
    answers: list[tuple[float, float, float, str]],
) -> RevisionStats:
    changes: tuple[str, ...] = ()
    if previous is not None:
        changes = tuple(
            line
            for line in difflib.unified_diff(
                _definition_lines(previous), _definition_lines(definition), lineterm="", n=0
            )
            if not line.startswith(("---", "+++", "@@"))
        )
    n = len(answers)
    discrimination = None
    if n >= MIN_LEARNERS:
        discrimination = pearson([a[1] for a in answers], [a[2] for a in answers])
    wrong = Counter(normalize_text(t) or t for _then, now, _rest, t in answers if now < 1.0 and t)
    return RevisionStats(
        number=number,
        published_at=at,
        content_hash=content_hash[:12],
        prompt=str(definition.get("prompt", "")),
        answer=correct_answer(question),
        accepted=_accepted(question),
        changes=changes,
        answered=n,
        facility_then=sum(a[0] for a in answers) / n if n else None,
        facility_now=sum(a[1] for a in answers) / n if n else None,
        discrimination=discrimination,
        wrong_answers=tuple(wrong.most_common(3)),
    )
