"""date: a date at the answer's precision, with accepted alternatives and tolerance."""

from __future__ import annotations

import re
from datetime import date as Date
from typing import Any

from course.content.model import DateQuestion, PartialDate
from course.grading.common import make_grade, text_of
from course.grading.normalize import AmbiguousDate, format_date, parse_date
from course.grading.result import Feedback, FeedbackKind, FormatError, Grade, Scorer


def parse(_question: DateQuestion, raw: Any) -> PartialDate | FormatError:
    text = text_of(raw)
    if not text.strip():
        return FormatError("Type a date first, like 14 July 1789.")
    try:
        value = parse_date(text)
    except AmbiguousDate:
        return FormatError(_ambiguous(text.strip()))
    if value is None:
        return FormatError(
            f"“{text.strip()[:40]}” is not a date we can read; write it like "
            "14 July 1789, July 1789 or 1789."
        )
    return value


def same_at_precision(answer: PartialDate, given: PartialDate) -> bool:
    """``given`` is at least as precise as ``answer`` and agrees with it that far."""
    if given.precision < answer.precision:
        return False
    fields = ("year", "month", "day")[: answer.precision]
    return all(getattr(answer, f) == getattr(given, f) for f in fields)


def _within_days(answer: PartialDate, given: PartialDate, days: int) -> bool:
    if days <= 0 or answer.precision < 3 or given.precision < 3:
        return False
    a = Date(answer.year, answer.month or 1, answer.day or 1)
    g = Date(given.year, given.month or 1, given.day or 1)
    return abs((a - g).days) <= days


def grade(question: DateQuestion, given: PartialDate) -> Grade:
    targets = (question.answer, *question.accept)
    if any(
        same_at_precision(t, given) or _within_days(t, given, question.tolerance_days)
        for t in targets
    ):
        return make_grade(question, 1.0, [], format_date(given))
    if question.partial and given.year == question.answer.year:
        missing = given.precision < question.answer.precision
        detail = "more precisely" if missing else "with the right month and day"
        return make_grade(
            question,
            0.5,
            [
                Feedback(
                    FeedbackKind.PARTIAL,
                    f"The year is right; give the date {detail} for full credit.",
                )
            ],
            format_date(given),
        )
    return make_grade(question, 0.0, [], format_date(given))


def scorer(question: DateQuestion) -> Scorer:
    """:func:`parse` then the score of :func:`grade`, without feedback or the date's text.

    The accepted dates are cut to their precision once; a response agrees with one when
    it is at least as precise and its fields agree that far (:func:`same_at_precision`).
    """
    targets = [
        (t.precision, (t.year, t.month, t.day)[: t.precision], t)
        for t in (question.answer, *question.accept)
    ]
    days = question.tolerance_days
    year = question.answer.year

    def score(raw: Any) -> float | FormatError:
        given = parse(question, raw)
        if isinstance(given, FormatError):
            return given
        precision = given.precision
        fields = (given.year, given.month, given.day)
        for needed, prefix, target in targets:
            if (precision >= needed and fields[:needed] == prefix) or (
                days > 0 and _within_days(target, given, days)
            ):
                return 1.0
        if question.partial and given.year == year:
            return 0.5
        return 0.0

    return score


def _ambiguous(text: str) -> str:
    """Both readings of the learner's own digits: the message gives nothing away."""
    first, second, year = (int(p) for p in re.split(r"[/.]", text))
    day_first = format_date(PartialDate(year, second, first))
    month_first = format_date(PartialDate(year, first, second))
    return (
        f"“{text}” could mean {day_first} or {month_first}; please write it as "
        f"{day_first} or {month_first} (day, month name, year). This costs no attempt."
    )
