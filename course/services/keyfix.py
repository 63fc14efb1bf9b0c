"""Fix a question's answer key: a new content version, then a regrade with audit rows.

Every fix (accept a typed answer, mark choices right or wrong, change a number or date
answer) is applied the same way:

1. the question's quiz file, as the course serves it now, is edited in place (only the
   key's values change: :mod:`course.content.keyedit`); authored ``examples`` that the
   new key grades differently get their new score, and the report lists them;
2. the file is published as a new version through ``services.authoring.publish``,
   with the same validation as any web edit (a broken result stores nothing);
3. every stored answer to that question, in every class of the course, is regraded
   against the new version (``services.regrade``); each changed score appends an audit
   row with the reason. By default no score goes down: a response the new key grades
   lower keeps its score, and the report lists it; ``allow_lower`` lets it fall.

A fix proposed for one revision of a question is refused (409) once the question has
changed since: the proposal's evidence was computed against a key that is gone.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePosixPath
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from course.clock import FixedClock
from course.content import keyedit
from course.content.model import AnyQuestion, ChoiceQuestion
from course.content.quizzes import read_quiz
from course.errors import Conflict, ContentInvalid, CourseError, InvalidInput, NotFound
from course.grading.examples import SCORE_TOLERANCE, ExampleError, to_raw
from course.grading.keycheck import MIN_LEARNERS, Flag, LearnerAnswer, check_question, rescored
from course.grading.keyfix import FixError, FixKind, KeyFix, fixed_question
from course.grading.registry import grade_response
from course.grading.result import Grade, ResponseRejected
from course.services import audit, authoring, regrade
from course.services import questions as qs
from course.services.authz import Actor, managed_class, require_course_author
from course.services.content_sync import served
from course.services.regrade import Change, RegradeReport
from course.store.attempts import Attempt, AttemptStatus, Response
from course.store.audit import ChangeKind, latest_changes
from course.store.classes import Membership
from course.store.content import QuestionRevision, QuestionRow, QuizRow
from course.store.engine import read_only
from course.store.users import User

__all__ = [
    "ApplyReport",
    "DryRunRow",
    "FixKind",
    "KeyFix",
    "KeyReport",
    "Proposal",
    "accept_answer",
    "apply_fix",
    "apply_proposal",
    "key_report",
]

MAX_REASON_CHARS = 500


@dataclass(frozen=True)
class ApplyReport:
    """What applying a fix did."""

    quiz: str
    question: str
    fix: str  # in words: "accept 'Zhukov'"
    path: str  # the quiz file edited
    file_revision: int  # its new version number
    revision_id: int  # the question's new revision
    examples_changed: tuple[tuple[str, float, float], ...]  # (example, old score, new)
    regrade: RegradeReport
    course_id: str = ""
    example_added: str = ""  # an example of the new key, added when none scored 1

    @property
    def raised(self) -> tuple[Change, ...]:
        return tuple(c for c in self.regrade.changes if c.new_score > c.old_score)

    @property
    def lowered(self) -> tuple[Change, ...]:
        return tuple(c for c in self.regrade.changes if c.new_score < c.old_score)


@dataclass(frozen=True)
class _Target:
    quiz_slug: str
    question_slug: str
    question: AnyQuestion
    revision_id: int
    path: str
    file_revision: int
    text: str
    actor_label: str


def _target(
    session: Session, actor: Actor, course_id: str, question_id: int, revision_id: int | None
) -> _Target:
    with session.begin():
        require_course_author(session, actor, course_id)
        found = session.execute(
            select(QuestionRow, QuizRow)
            .join(QuizRow, QuizRow.id == QuestionRow.quiz_id)
            .where(QuestionRow.id == question_id, QuizRow.course_id == course_id)
        ).first()
        if found is None:
            raise NotFound("No such question in this course.")
        row, quiz = found
        if row.retired_at is not None or quiz.retired_at is not None:
            raise Conflict("The question has been removed from the course; nothing to fix.")
        latest = session.scalar(
            select(func.max(QuestionRevision.id)).where(QuestionRevision.question_id == row.id)
        )
        definition = session.scalar(
            select(QuestionRevision.definition).where(QuestionRevision.id == latest)
        )
        if latest is None or definition is None:
            raise NotFound("No such question in this course.")
        if revision_id is not None and revision_id != latest:
            raise Conflict(
                "The question changed since this fix was proposed (someone edited or fixed "
                "it); reload the page to see the proposals for its current version."
            )
        question = qs.question_for(session, latest, definition)
        state = served(session, course_id)
        user = session.get(User, actor.id)
        label = user.email if user is not None else f"user {actor.id}"
        if state is None:
            raise CourseError(
                "The course has no stored files yet; open its files on the Authoring page "
                "once (or run `course sync`), then try again."
            )
        for path, file in sorted(state.files.items()):
            if not path.startswith("quizzes/") or file.data is None:
                continue
            text = file.data.decode("utf-8", errors="replace").removeprefix("\ufeff")
            if (keyedit.quiz_id(text) or PurePosixPath(path).stem) == quiz.slug:
                return _Target(
                    quiz.slug, row.slug, question, latest, path, file.revision, text, label
                )
    raise NotFound(f"No stored file holds the quiz '{quiz.slug}'.")


def _edited(target: _Target, fix: KeyFix) -> str:
    match fix.kind:
        case FixKind.ACCEPT_TEXT:
            return keyedit.accept_text(target.text, target.question_slug, fix.value)
        case FixKind.PREFER_TEXT:
            return keyedit.accept_text(target.text, target.question_slug, fix.value, first=True)
        case FixKind.MARK_CHOICES:
            return keyedit.mark_choices(target.text, target.question_slug, fix.choices)
        case FixKind.SET_ANSWER:
            return keyedit.set_answer(target.text, target.question_slug, fix.value)


def _fix_examples(
    target: _Target, text: str, fix: KeyFix
) -> tuple[str, tuple[tuple[str, float, float], ...], str]:
    """Examples graded differently by the new key get the score it gives them; when
    none then scores full marks, an example of the new key is added (``course validate
    --strict`` wants a right one). Returns the text, the changed examples and the
    added example's response ("" when none was added)."""
    question = _read_question(target, text)
    scores: dict[int, float] = {}
    changed: list[tuple[str, float, float]] = []
    for index, example in enumerate(question.examples):
        try:
            grade = grade_response(question, to_raw(question, example.response))
        except (ExampleError, ResponseRejected):
            continue
        if isinstance(grade, Grade) and abs(grade.score - example.score) > SCORE_TOLERANCE:
            scores[index] = round(grade.score, 4)
            changed.append((str(example.response), example.score, scores[index]))
    text = keyedit.set_example_scores(text, target.question_slug, scores)
    final = [scores.get(i, e.score) for i, e in enumerate(question.examples)]
    response = _key_example(question, fix)
    if not final or any(s >= 1 - SCORE_TOLERANCE for s in final) or response is None:
        return text, tuple(changed), ""
    try:
        grade = grade_response(question, to_raw(question, response))
        added = keyedit.add_example(text, target.question_slug, response, 1)
    except (ExampleError, ResponseRejected, keyedit.EditError):
        return text, tuple(changed), ""
    if not isinstance(grade, Grade) or grade.score < 1 - SCORE_TOLERANCE:
        return text, tuple(changed), ""
    return added, tuple(changed), response if isinstance(response, str) else ", ".join(response)


def _read_question(target: _Target, text: str) -> AnyQuestion:
    read = read_quiz(target.path, text.encode("utf-8"), PurePosixPath(target.path).stem)
    quiz = read.quiz or read.partial
    question = (
        next((q for q in quiz.questions if q.id == target.question_slug), None) if quiz else None
    )
    if question is None:
        raise ContentInvalid(
            [str(p) for p in read.problems] or ["the edited question is unreadable"]
        )
    return question


def _key_example(question: AnyQuestion, fix: KeyFix) -> str | list[str] | None:
    """The new key as an example response (as the learner would give it)."""
    match fix.kind:
        case FixKind.ACCEPT_TEXT | FixKind.PREFER_TEXT | FixKind.SET_ANSWER:
            return fix.value
        case FixKind.MARK_CHOICES if isinstance(question, ChoiceQuestion):
            return fix.choices[0] if fix.choices else None
        case FixKind.MARK_CHOICES:
            return list(fix.choices)
    return None


def apply_fix(
    session: Session,
    actor: Actor,
    course_id: str,
    question_id: int,
    fix: KeyFix,
    *,
    now: datetime,
    reason: str = "",
    allow_lower: bool = False,
    revision_id: int | None = None,
    kind: ChangeKind = ChangeKind.REGRADE,
) -> ApplyReport:
    """Apply ``fix`` to the question (``QuestionRow.id``) as a new content version and
    regrade its stored answers with audit rows.

    Args:
        reason: written into every audit row (learners see it); default
            "regrade after key fix: <the fix in words>".
        allow_lower: let the regrade lower scores (default: a lower grade is not
            applied; the report lists it in ``regrade.kept``).
        revision_id: the question revision the fix was proposed for; a newer one
            refuses the fix (Conflict, 409).
        kind: the audit rows' kind (``DISPUTE`` for an accepted dispute).

    Raises:
        PermissionDenied: not an author of the course.
        NotFound: no such question in the course.
        Conflict: stale proposal, or the file changed while publishing.
        InvalidInput: the fix does not fit the question, or cannot be written into the
            file automatically (the message says what to edit by hand).
        ContentInvalid: the edited course would not validate (nothing stored).
    """
    if len(reason) > MAX_REASON_CHARS:
        raise InvalidInput(f"Keep the reason under {MAX_REASON_CHARS} characters.", field="reason")
    target = _target(session, actor, course_id, question_id, revision_id)
    try:
        fixed_question(target.question, fix)  # the fix fits the question as served
        described = fix.describe(target.question)
        text, examples, added = _fix_examples(target, _edited(target, fix), fix)
    except (FixError, keyedit.EditError) as exc:
        raise InvalidInput(f"Cannot apply the fix: {exc}.") from exc
    why = reason.strip() or f"regrade after key fix: {described}"
    published = authoring.publish(
        session,
        FixedClock(now),
        actor,
        course_id,
        target.path,
        text.encode("utf-8"),
        f"key fix of {target.question_slug}: {described}",
        base_revision=target.file_revision,
    )
    with session.begin():
        new_revision = session.scalar(
            select(func.max(QuestionRevision.id)).where(QuestionRevision.question_id == question_id)
        )
    report = regrade.regrade(
        session,
        course_id,
        target.quiz_slug,
        target.question_slug,
        request=regrade.Request(
            audit.Actor(target.actor_label, actor.id),
            now,
            why,
            allow_lower=allow_lower,
            kind=kind,
        ),
    )
    return ApplyReport(
        target.quiz_slug,
        target.question_slug,
        described,
        target.path,
        published.revision,
        int(new_revision or target.revision_id),
        examples,
        report,
        course_id,
        added,
    )


def accept_answer(
    session: Session,
    actor: Actor,
    course_id: str,
    question_id: int,
    answer: str,
    *,
    now: datetime,
    reason: str = "",
    allow_lower: bool = False,
    revision_id: int | None = None,
    kind: ChangeKind = ChangeKind.REGRADE,
) -> ApplyReport:
    """Accept ``answer`` for everyone on a text question (``QuestionRow.id``): it joins
    the accepted answers (a ``wrong`` entry equal to it is removed) in a new content
    version, and every stored answer is regraded with audit rows, never lowering a
    score unless ``allow_lower``. See :func:`apply_fix` for the rest.
    """
    if not answer.strip():
        raise InvalidInput("Give the answer to accept.", field="answer")
    return apply_fix(
        session,
        actor,
        course_id,
        question_id,
        KeyFix(FixKind.ACCEPT_TEXT, answer.strip()),
        now=now,
        reason=reason,
        allow_lower=allow_lower,
        revision_id=revision_id,
        kind=kind,
    )


# --- The detector: proposals for a class's quiz --------------------------------------


@dataclass(frozen=True)
class DryRunRow:
    """One stored answer the fix would regrade (a learner of the class)."""

    learner: str
    attempt_id: int
    response: str  # as the learner wrote it (escape when shown)
    old_score: float
    new_score: float
    old_total: float  # the attempt's points now
    new_total: float  # ... after the fix (as applied with ``allow_lower``)
    max_points: float
    attempt_number: int = 0  # as the learner counts their attempts (1, 2, …)

    @property
    def lowered(self) -> bool:
        return self.new_score < self.old_score


@dataclass(frozen=True)
class Proposal:
    question_id: int
    question: str
    prompt: str
    revision_id: int  # the question revision the evidence was computed on
    flag: Flag
    rows: tuple[DryRunRow, ...]  # this class's learners whose score would change
    elsewhere: int  # answers of learners outside this class that would change too

    @property
    def raised(self) -> int:
        return sum(1 for r in self.rows if not r.lowered)

    @property
    def lowered(self) -> int:
        return sum(1 for r in self.rows if r.lowered)


@dataclass(frozen=True)
class KeyReport:
    class_id: int
    course_id: str
    quiz_slug: str
    quiz_title: str
    learners: int
    min_learners: int
    too_few: tuple[str, ...]  # questions with fewer answers than the minimum
    proposals: tuple[Proposal, ...]


@dataclass(frozen=True)
class _Stored:
    response_id: int
    attempt_id: int
    user_id: int
    raw: Any
    text: str
    score: float
    points: float
    max_points: float
    attempt_points: float
    first: bool  # the learner's first submitted attempt of the quiz
    attempt_number: int = 0  # as the learner counts their attempts (1, 2, …)


def _stored_answers(session: Session, quiz_id: int, members: set[int]) -> dict[int, list[_Stored]]:
    """question id → every stored answer to it (submitted attempts), current grades."""
    current = latest_changes()
    rows = session.execute(
        select(
            Response.id,
            Response.attempt_id,
            Attempt.user_id,
            Response.question_id,
            Response.raw,
            Response.response_text,
            func.coalesce(current.c.score, Response.score),
            func.coalesce(current.c.points, Response.points),
            Response.max_points,
            Attempt.points,
            Attempt.number,
        )
        .join(Attempt, Attempt.id == Response.attempt_id)
        .outerjoin(current, current.c.response_id == Response.id)
        .where(Attempt.quiz_id == quiz_id, Attempt.status == AttemptStatus.SUBMITTED)
        .order_by(Attempt.id, Response.id)
    ).all()
    first: dict[int, int] = {}
    for _rid, attempt_id, user_id, *_rest in rows:
        first.setdefault(user_id, attempt_id)
    by_question: dict[int, list[_Stored]] = defaultdict(list)
    for rid, attempt_id, user_id, qid, raw, text, score, points, top, total, number in rows:
        by_question[qid].append(
            _Stored(
                rid,
                attempt_id,
                user_id,
                raw,
                text,
                float(score),
                float(points),
                float(top),
                float(total),
                first[user_id] == attempt_id and user_id in members,
                number,
            )
        )
    return by_question


def _dry_run(
    question: AnyQuestion,
    fix: KeyFix,
    answers: list[_Stored],
    members: set[int],
    names: dict[int, str],
) -> tuple[tuple[DryRunRow, ...], int]:
    fixed = fixed_question(question, fix)
    rows: list[DryRunRow] = []
    elsewhere = 0
    for a in answers:
        if a.raw is None:
            continue
        new = rescored(fixed, LearnerAnswer(a.user_id, a.raw, a.score, 0.0))
        if abs(new - a.score) <= 1e-9:
            continue
        if a.user_id not in members:
            elsewhere += 1
            continue
        delta = (new - a.score) * a.max_points
        rows.append(
            DryRunRow(
                names.get(a.user_id, f"learner {a.user_id}"),
                a.attempt_id,
                a.text,
                a.score,
                new,
                a.attempt_points,
                a.attempt_points + delta,
                a.max_points,
                a.attempt_number,
            )
        )
    return tuple(sorted(rows, key=lambda r: (r.learner, r.attempt_id))), elsewhere


def key_report(session: Session, actor: Actor, class_id: int, quiz_slug: str) -> KeyReport:
    """The broken-key detector over a class's quiz: one proposal per flag, with its
    evidence (first submitted attempt of each learner of the class) and a dry run of
    the fix over every stored answer. Instructors of the class (authors of its course).
    """
    with session.begin():
        read_only(session)
        row = managed_class(session, actor, class_id)
        quiz = session.scalar(
            select(QuizRow).where(QuizRow.course_id == row.course_id, QuizRow.slug == quiz_slug)
        )
        if quiz is None:
            raise NotFound(f"No quiz '{quiz_slug}' in this course.")
        questions = session.execute(
            select(QuestionRow.id, QuestionRow.slug)
            .where(QuestionRow.quiz_id == quiz.id, QuestionRow.retired_at.is_(None))
            .order_by(QuestionRow.position)
        ).all()
        newest = (
            select(func.max(QuestionRevision.id))
            .where(QuestionRevision.question_id.in_([q for q, _ in questions]))
            .group_by(QuestionRevision.question_id)
        )
        revisions = {
            qid: (rid, qs.question_for(session, rid, definition))
            for qid, rid, definition in session.execute(
                select(
                    QuestionRevision.question_id, QuestionRevision.id, QuestionRevision.definition
                ).where(QuestionRevision.id.in_(newest))
            )
        }
        members = set(
            session.scalars(select(Membership.user_id).where(Membership.class_id == class_id))
        )
        stored = _stored_answers(session, quiz.id, members)
        names: dict[int, str] = dict(
            session.execute(
                select(
                    User.id, func.coalesce(func.nullif(User.display_name, ""), User.email)
                ).where(User.id.in_(members))
            ).all()
        )
        course_id, title = row.course_id, quiz.title
    # Points on the rest of the quiz, per learner (first attempts, current grades).
    totals: dict[int, float] = defaultdict(float)
    for answers in stored.values():
        for a in answers:
            if a.first:
                totals[a.user_id] += a.points
    proposals: list[Proposal] = []
    too_few: list[str] = []
    for qid, slug in questions:
        if qid not in revisions:
            continue
        revision_id, question = revisions[qid]
        mine = [a for a in stored.get(qid, []) if a.first and a.raw is not None]
        if len(mine) < MIN_LEARNERS:
            too_few.append(slug)
            continue
        learners = [
            LearnerAnswer(
                a.user_id,
                a.raw,
                rescored(question, LearnerAnswer(a.user_id, a.raw, a.score, 0.0)),
                totals[a.user_id] - a.points,
            )
            for a in mine
        ]
        for flag in check_question(question, learners):
            rows: tuple[DryRunRow, ...] = ()
            elsewhere = 0
            if flag.fix is not None:
                rows, elsewhere = _dry_run(question, flag.fix, stored.get(qid, []), members, names)
            proposals.append(
                Proposal(qid, slug, question.prompt, revision_id, flag, rows, elsewhere)
            )
    return KeyReport(
        class_id,
        course_id,
        quiz_slug,
        title,
        len({a.user_id for answers in stored.values() for a in answers if a.first}),
        MIN_LEARNERS,
        tuple(too_few),
        tuple(proposals),
    )


def apply_proposal(
    session: Session,
    actor: Actor,
    class_id: int,
    question_id: int,
    fix: KeyFix,
    *,
    revision_id: int,
    now: datetime,
    allow_lower: bool = False,
    note: str = "",
) -> ApplyReport:
    """Apply a fix proposed on a class's key report (see :func:`apply_fix`); the audit
    reason is "regrade after key fix: <fix>", followed by the instructor's note."""
    with session.begin():
        course_id = managed_class(session, actor, class_id).course_id
    note = " ".join(note.split())
    if len(note) > MAX_REASON_CHARS - 100:
        raise InvalidInput("Keep the note under 400 characters.", field="note")
    target = _target(session, actor, course_id, question_id, revision_id)
    described = fix.describe(target.question)
    reason = f"regrade after key fix: {described}" + (f" ({note})" if note else "")
    return apply_fix(
        session,
        actor,
        course_id,
        question_id,
        fix,
        now=now,
        reason=reason,
        allow_lower=allow_lower,
        revision_id=revision_id,
    )
