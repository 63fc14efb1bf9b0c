"""Questions as the learner sees them, and graded answers as stored and shown.

Rendering is cached per question revision (revisions never change), so the hot
answer path does not re-parse or re-render Markdown.
"""

from __future__ import annotations

import html
import json
import random
from collections.abc import Iterable, Mapping
from dataclasses import replace
from functools import lru_cache
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from course.content.markdown import render_html, render_inline
from course.content.model import (
    AnyQuestion,
    ChoiceQuestion,
    ClozeQuestion,
    MatchQuestion,
    MultiChoiceQuestion,
    NumberQuestion,
    OrderQuestion,
    TrueFalseQuestion,
    build_question,
)
from course.grading.registry import correct_answer
from course.grading.result import Grade
from course.services.audit import CurrentGrade
from course.services.views import AnswerView, FeedbackView, OptionView, QuestionView
from course.store.attempts import Response
from course.store.audit import ScoreChange
from course.store.content import QuestionRevision
from course.store.engine import engine_of

# Revisions never change, so their typed questions are built once per database (keyed by
# engine: a revision id means something only within its own database).
_CACHES: WeakKeyDictionary[Engine, dict[int, AnyQuestion]] = WeakKeyDictionary()


def _cache(session: Session) -> dict[int, AnyQuestion]:
    engine = engine_of(session)
    cache = _CACHES.get(engine)
    if cache is None:
        cache = _CACHES[engine] = {}
    return cache


def question_for(session: Session, revision_id: int, definition: dict[str, Any]) -> AnyQuestion:
    """The typed question of a revision (built once per database and process)."""
    cache = _cache(session)
    question = cache.get(revision_id)
    if question is None:
        question = cache[revision_id] = build_question(definition)
    return question


def revisions_at(
    session: Session, question_ids: list[int], version_id: int
) -> dict[int, tuple[int, dict[str, Any]]]:
    """question id → (revision id, definition) as of a content version, in one query."""
    latest = (
        select(QuestionRevision.question_id, func.max(QuestionRevision.id).label("rid"))
        .where(
            QuestionRevision.question_id.in_(question_ids),
            QuestionRevision.version_id <= version_id,
        )
        .group_by(QuestionRevision.question_id)
        .subquery()
    )
    rows = session.execute(
        select(QuestionRevision.question_id, QuestionRevision.id, QuestionRevision.definition).join(
            latest, latest.c.rid == QuestionRevision.id
        )
    ).all()
    return {qid: (rid, definition) for qid, rid, definition in rows}


def load_questions(
    session: Session, question_ids: list[int], revision_ids: list[int], version_id: int
) -> dict[int, tuple[int, AnyQuestion]]:
    """question id → (revision id, question) for an attempt, from the process cache when
    possible: the answer path then reads no question rows at all."""
    if len(revision_ids) != len(question_ids):  # attempts made before revision_ids existed
        found = revisions_at(session, question_ids, version_id)
        return {qid: (rid, question_for(session, rid, d)) for qid, (rid, d) in found.items()}
    cache = _by_revision(session, revision_ids)
    return {
        qid: (rid, cache[rid])
        for qid, rid in zip(question_ids, revision_ids, strict=True)
        if rid in cache
    }


def _by_revision(session: Session, revision_ids: Iterable[int]) -> dict[int, AnyQuestion]:
    """The process cache, holding the questions of ``revision_ids`` (read if missing)."""
    cache = _cache(session)
    missing = [rid for rid in revision_ids if rid not in cache]
    if missing:
        rows = session.execute(
            select(QuestionRevision.id, QuestionRevision.definition).where(
                QuestionRevision.id.in_(missing)
            )
        ).all()
        for rid, definition in rows:
            question_for(session, rid, definition)
    return cache


def regraded_questions(
    session: Session, grades: Mapping[int, CurrentGrade]
) -> dict[int, AnyQuestion]:
    """revision id → question, for the revisions current grades were regraded against
    (what :func:`answer_view` shows as the expected answer)."""
    wanted = {g.revision_id for g in grades.values() if g.revision_id is not None}
    if not wanted:
        return {}
    cache = _by_revision(session, wanted)
    return {rid: cache[rid] for rid in wanted if rid in cache}


def with_key_fixes(
    session: Session,
    grades: Mapping[int, CurrentGrade],
    answered: Iterable[tuple[int, int, int, CurrentGrade]],
) -> dict[int, CurrentGrade]:
    """``grades`` plus, for an answer whose score a later key fix left unchanged, the
    revision that fix regraded it against, so its expected answer is the fixed key.

    A regrade checks every stored answer of a question but records a change only where
    the score moved (or was kept); ``answered`` is (response id, question id, revision
    the answer was graded against, its current grade) of one attempt.
    """
    answered = list(answered)
    if not answered:
        return dict(grades)
    newest = dict(
        session.execute(
            select(Response.question_id, func.max(ScoreChange.revision_id))
            .join(ScoreChange, ScoreChange.response_id == Response.id)
            .where(
                Response.question_id.in_({qid for _r, qid, _rev, _g in answered}),
                ScoreChange.revision_id.is_not(None),
            )
            .group_by(Response.question_id)
        ).all()
    )
    merged = dict(grades)
    for response_id, question_id, revision_id, grade in answered:
        fixed = newest.get(question_id)
        current = grade.revision_id or revision_id
        if fixed is not None and fixed > current:
            merged[response_id] = replace(grade, revision_id=fixed)
    return merged


@lru_cache(maxsize=8192)
def _html(text: str) -> str:
    return render_html(text)


@lru_cache(maxsize=8192)
def _inline(text: str) -> str:
    return render_inline(text)


def question_view(question: AnyQuestion, seed: int, key: str) -> QuestionView:
    """What the learner sees before answering; option order comes from the attempt's seed.

    ``key`` is the opaque name of the question in the page (see ``QuestionView``).
    """
    rnd = random.Random(f"{seed}:{question.id}")  # noqa: S311 - display order only
    options: tuple[OptionView, ...] = ()
    lefts: tuple[OptionView, ...] = ()
    segments: tuple[str, ...] = ()
    unit = None
    match question:
        case ChoiceQuestion() | MultiChoiceQuestion():
            choices = list(question.choices)
            rnd.shuffle(choices)
            options = tuple(OptionView(c.id, _inline(c.text)) for c in choices)
        case TrueFalseQuestion():
            options = (OptionView("true", "True"), OptionView("false", "False"))
        case OrderQuestion():
            items = list(question.items)
            while len(items) > 1 and items == list(question.items):
                rnd.shuffle(items)  # never show the answer as the starting order
            options = tuple(OptionView(i.id, _inline(i.text)) for i in items)
        case MatchQuestion():
            rights = list(question.rights)
            rnd.shuffle(rights)
            options = tuple(OptionView(r.id, _inline(r.text)) for r in rights)
            lefts = tuple(OptionView(left.id, _inline(left.text)) for left in question.lefts)
        case ClozeQuestion():
            segments = tuple(_inline(s) if s.strip() else html.escape(s) for s in question.segments)
        case NumberQuestion():
            unit = question.unit
        case _:
            pass
    return QuestionView(
        key=key,
        type=question.type.value,
        prompt_html=_html(question.prompt),
        points=question.points,
        hint_html=_html(question.hint) if question.hint else None,
        options=options,
        lefts=lefts,
        segments=segments,
        unit=unit,
    )


# Question views of recent attempts, per database: (revision id, seed, key) → view. An
# attempt's page shows every question's view after each answer (for the count and the
# next question); building them again each time was most of that page's work.
_VIEWS: WeakKeyDictionary[Engine, dict[tuple[int, int, str], QuestionView]] = WeakKeyDictionary()
VIEW_CACHE_SIZE = 8192


def cached_question_view(
    session: Session, revision_id: int, question: AnyQuestion, seed: int, key: str
) -> QuestionView:
    """:func:`question_view` of a revision, kept for the most recent attempts."""
    views = _VIEWS.setdefault(engine_of(session), {})
    cache_key = (revision_id, seed, key)
    view = views.get(cache_key)
    if view is None:
        if len(views) >= VIEW_CACHE_SIZE:
            del views[next(iter(views))]  # the oldest first
        view = views[cache_key] = question_view(question, seed, key)
    return view


def feedback_json(grade: Grade) -> list[dict[str, str]]:
    return [{"kind": f.kind.value, "text": f.text} for f in grade.feedback]


def answer_view(
    question: AnyQuestion,
    response: Response,
    key: str,
    current: Mapping[int, CurrentGrade] | None = None,
    regraded: Mapping[int, AnyQuestion] | None = None,
) -> AnswerView:
    """A stored answer with its current grade (the newest score change, if any).

    The expected answer is the key of the revision that grade was computed against
    (``regraded``: see :func:`regraded_questions`), not the one the learner answered."""
    grade = (current or {}).get(response.id)
    if grade is None:
        grade = CurrentGrade(
            response.score, response.points, response.max_points, response.feedback
        )
    if grade.revision_id is not None and regraded:
        question = regraded.get(grade.revision_id, question)
    return graded_view(
        question,
        key,
        grade.score,
        grade.points,
        grade.max_points,
        response.response_text,
        grade.feedback,
    )


def graded_view(
    question: AnyQuestion,
    key: str,
    score: float,
    points: float,
    max_points: float,
    response_text: str,
    feedback: list[dict[str, str]] | str,
) -> AnswerView:
    """An answer's view; ``feedback`` as stored, or its JSON text (decoded only here, so a
    page that builds its answers lazily decodes only the one it shows)."""
    items = json.loads(feedback) if isinstance(feedback, str) else feedback
    return AnswerView(
        key=key,
        score=score,
        points=points,
        max_points=max_points,
        response_text=response_text,
        feedback=tuple(FeedbackView(f["kind"], _html(f["text"])) for f in items),
        correct_answer=correct_answer(question),
        explanation_html=_html(question.explanation) if question.explanation else None,
        section=question.section,
    )
