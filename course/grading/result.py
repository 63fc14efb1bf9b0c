"""What grading returns: a :class:`Grade`, or a :class:`FormatError` that costs no attempt."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


class FeedbackKind(enum.StrEnum):
    CORRECT = "correct"
    INCORRECT = "incorrect"
    PARTIAL = "partial"
    CHOICE = "choice"  # authored feedback of a picked choice
    WRONG = "wrong"  # authored feedback of a known wrong answer
    NEAR_MISS = "near_miss"


@dataclass(frozen=True)
class Feedback:
    """One piece of feedback; ``text`` is Markdown written by the author or the engine."""

    kind: FeedbackKind
    text: str


@dataclass(frozen=True)
class Grade:
    """The outcome of grading one response.

    Attributes:
        score: fraction of the question earned, in [0, 1].
        points: ``score`` times the question's points.
        max_points: the question's points.
        feedback: what to tell the learner, most important first.
        response_text: the learner's response as readable text (results, dashboards).
        misconception: the slug of the misconception the response shows (a picked
            choice's or a known wrong answer's), so reports can group by it.
    """

    score: float
    points: float
    max_points: float
    feedback: tuple[Feedback, ...]
    response_text: str
    misconception: str | None = None

    @property
    def correct(self) -> bool:
        return self.score >= 1.0


@dataclass(frozen=True)
class FormatError:
    """The response could not be understood; the learner is told how to write it."""

    message: str


class ResponseRejected(Exception):
    """A forged or malformed response (unknown ids, wrong shapes, oversized input)."""


# A question's grader reduced to its score, prepared once per question for callers that
# compare only the score (``course validate`` grading authored examples): raw response →
# the score :func:`course.grading.registry.grade_response` gives, or its FormatError. It
# raises ResponseRejected where grade_response does, with the same message.
Scorer = Callable[[Any], float | FormatError]
