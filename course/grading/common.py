"""Helpers shared by the per-type graders."""

from __future__ import annotations

from typing import Any

from course.content.model import Option, Question
from course.grading.normalize import MAX_TEXT
from course.grading.result import Feedback, FeedbackKind, Grade, ResponseRejected

MAX_ITEMS = 200


def text_of(raw: Any, what: str = "answer") -> str:
    """A single typed string, bounded in size."""
    if isinstance(raw, list) and len(raw) == 1:
        raw = raw[0]
    if not isinstance(raw, str):
        raise ResponseRejected(f"{what} must be text")
    if len(raw) > MAX_TEXT:
        raise ResponseRejected(f"{what} is longer than {MAX_TEXT:,} characters")
    return raw


def ids_of(raw: Any, options: tuple[Option, ...], what: str) -> list[str]:
    """A list of option ids, each known, none repeated."""
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list) or len(raw) > MAX_ITEMS:
        raise ResponseRejected(f"{what} must be a list of options")
    known = {o.id for o in options}
    seen: set[str] = set()
    for item in raw:
        if not isinstance(item, str) or item not in known:
            raise ResponseRejected(f"{what} names an option that is not in this question")
        if item in seen:
            raise ResponseRejected(f"{what} names the same option twice")
        seen.add(item)
    return list(raw)


def clamp(score: float) -> float:
    """A score kept within [0, 1], as every grade and every score-only result has it."""
    return min(1.0, max(0.0, score))


def make_grade(
    question: Question,
    score: float,
    feedback: list[Feedback],
    response_text: str,
) -> Grade:
    """Clamp the score, compute points, and lead with a verdict."""
    score = clamp(score)
    if score >= 1.0:
        verdict = Feedback(FeedbackKind.CORRECT, "Correct.")
    elif score > 0:
        verdict = Feedback(FeedbackKind.PARTIAL, f"Partly right: {score:.0%} of the credit.")
    else:
        verdict = Feedback(FeedbackKind.INCORRECT, "Not quite.")
    return Grade(
        score=score,
        points=round(score * question.points, 6),
        max_points=question.points,
        feedback=(verdict, *feedback),
        response_text=response_text,
    )
