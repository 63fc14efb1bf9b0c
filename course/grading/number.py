"""number: a typed number within tolerance or range."""

from __future__ import annotations

import math
from typing import Any

from course.content.model import NumberQuestion
from course.content.numbers import read_number
from course.formatting import format_number
from course.grading.common import make_grade, text_of
from course.grading.result import FormatError, Grade, Scorer


def _target(question: NumberQuestion) -> float:
    if question.range is not None:
        return (question.range[0] + question.range[1]) / 2
    return question.answer


def _closer(question: NumberQuestion, first: float, second: float) -> bool:
    """``first`` is nearer the question's scale than ``second`` (by ratio, not difference).

    Only the order of magnitude decides, so a "how to write it" message tells a learner
    nothing about the answer beyond its scale, which the prompt gives anyway.
    """
    target = abs(_target(question))
    if target == 0 or first == 0 or second == 0:
        return False
    return abs(math.log10(abs(first) / target)) < abs(math.log10(abs(second) / target))


def parse(question: NumberQuestion, raw: Any) -> float | FormatError:
    text = text_of(raw)
    if not text.strip():
        return FormatError("Type a number first.")
    reading = read_number(text, question.unit)
    if reading is None or not math.isfinite(reading.value):
        return FormatError(
            f"“{text.strip()[:40]}” is not a number; write it like 42, 3.5, "
            "1,200,000, 1.2 million or twenty."
        )
    if reading.advice is not None:
        return FormatError(reading.advice + " This costs no attempt.")
    if reading.grouped is not None and _closer(question, reading.grouped, reading.value):
        shown = text.strip()
        return FormatError(
            f"“{shown}”: in English a dot marks decimals, so this reads as {reading.value:g}. "
            f"If you meant {reading.grouped:,.0f}, write {reading.grouped:,.0f} or "
            f"{reading.grouped:.0f}; if you meant {reading.value:g}, write {reading.value:g}0. "
            "This costs no attempt."
        )
    return reading.value


def accepts(question: NumberQuestion, value: float) -> bool:
    if question.range is not None:
        return question.range[0] <= value <= question.range[1]
    allowed = question.tolerance * abs(question.answer) if question.relative else question.tolerance
    # A little slack for binary floating point (0.1 + 0.2 style answers).
    return abs(value - question.answer) <= allowed + 1e-9 * max(1.0, abs(question.answer))


def grade(question: NumberQuestion, value: float) -> Grade:
    shown = format_number(value) + (f" {question.unit}" if question.unit else "")
    return make_grade(question, 1.0 if accepts(question, value) else 0.0, [], shown)


def scorer(question: NumberQuestion) -> Scorer:
    """:func:`parse` then the score of :func:`grade`, without the response's text."""

    def score(raw: Any) -> float | FormatError:
        value = parse(question, raw)
        if isinstance(value, FormatError):
            return value
        return 1.0 if accepts(question, value) else 0.0

    return score
