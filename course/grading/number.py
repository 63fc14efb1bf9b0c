"""number: a typed number within tolerance or range."""

from __future__ import annotations

import math
from typing import Any

from course.content.model import NumberQuestion
from course.formatting import format_number
from course.grading.common import make_grade, text_of
from course.grading.normalize import parse_number
from course.grading.result import FormatError, Grade


def parse(question: NumberQuestion, raw: Any) -> float | FormatError:
    text = text_of(raw)
    if not text.strip():
        return FormatError("Type a number first.")
    value = parse_number(text, question.unit)
    if value is None or not math.isfinite(value):
        return FormatError(
            f"“{text.strip()[:40]}” is not a number; write it like 42, 3.5, "
            "1,200,000 or 1.2 million."
        )
    return value


def accepts(question: NumberQuestion, value: float) -> bool:
    if question.range is not None:
        return question.range[0] <= value <= question.range[1]
    allowed = question.tolerance * abs(question.answer) if question.relative else question.tolerance
    # A little slack for binary floating point (0.1 + 0.2 style answers).
    return abs(value - question.answer) <= allowed + 1e-9 * max(1.0, abs(question.answer))


def grade(question: NumberQuestion, value: float) -> Grade:
    shown = format_number(value) + (f" {question.unit}" if question.unit else "")
    return make_grade(question, 1.0 if accepts(question, value) else 0.0, [], shown)
