"""Use cases of taking a quiz: start or resume, answer, submit, see results.

Each public function owns one transaction. Authorization comes first: an attempt
that is not the caller's is reported as not found, never as forbidden, so ids
cannot be probed.
"""

from __future__ import annotations

import json
import random
import secrets
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from course.clock import Clock
from course.content.model import AnyQuestion, FeedbackMode, QuizSettings
from course.errors import Conflict, InvalidInput, NotFound
from course.grading.result import FormatError, Grade
from course.review.policy import ReviewPolicy
from course.review.rating import Confidence
from course.services import answering, drafts, sessions
from course.services import questions as qs
from course.services.answering import CourseReview
from course.services.audit import (
    CurrentGrade,
    current_grades,
    history_views,
    passes,
    regraded_at,
)
from course.services.drafts import position_key
from course.services.posted import Answers
from course.services.sessions import Login, SessionUser
from course.services.views import (
    AnswerView,
    AttemptSummary,
    AttemptView,
    Lazy,
    QuizIntro,
    ResultsView,
    ScoreChangeView,
    reason_shown,
)
from course.store import attempts as store
from course.store.attempts import Attempt, AttemptStatus, Response
from course.store.audit import ChangeKind, changes_for_attempts
from course.store.content import ContentVersion, CourseRow, LessonRow, QuestionRow, QuizRow
from course.store.engine import is_sqlite, read_only, statements_alone
from course.store.review import ReviewSource


@dataclass(frozen=True)
class AnswerOutcome:
    """Either the graded answer, or a message that costs no attempt.

    ``already_answered``: the question had been answered before (a stale tab, a double
    click); ``answer`` is that first grade, and nothing new was stored.
    """

    answer: AnswerView | None = None
    format_error: str | None = None
    already_answered: bool = False
    user: SessionUser | None = None  # the caller, when it was given as a login
    logged_out: bool = False  # the login given was not valid: nothing was done
    finished: bool = False  # that was the last answer: the attempt is now submitted


@dataclass(frozen=True)
class SubmitOutcome:
    """What became of an end-of-attempt submit.

    ``errors`` (key → message): answers that could not be read; ``blanks``: keys of
    unanswered questions the learner has not yet confirmed leaving blank. Either way
    nothing was graded and the attempt stays open (what was typed is saved). ``stale``:
    the form was shown before another tab saved; nothing was saved or graded.
    """

    errors: dict[str, str] = field(default_factory=dict)
    blanks: tuple[str, ...] = ()
    stale: bool = False  # the form's saved answers changed elsewhere: nothing was taken

    @property
    def submitted(self) -> bool:
        return not self.errors and not self.blanks and not self.stale


def _settings(quiz: QuizRow) -> QuizSettings:
    return QuizSettings.from_json(quiz.settings)


def _quiz(session: Session, course_id: str, slug: str) -> QuizRow:
    quiz = session.scalar(
        select(QuizRow).where(
            QuizRow.course_id == course_id, QuizRow.slug == slug, QuizRow.retired_at.is_(None)
        )
    )
    if quiz is None:
        raise NotFound(f"No quiz '{slug}' in this course.")
    return quiz


def _history(session: Session, user_id: int, quiz_id: int) -> tuple[AttemptSummary, ...]:
    rows = session.scalars(
        select(Attempt)
        .where(Attempt.user_id == user_id, Attempt.quiz_id == quiz_id)
        .order_by(Attempt.number)
    ).all()
    return tuple(
        AttemptSummary(
            a.id,
            a.number,
            a.submitted_at,
            a.points,
            a.max_points,
            a.passed,
            a.status is AttemptStatus.OPEN,
        )
        for a in rows
    )


def quiz_intro(session: Session, user_id: int, course_id: str, slug: str) -> QuizIntro:
    """The quiz's start page: rules, earlier attempts, an open attempt to resume."""
    with session.begin():
        read_only(session)
        quiz = _quiz(session, course_id, slug)
        lesson = session.scalar(
            select(LessonRow).where(
                LessonRow.course_id == course_id, LessonRow.slug == quiz.lesson_slug
            )
        )
        active = session.scalars(
            select(QuestionRow.id).where(
                QuestionRow.quiz_id == quiz.id, QuestionRow.retired_at.is_(None)
            )
        ).all()
        history = _history(session, user_id, quiz.id)
        settings = _settings(quiz)
        return QuizIntro(
            course_id=course_id,
            slug=quiz.slug,
            title=quiz.title,
            lesson_slug=quiz.lesson_slug,
            lesson_title=lesson.title if lesson else quiz.lesson_slug,
            questions=min(len(active), settings.pick or len(active)),
            pass_mark=settings.pass_mark,
            attempts_allowed=settings.attempts,
            feedback_mode=settings.feedback.value,
            history=tuple(h for h in history if not h.open),
            open_attempt=next((h.id for h in history if h.open), None),
        )


def start_attempt(session: Session, clock: Clock, user_id: int, course_id: str, slug: str) -> int:
    """Resume the learner's open attempt, or start a new one within the attempt limit.

    Raises:
        NotFound: no such quiz.
        Conflict: every allowed attempt is used.
    """
    try:
        with session.begin():
            return _start(session, clock, user_id, course_id, slug)
    except IntegrityError:
        # Two starts raced (two tabs): the other one created the attempt; use it.
        with session.begin():
            quiz = _quiz(session, course_id, slug)
            existing = session.scalar(
                select(Attempt.id).where(
                    Attempt.user_id == user_id,
                    Attempt.quiz_id == quiz.id,
                    Attempt.status == AttemptStatus.OPEN,
                )
            )
            if existing is None:
                raise Conflict("That attempt was just started elsewhere; reload.") from None
            return existing


def _start(session: Session, clock: Clock, user_id: int, course_id: str, slug: str) -> int:
    quiz = _quiz(session, course_id, slug)
    attempts = session.scalars(
        select(Attempt).where(Attempt.user_id == user_id, Attempt.quiz_id == quiz.id)
    ).all()
    for attempt in attempts:
        if attempt.status is AttemptStatus.OPEN:
            return attempt.id
    settings = _settings(quiz)
    limit = settings.attempts
    if limit is not None and len(attempts) >= limit:
        raise Conflict(f"You have used all {limit} attempts at this quiz.")
    rows = session.execute(
        select(QuestionRow.id, QuestionRow.position)
        .where(QuestionRow.quiz_id == quiz.id, QuestionRow.retired_at.is_(None))
        .order_by(QuestionRow.position)
    ).all()
    if not rows:
        raise Conflict("This quiz has no questions yet.")
    seed = secrets.randbelow(2**31)
    rnd = random.Random(seed)  # noqa: S311 - a reproducible draw, not a secret
    drawn = list(rows)
    pick = settings.pick
    if pick and pick < len(drawn):
        drawn = sorted(rnd.sample(drawn, pick), key=lambda r: r.position)
    if settings.shuffle:
        rnd.shuffle(drawn)
    course = session.get(CourseRow, course_id)
    assert course is not None
    ids = [r.id for r in drawn]
    revisions = qs.revisions_at(session, ids, course.version_id)
    attempt = Attempt(
        user_id=user_id,
        quiz_id=quiz.id,
        number=len(attempts) + 1,
        seed=seed,
        version_id=course.version_id,
        question_ids=ids,
        revision_ids=[revisions[i][0] for i in ids],
        status=AttemptStatus.OPEN,
        started_at=clock.now(),
    )
    session.add(attempt)
    session.flush()
    return attempt.id


@dataclass
class _Loaded:
    attempt: Attempt
    quiz: QuizRow
    questions: dict[int, tuple[int, AnyQuestion]]  # question row id → (revision id, question)
    responses: dict[int, Response]  # question row id → response


def _load(session: Session, user_id: int, attempt_id: int, lock: bool = False) -> _Loaded:
    # ``lock``: FOR UPDATE on PostgreSQL, so concurrent submits of one attempt queue
    # (SQLite's BEGIN IMMEDIATE already serializes writers).
    attempt = session.get(Attempt, attempt_id, with_for_update=lock)
    if attempt is None or attempt.user_id != user_id:
        raise NotFound("No such attempt.")
    quiz = session.get(QuizRow, attempt.quiz_id)
    assert quiz is not None
    questions = qs.load_questions(
        session, attempt.question_ids, attempt.revision_ids, attempt.version_id
    )
    responses = {
        r.question_id: r
        for r in session.scalars(select(Response).where(Response.attempt_id == attempt.id))
    }
    return _Loaded(attempt, quiz, questions, responses)


def _keys(attempt: Attempt) -> dict[int, str]:
    """question id → its opaque key in the attempt's pages (its position)."""
    return {qid: position_key(i) for i, qid in enumerate(attempt.question_ids)}


def _view(session: Session, loaded: _Loaded, with_drafts: bool = False) -> AttemptView:
    attempt, quiz = loaded.attempt, loaded.quiz
    keys = _keys(attempt)
    ordered = [
        (keys[qid], loaded.questions[qid][1])
        for qid in attempt.question_ids
        if qid in loaded.questions
    ]
    changes = changes_for_attempts(session, [attempt.id])
    grades = current_grades(changes)
    if attempt.status is not AttemptStatus.OPEN:
        grades = qs.with_key_fixes(
            session,
            grades,
            (
                (r.id, qid, r.revision_id, grades.get(r.id) or _first_grade(r))
                for qid, r in loaded.responses.items()
            ),
        )
    regraded = qs.regraded_questions(session, grades)
    answers = {
        keys[qid]: qs.answer_view(loaded.questions[qid][1], response, keys[qid], grades, regraded)
        for qid, response in loaded.responses.items()
        if qid in loaded.questions
    }
    by_response = {r.id: keys[qid] for qid, r in loaded.responses.items() if qid in keys}
    version = session.get(ContentVersion, attempt.version_id)
    return AttemptView(
        id=attempt.id,
        number=attempt.number,
        quiz_slug=quiz.slug,
        quiz_title=quiz.title,
        course_id=quiz.course_id,
        lesson_slug=quiz.lesson_slug,
        feedback_mode=_settings(quiz).feedback.value,
        open=attempt.status is AttemptStatus.OPEN,
        questions=tuple(qs.question_view(q, attempt.seed, key) for key, q in ordered),
        answers=answers,
        drafts=drafts.load(session, attempt.id) if with_drafts else {},
        score_changes=history_views(changes, by_response),
        attempts_allowed=_settings(quiz).attempts,
        content_hash=version.content_hash[:12] if version else "",
        content_published_at=version.synced_at if version else None,
        regraded_at=regraded_at(changes),
    )


def attempt_view(session: Session, user_id: int, attempt_id: int) -> AttemptView:
    """The attempt as its owner sees it now."""
    with session.begin():
        read_only(session)
        return _page_view(session, user_id, attempt_id)


@dataclass(frozen=True)
class AttemptPage:
    """:func:`attempt_page`'s answer: the view, and the login checked with it."""

    view: AttemptView | None = None
    user: SessionUser | None = None
    logged_out: bool = False  # the login given was not valid: nothing was read


def attempt_page(session: Session, clock: Clock, login: Login, attempt_id: int) -> AttemptPage:
    """The attempt page with its login checked in the same read (the page after each
    answer: one transaction and two statements). The login's upkeep (last seen, at most
    once a minute) is written afterwards."""
    now = clock.now()
    login_id = sessions.session_id(login.token)
    if login_id is None:
        return AttemptPage(logged_out=True)
    with session.begin():
        read_only(session)
        found = store.attempt_page_rows(session, attempt_id, login_id)
        if found is not None:
            checked = sessions.check_read(now, login, found.login)
        else:  # no such attempt: whether that is a 404 depends on the login
            checked = sessions.check(session, now, login)
        view = _page_view(session, checked.user.id, attempt_id, found) if checked.user else None
    if checked.upkeep is not sessions.Upkeep.NONE:
        with session.begin():
            sessions.keep_up(session, now, checked)
    return AttemptPage(view, checked.user, logged_out=checked.user is None)


def _page_view(
    session: Session, user_id: int, attempt_id: int, found: store.PageRows | None = None
) -> AttemptView:
    """The attempt page from one read (store.attempt_page_rows, or ``found``: that read
    done by the caller), plus its saved drafts when it is an open end-of-quiz attempt."""
    if found is None:
        found = store.attempt_page_rows(session, attempt_id)
    if found is None or found.head.user_id != user_id:
        raise NotFound("No such attempt.")
    first, rows = found.head, found.rows
    settings = first.settings
    keys = {qid: position_key(i) for i, qid in enumerate(first.question_ids)}
    questions = qs.load_questions(session, first.question_ids, first.revision_ids, first.version_id)
    responses: dict[int, Any] = {}
    grades: dict[int, CurrentGrade] = {}
    changes: list[tuple[int, ScoreChangeView]] = []
    last_regrade: datetime | None = None
    for row in rows:
        if row.response_id is None:
            continue
        responses[row.question_id] = row
        if row.change_id is not None:
            before = grades.get(row.response_id)
            grades[row.response_id] = CurrentGrade(
                row.new_score,
                row.new_points,
                row.change_max_points,
                _decoded(row.change_feedback),
                row.revision_id or (before.revision_id if before else None),
            )
            if row.kind is ChangeKind.REGRADE and abs(row.new_score - row.old_score) > 1e-9:
                last_regrade = max(last_regrade or row.changed_at, row.changed_at)
            changes.append(
                (
                    row.change_id,
                    ScoreChangeView(
                        key=keys.get(row.question_id, ""),
                        kind=row.kind.value,
                        actor=row.actor,
                        changed_at=row.changed_at,
                        old_score=row.old_score,
                        new_score=row.new_score,
                        old_points=row.old_points,
                        new_points=row.new_points,
                        max_points=row.change_max_points,
                        reason=reason_shown(row.kind.value, row.reason),
                    ),
                )
            )
    if first.status is not AttemptStatus.OPEN:
        grades = qs.with_key_fixes(
            session,
            grades,
            (
                (
                    row.response_id,
                    qid,
                    questions[qid][0],
                    grades.get(row.response_id) or _first_grade(row),
                )
                for qid, row in responses.items()
                if qid in questions
            ),
        )
    regraded = qs.regraded_questions(session, grades)
    answers = Lazy(
        {
            keys[qid]: partial(
                qs.graded_view,
                _graded_against(questions[qid][1], grades.get(row.response_id), regraded),
                keys[qid],
                *_current(row, grades.get(row.response_id)),
            )
            for qid, row in responses.items()
            if qid in questions and qid in keys
        }
    )
    is_open = first.status is AttemptStatus.OPEN
    return AttemptView(
        id=attempt_id,
        number=first.number,
        quiz_slug=first.slug,
        quiz_title=first.title,
        course_id=first.course_id,
        lesson_slug=first.lesson_slug,
        feedback_mode=settings.feedback.value,
        open=is_open,
        questions=tuple(
            qs.cached_question_view(session, *questions[qid], first.seed, keys[qid])
            for qid in first.question_ids
            if qid in questions
        ),
        answers=answers,
        drafts=drafts.load(session, attempt_id)
        if is_open and settings.feedback is FeedbackMode.END
        else {},
        score_changes=tuple(view for _id, view in sorted(changes, key=lambda c: c[0])),
        attempts_allowed=settings.attempts,
        content_hash=first.content_hash[:12] if first.content_hash else "",
        content_published_at=first.synced_at,
        regraded_at=last_regrade,
    )


def _first_grade(row: Any) -> CurrentGrade:
    """The grade an answer earned when it was given (no change since)."""
    return CurrentGrade(row.score, row.points, row.max_points, _decoded(row.feedback))


def _decoded(feedback: Any) -> Any:
    """Feedback as the attempt page's read gives it (JSON text) decoded."""
    return json.loads(feedback) if isinstance(feedback, str) else feedback


def _graded_against(
    question: AnyQuestion, grade: CurrentGrade | None, regraded: dict[int, AnyQuestion]
) -> AnyQuestion:
    """The question revision a response's current grade was computed against."""
    if grade is None or grade.revision_id is None:
        return question
    return regraded.get(grade.revision_id, question)


def _current(row: Any, grade: CurrentGrade | None) -> tuple[float, float, float, str, Any]:
    """A response's score, points, max points, text and feedback (as read: JSON text,
    or decoded) after its newest change."""
    if grade is None:
        return row.score, row.points, row.max_points, row.response_text, row.feedback
    return grade.score, grade.points, grade.max_points, row.response_text, grade.feedback


def _store(
    session: Session,
    clock: Clock,
    loaded: _Loaded,
    qid: int,
    rid: int,
    raw: Any,
    grade: Grade,
    confidence: str | None = None,
) -> Response:
    now = clock.now()
    previous = max(
        (r.answered_at for r in loaded.responses.values()), default=loaded.attempt.started_at
    )
    response = Response(
        attempt_id=loaded.attempt.id,
        question_id=qid,
        revision_id=rid,
        raw=raw,
        response_text=grade.response_text[:2000],
        score=grade.score,
        points=grade.points,
        max_points=grade.max_points,
        feedback=qs.feedback_json(grade),
        answered_at=now,
        duration_ms=_elapsed_ms(previous, now),
        confidence=confidence,
    )
    session.add(response)
    session.flush()
    loaded.responses[qid] = response
    return response


class _Stale(Exception):
    """What an answer read outside the write lock changed before its write."""


def submit_answer(
    session: Session,
    clock: Clock,
    caller: int | Login,
    attempt_id: int,
    position: int,
    answers: Answers,
    confidence: Confidence | None = None,
    fuzz: bool = True,
) -> AnswerOutcome:
    """Grade the answer to the attempt's question at ``position`` (1-based; immediate feedback).

    ``caller`` is the learner's id, or their login token, checked in the answer's own
    transaction (``outcome.user`` is then the logged-in user, or None with nothing done
    when the login is not valid).

    A second submission (a stale tab, a double click) stores nothing and returns the first
    grade with ``already_answered`` set.

    When the quiz feeds spaced review, the answer is also the card's review (rated from
    the score and the learner's optional ``confidence``), stored with the response.

    This is the hot path: one read (the attempt, its settings, whether the question is
    answered, the card), grading and scheduling, then three writes (response, card,
    review log). The read, grading and scheduling run first, outside any write lock or
    transaction, and the short write re-checks what they relied on (the attempt still
    open, the question still unanswered, the card unchanged); if anything changed, the
    answer is done again in one transaction, the attempt row share-locked against a
    concurrent submit. On PostgreSQL the read and the write are a statement each, with
    no transaction around them (the write is all or nothing by itself): two round trips.

    Raises:
        NotFound: not the caller's attempt.
        Conflict: the attempt is already submitted.
        InvalidInput: the question is not in the attempt, the quiz is graded only at
            the end, or the answer is forged.
    """
    args = (clock, caller, attempt_id, position, answers, confidence, fuzz)
    try:
        return _answer_once(session, *args, read_first=True)
    except (IntegrityError, _Stale):
        # The same answer arrived twice at once, or the card or attempt changed between
        # the read and the write: do it again; the first answer is the grade.
        pass
    try:
        return _answer_once(session, *args, read_first=False)
    except _Stale:
        raise Conflict("Your answer crossed another change; please send it again.") from None


def answer_question(
    session: Session,
    clock: Clock,
    caller: int | Login,
    attempt_id: int,
    position: int,
    answers: Answers,
    confidence: Confidence | None = None,
    fuzz: bool = True,
    *,
    maybe_last: bool = False,
) -> AnswerOutcome:
    """Answer a question as :func:`submit_answer` does; when that was the attempt's last
    unanswered question, also finish the attempt (``finished``).

    ``maybe_last``: the page the answer came from showed it as the last one left. Only
    then is completion checked (one short read, which decides; the hint only saves the
    other answers that read: the answer path's cost is counted). An attempt completed
    without the hint (answers from two tabs out of order) stays open, and its page
    offers to finish it.

    Every answer of an immediate-feedback attempt is graded as it is given, so once all
    are answered nothing is left to do in it; left open, it counted nowhere (the course
    page said "not started", the class dashboard 0 % and overdue) until the learner
    found a button that did not say it finished anything. The attempt limit is not
    affected (an open attempt already counts against it).
    """
    outcome = submit_answer(session, clock, caller, attempt_id, position, answers, confidence, fuzz)
    if not maybe_last or outcome.answer is None or outcome.already_answered:
        return outcome
    user_id = outcome.user.id if outcome.user is not None else caller
    assert isinstance(user_id, int)
    if not _all_answered(session, user_id, attempt_id):
        return outcome
    finished = submit_attempt(session, clock, user_id, attempt_id, fuzz=fuzz)
    return replace(outcome, finished=finished.submitted)


def _all_answered(session: Session, user_id: int, attempt_id: int) -> bool:
    """Is the caller's open immediate-feedback attempt answered through (one short read)?"""
    with session.begin():
        read_only(session)
        attempt = session.get(Attempt, attempt_id)
        if attempt is None or attempt.user_id != user_id:
            return False
        if attempt.status is not AttemptStatus.OPEN:
            return False
        answered = session.scalar(
            select(func.count()).select_from(Response).where(Response.attempt_id == attempt_id)
        )
        return (answered or 0) >= len(attempt.question_ids)


@dataclass(frozen=True)
class _Planned:
    """An answer graded and scheduled, waiting to be written."""

    response: dict[str, Any]
    review: answering.PlannedReview | None
    outcome: AnswerOutcome


def _answer_once(
    session: Session,
    clock: Clock,
    caller: int | Login,
    attempt_id: int,
    position: int,
    answers: Answers,
    confidence: Confidence | None,
    fuzz: bool,
    *,
    read_first: bool,
) -> AnswerOutcome:
    now = clock.now()
    with session.begin():
        if read_first:
            read_only(session)
        planned, checked = _plan(
            session, now, caller, attempt_id, position, answers, confidence, fuzz, read_first
        )
        if not read_first:
            return _write(session, now, checked, planned)
    if isinstance(planned, AnswerOutcome) and checked.upkeep is sessions.Upkeep.NONE:
        return replace(planned, user=checked.user)  # nothing to write
    with session.begin():
        if isinstance(planned, AnswerOutcome) or _in_one_statement(session, planned.review):
            statements_alone(session)
        return _write(session, now, checked, planned, if_open=True)


def _write(
    session: Session,
    now: datetime,
    checked: sessions.Checked,
    planned: _Planned | AnswerOutcome,
    if_open: bool = False,
) -> AnswerOutcome:
    """Store a planned answer (and the login's upkeep); raise _Stale if what the plan
    relied on changed (``if_open``: the attempt must still be open)."""
    sessions.keep_up(session, now, checked)
    if isinstance(planned, AnswerOutcome):
        return replace(planned, user=checked.user)
    review = planned.review
    if review is not None and _in_one_statement(session, review):
        # One statement that checks the attempt is open and the card unchanged itself.
        stored = store.insert_answer_with_review(
            session, planned.response, review.card_id, review.expected_reps, review.card, review.log
        )
        if not stored:
            raise _Stale
        return replace(planned.outcome, user=checked.user)
    if if_open:
        if not store.insert_response_if_open(session, planned.response):
            raise _Stale
    else:
        store.insert_response(session, planned.response)
    if planned.review is not None and answering.store_review(session, planned.review) is None:
        raise _Stale
    return replace(planned.outcome, user=checked.user)


def _in_one_statement(session: Session, review: answering.PlannedReview | None) -> bool:
    """Is the answer's write one statement (PostgreSQL; SQLite has no data-modifying
    CTEs)? A card update needs the review count it was planned on. An answer that feeds
    no review is one statement on both (the response, if the attempt is still open)."""
    if review is None:
        return True
    return not is_sqlite(session) and (review.card_id is None or review.expected_reps is not None)


def _plan(
    session: Session,
    now: datetime,
    caller: int | Login,
    attempt_id: int,
    position: int,
    answers: Answers,
    confidence: Confidence | None,
    fuzz: bool,
    read_first: bool,
) -> tuple[_Planned | AnswerOutcome, sessions.Checked]:
    """Read (the caller's login in the same statement), grade and schedule the answer;
    what to write, and the login as checked. ``read_first``: a reader's read, without
    the share lock on the attempt (the write checks the attempt instead)."""
    login_id = sessions.session_id(caller.token) if isinstance(caller, Login) else None
    if isinstance(caller, Login) and login_id is None:
        return AnswerOutcome(logged_out=True), sessions.Checked(None)
    context = store.answer_context(session, attempt_id, position - 1, login_id, lock=not read_first)
    checked = sessions.Checked(None)
    if isinstance(caller, Login):
        if context is not None:
            checked = sessions.check_read(now, caller, context.login)
        else:  # no such attempt: whether that is a 404 depends on the login
            checked = sessions.check(session, now, caller)
        if checked.user is None:
            return AnswerOutcome(logged_out=True), checked
        user_id = checked.user.id
    else:
        user_id = caller
    if context is None or context.attempt.user_id != user_id:
        raise NotFound("No such attempt.")
    planned = _planned(
        session, now, user_id, attempt_id, context, position, answers, confidence, fuzz
    )
    return planned, checked


def _planned(
    session: Session,
    now: datetime,
    user_id: int,
    attempt_id: int,
    context: store.AnswerContext,
    position: int,
    answers: Answers,
    confidence: Confidence | None,
    fuzz: bool,
) -> _Planned | AnswerOutcome:
    attempt = context.attempt
    if attempt.settings.feedback is FeedbackMode.END:
        # Grading one answer now would show its feedback and the right answer early.
        raise InvalidInput("This quiz is graded when you submit it; answer on the quiz page.")
    if not 1 <= position <= len(attempt.question_ids):
        raise InvalidInput("That question is not part of this attempt.")
    qid = attempt.question_ids[position - 1]
    key = position_key(position - 1)
    questions = qs.load_questions(
        session, attempt.question_ids, attempt.revision_ids, attempt.version_id
    )
    if qid not in questions:
        raise InvalidInput("That question is not part of this attempt.")
    rid, question = questions[qid]
    if context.answered_id is not None:
        existing = session.get(Response, context.answered_id)
        assert existing is not None
        grades = current_grades(changes_for_attempts(session, [attempt_id]))
        return AnswerOutcome(qs.answer_view(question, existing, key, grades), already_answered=True)
    if attempt.status is not AttemptStatus.OPEN:
        raise Conflict("This attempt is already submitted; start a new one to try again.")
    raw = answers.response(question, key)
    grade = answering.grade(question, raw)
    if isinstance(grade, FormatError):
        return AnswerOutcome(format_error=grade.message)
    duration = _elapsed_ms(context.last_answered_at or attempt.started_at, now)
    feedback = qs.feedback_json(grade)
    text = grade.response_text[:2000]
    review = None
    if attempt.settings.review:
        review = answering.plan_review(
            session,
            now,
            CourseReview(
                attempt.course_id,
                attempt.desired_retention,
                ReviewPolicy.from_minutes(
                    attempt.learning_steps,
                    attempt.relearning_steps,
                    attempt.learn_ahead_minutes,
                    attempt.leech_lapses,
                ),
            ),
            user_id=user_id,
            question_id=qid,
            score=grade.score,
            confidence=confidence,
            duration_ms=duration,
            source=ReviewSource.QUIZ,
            fuzz=fuzz,
            card=context.card,
            expected_reps=context.card.reps if context.card is not None else None,
        )
    response = {
        "attempt_id": attempt_id,
        "question_id": qid,
        "revision_id": rid,
        "raw": raw,
        "response_text": text,
        "score": grade.score,
        "points": grade.points,
        "max_points": grade.max_points,
        "feedback": feedback,
        "answered_at": now,
        "duration_ms": duration,
        "confidence": confidence.value if confidence else None,
    }
    view = qs.graded_view(
        question, key, grade.score, grade.points, grade.max_points, text, feedback
    )
    return _Planned(response, review, AnswerOutcome(view))


def _elapsed_ms(since: datetime, now: datetime) -> int:
    return max(0, int((now - since).total_seconds() * 1000))


def save_answers(
    session: Session,
    clock: Clock,
    user_id: int,
    attempt_id: int,
    answers: Answers,
    revision: str | None = None,
) -> drafts.Saved:
    """Keep what the learner has typed in an end-of-quiz attempt, ungraded.

    ``revision``: the drafts' revision the posting form was shown with (see
    :func:`drafts.revision`). Every save posts the whole form, so a tab left open while
    another tab saved would otherwise replace the other tab's answers with its own.

    Returns:
        How many questions have a saved answer, and the drafts' new revision.

    Raises:
        NotFound: not the caller's attempt.
        Conflict: the attempt is already submitted.
        drafts.StaleDrafts: ``revision`` is not the drafts' current one; nothing saved.
        InvalidInput: the quiz gives feedback per question (nothing to save).
    """
    with session.begin():
        attempt = drafts.open_attempt_for_save(session, user_id, attempt_id)
        return _save(session, clock, attempt, answers, revision)


def _save(
    session: Session,
    clock: Clock,
    attempt: Attempt,
    answers: Answers,
    revision: str | None = None,
) -> drafts.Saved:
    quiz = session.get(QuizRow, attempt.quiz_id)
    assert quiz is not None
    if _settings(quiz).feedback is not FeedbackMode.END:
        raise InvalidInput("Answers of this quiz are graded one at a time; nothing to save.")
    questions = qs.load_questions(
        session, attempt.question_ids, attempt.revision_ids, attempt.version_id
    )
    answered = drafts.answered_ids(session, attempt.id)
    keys = _keys(attempt)
    pending = [
        (qid, keys[qid], questions[qid][1])
        for qid in attempt.question_ids
        if qid in questions and qid not in answered
    ]
    return drafts.save(session, clock.now(), attempt, pending, answers, revision)


def submit_attempt(
    session: Session,
    clock: Clock,
    user_id: int,
    attempt_id: int,
    answers: Answers | None = None,
    fuzz: bool = True,
    confirm_blanks: bool = False,
    revision: str | None = None,
) -> SubmitOutcome:
    """Finish an attempt; in an end-of-quiz attempt grade every answer first.

    The posted ``answers`` are saved as drafts before anything else, so nothing typed
    is lost whatever happens next; grading then reads the saved answers back through
    ``answers.restored``. A confirmation post (``confirm_blanks``) carries no answers:
    nothing is saved and what was saved is graded. Unanswered questions are left blank
    only once the learner confirms. Submitting a submitted attempt (double click,
    second tab) changes nothing. An end-of-quiz attempt needs ``answers`` (the reader
    of its drafts); a quiz with feedback per question does not. ``revision``: as for
    :func:`save_answers`; a form whose drafts changed since it was shown submits
    nothing (``stale``), so a stale tab cannot grade away another tab's answers.

    Raises:
        NotFound: not the caller's attempt.
        InvalidInput: an open end-of-quiz attempt submitted without ``answers``.
    """
    if answers is not None and not confirm_blanks:
        try:
            with session.begin():
                attempt = drafts.open_attempt_for_save(session, user_id, attempt_id)
                quiz = session.get(QuizRow, attempt.quiz_id)
                if quiz is not None and _settings(quiz).feedback is FeedbackMode.END:
                    _save(session, clock, attempt, answers, revision)
        except drafts.StaleDrafts:
            return SubmitOutcome(stale=True)
        except Conflict:
            return SubmitOutcome()  # already submitted: the results are the answer
    try:
        with session.begin():
            return _submit(session, clock, user_id, attempt_id, answers, confirm_blanks, fuzz)
    except IntegrityError:
        # A concurrent submit stored the responses first (PostgreSQL, before the row
        # lock could order us): the attempt is submitted; show its results.
        with session.begin():
            return _submit(session, clock, user_id, attempt_id, answers, confirm_blanks, fuzz)


def _submit(
    session: Session,
    clock: Clock,
    user_id: int,
    attempt_id: int,
    answers: Answers | None,
    confirm_blanks: bool,
    fuzz: bool,
) -> SubmitOutcome:
    loaded = _load(session, user_id, attempt_id, lock=True)
    if loaded.attempt.status is not AttemptStatus.OPEN:
        return SubmitOutcome()  # already submitted (double click, second tab)
    errors: dict[str, str] = {}
    blanks: list[str] = []
    graded: list[tuple[int, int, Any, Grade]] = []
    settings = _settings(loaded.quiz)
    if settings.feedback is FeedbackMode.END:
        if answers is None:
            raise InvalidInput("This quiz is graded from its saved answers; submit it on its page.")
        saved = answers.restored(drafts.load(session, attempt_id))
        keys = _keys(loaded.attempt)
        for qid in loaded.attempt.question_ids:
            if qid in loaded.responses or qid not in loaded.questions:
                continue
            rid, question = loaded.questions[qid]
            key = keys[qid]
            if saved.is_blank(question, key):
                blanks.append(key)
                graded.append((qid, rid, None, Grade(0.0, 0.0, question.points, (), "(no answer)")))
                continue
            raw = saved.response(question, key)
            grade = answering.grade(question, raw)
            if isinstance(grade, FormatError):
                errors[key] = grade.message
            else:
                graded.append((qid, rid, raw, grade))
    if errors:
        return SubmitOutcome(errors=errors)
    if blanks and not confirm_blanks:
        return SubmitOutcome(blanks=tuple(blanks))
    course = answering.course_review(session, loaded.quiz.course_id)
    for qid, rid, raw, grade in graded:
        _store(session, clock, loaded, qid, rid, raw, grade)
        if settings.review and raw is not None:
            answering.record_review(
                session,
                clock.now(),
                course,
                user_id=user_id,
                question_id=qid,
                score=grade.score,
                confidence=None,
                duration_ms=0,
                source=ReviewSource.QUIZ,
                fuzz=fuzz,
            )
    drafts.discard(session, attempt_id)
    _finish(session, clock, loaded)
    return SubmitOutcome()


def _finish(session: Session, clock: Clock, loaded: _Loaded) -> None:
    grades = current_grades(changes_for_attempts(session, [loaded.attempt.id]))
    points = sum(
        grades[r.id].points if r.id in grades else r.points for r in loaded.responses.values()
    )
    max_points = sum(q.points for _rid, q in loaded.questions.values())
    passed = passes(points, max_points, _settings(loaded.quiz).pass_mark)
    # Conditional update: of two concurrent submits only one moves the attempt.
    session.execute(
        update(Attempt)
        .where(Attempt.id == loaded.attempt.id, Attempt.status == AttemptStatus.OPEN)
        .values(
            status=AttemptStatus.SUBMITTED,
            submitted_at=clock.now(),
            points=points,
            max_points=max_points,
            passed=passed,
        )
        .execution_options(synchronize_session=False)
    )


def results(session: Session, user_id: int, attempt_id: int) -> ResultsView:
    """Score, pass or fail, and feedback per question of a submitted attempt."""
    with session.begin():
        read_only(session)
        loaded = _load(session, user_id, attempt_id)
        attempt = loaded.attempt
        session.refresh(attempt)
        if attempt.status is AttemptStatus.OPEN:
            raise Conflict("This attempt is not submitted yet.")
        view = _view(session, loaded)
        history = _history(session, user_id, attempt.quiz_id)
        limit = _settings(loaded.quiz).attempts
        return ResultsView(
            attempt=view,
            points=attempt.points,
            max_points=attempt.max_points,
            passed=attempt.passed,
            pass_mark=_settings(loaded.quiz).pass_mark,
            history=history,
            can_retry=(limit is None or len(history) < limit) and loaded.quiz.retired_at is None,
        )
