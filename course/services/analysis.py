"""Item analysis of a quiz within a class: which question is too hard, too easy, or broken.

Each learner's first submitted attempt counts (classical test theory):

- facility: mean score on the question (0 = nobody, 1 = everybody);
- discrimination: correlation of the question's score with the rest of the test
  (total minus this question) across learners; negative means stronger learners miss
  it more often than weaker ones, usually a wrong key or a misleading wording;
- the most common wrong answers, normalized so "stalin" and "Stalin." count once.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from course.errors import NotFound
from course.grading.normalize import normalize_text
from course.review.policy import is_leech
from course.services.authz import Actor, managed_class
from course.store.attempts import Attempt, AttemptStatus, Response
from course.store.audit import latest_changes
from course.store.classes import Membership
from course.store.content import CourseRow, QuestionRow, QuizRow
from course.store.engine import read_only
from course.store.review import ReviewCard

MIN_LEARNERS = 3
COMMON_WRONG = 0.5


@dataclass(frozen=True)
class ItemStats:
    question: str
    prompt: str
    answered: int
    facility: float | None
    discrimination: float | None
    wrong_answers: tuple[tuple[str, int], ...]  # most common first
    mean_seconds: float | None
    leeches: int
    flags: tuple[str, ...]


@dataclass(frozen=True)
class QuizAnalysis:
    class_id: int
    quiz_slug: str
    quiz_title: str
    learners: int
    items: tuple[ItemStats, ...]


def pearson(xs: list[float], ys: list[float]) -> float | None:
    """Correlation of two equal-length series; None when either does not vary."""
    n = len(xs)
    if n < 2:
        return None
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx == 0 or syy == 0:
        return None
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / math.sqrt(sxx * syy)


def analyse(session: Session, actor: Actor, class_id: int, quiz_slug: str) -> QuizAnalysis:
    """Item statistics of one quiz over the class's learners."""
    with session.begin():
        read_only(session)
        row = managed_class(session, actor, class_id)
        quiz = session.scalar(
            select(QuizRow).where(QuizRow.course_id == row.course_id, QuizRow.slug == quiz_slug)
        )
        if quiz is None:
            raise NotFound(f"No quiz '{quiz_slug}' in this course.")
        questions = session.execute(
            select(QuestionRow.id, QuestionRow.slug, QuestionRow.definition)
            .where(QuestionRow.quiz_id == quiz.id)
            .order_by(QuestionRow.position)
        ).all()
        members = select(Membership.user_id).where(Membership.class_id == class_id)
        first = (
            select(Attempt.user_id, func.min(Attempt.id).label("attempt_id"))
            .where(
                Attempt.quiz_id == quiz.id,
                Attempt.status == AttemptStatus.SUBMITTED,
                Attempt.user_id.in_(members),
            )
            .group_by(Attempt.user_id)
            .subquery()
        )
        current = latest_changes()  # a regraded score, not the first grade
        responses = session.execute(
            select(
                first.c.user_id,
                Response.question_id,
                func.coalesce(current.c.score, Response.score),
                Response.response_text,
                Response.duration_ms,
            )
            .join(first, first.c.attempt_id == Response.attempt_id)
            .outerjoin(current, current.c.response_id == Response.id)
        ).all()
        threshold = session.scalar(
            select(CourseRow.leech_lapses).where(CourseRow.id == row.course_id)
        )
        leeches: Counter[int] = Counter()
        for question_id, lapses, count in session.execute(
            select(ReviewCard.question_id, ReviewCard.lapses, func.count())
            .where(ReviewCard.user_id.in_(members), ReviewCard.lapses > 0)
            .group_by(ReviewCard.question_id, ReviewCard.lapses)
        ):
            if is_leech(lapses, threshold or 0):
                leeches[question_id] += count
    scores: dict[int, dict[int, float]] = defaultdict(dict)  # user → question → score
    by_question: dict[int, list[tuple[float, str, int]]] = defaultdict(list)
    for user, question, score, text, duration in responses:
        scores[user][question] = score
        by_question[question].append((score, text, duration))
    totals = {user: sum(qs.values()) for user, qs in scores.items()}
    items = []
    for qid, slug, definition in questions:
        answers = by_question.get(qid, [])
        n = len(answers)
        facility = sum(a[0] for a in answers) / n if n else None
        users = [u for u in scores if qid in scores[u]]
        discrimination = None
        if len(users) >= MIN_LEARNERS:
            item = [scores[u][qid] for u in users]
            rest = [totals[u] - scores[u][qid] for u in users]
            discrimination = pearson(item, rest)
        wrong = Counter(normalize_text(t) or t for s, t, _ in answers if s < 1.0)
        durations = [d for _, _, d in answers if d > 0]
        stats = ItemStats(
            question=slug,
            prompt=str(definition.get("prompt", "")),
            answered=n,
            facility=facility,
            discrimination=discrimination,
            wrong_answers=tuple(wrong.most_common(3)),
            mean_seconds=sum(durations) / len(durations) / 1000 if durations else None,
            leeches=int(leeches.get(qid, 0)),
            flags=tuple(_flags(n, facility, discrimination, wrong)),
        )
        items.append(stats)
    return QuizAnalysis(class_id, quiz.slug, quiz.title, len(scores), tuple(items))


def _flags(
    n: int, facility: float | None, discrimination: float | None, wrong: Counter[str]
) -> list[str]:
    flags = []
    if n >= MIN_LEARNERS and facility == 0:
        flags.append("everyone got it wrong: check the answer key and the wording")
    if discrimination is not None and discrimination < 0:
        flags.append(
            f"negative discrimination ({discrimination:.2f}): stronger learners miss it "
            "more than weaker ones; check the key"
        )
    if n >= MIN_LEARNERS and wrong:
        answer, count = wrong.most_common(1)[0]
        if count / n >= COMMON_WRONG:
            flags.append(
                f"“{answer}” is given by {count} of {n} learners: is it perhaps right, "
                "or is the question misleading?"
            )
    return flags
