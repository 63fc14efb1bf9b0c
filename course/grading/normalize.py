"""Reading learners' input the way a person writes it: text, numbers and dates."""

from __future__ import annotations

import calendar
import re

from course.content.model import PartialDate
from course.content.numbers import read_number
from course.content.texts import contains_words, normalize_text, text_key

# The text keys live in content (the validator uses them too); re-exported for graders.
__all__ = [
    "MAX_TEXT",
    "AmbiguousDate",
    "contains_words",
    "format_date",
    "normalize_text",
    "parse_date",
    "parse_number",
    "text_key",
]

MAX_TEXT = 2_000

_SPACE = re.compile(r"\s+")


def parse_number(text: str, unit: str | None = None) -> float | None:
    """Read ``20,000,000``, ``20 million``, ``2.5e7``, ``1/2`` or ``twenty``; ``None`` if none.

    The value only; :func:`course.content.numbers.read_number` also says whether the
    reading is hedged or ambiguous.
    """
    reading = read_number(text, unit)
    return None if reading is None else reading.value


_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
_MONTHS["sept"] = 9
_MONTH = r"(?P<month>[a-z]+)\.?"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>\d{3,4})"
_PATTERNS = [
    re.compile(rf"{_YEAR}-(?P<m>\d{{1,2}})-(?P<d>\d{{1,2}})"),
    re.compile(rf"{_YEAR}-(?P<m>\d{{1,2}})"),
    re.compile(rf"{_DAY}\s+(?:of\s+)?{_MONTH},?\s+{_YEAR}"),
    re.compile(rf"{_MONTH}\s+{_DAY},?\s+{_YEAR}"),
    re.compile(rf"{_MONTH},?\s+{_YEAR}"),
    re.compile(_YEAR),
]
_NUMERIC = re.compile(r"(\d{1,2})[/.](\d{1,2})[/.](\d{4})")


class AmbiguousDate(Exception):
    """A date like 08/09/1945 that reads differently in different countries."""


_MONTH_DAYS = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _days_in(year: int, month: int) -> int:
    """``calendar.monthrange(year, month)[1]`` without working out the weekday."""
    return _MONTH_DAYS[month] + (month == 2 and calendar.isleap(year))


def _valid(year: int, month: int | None, day: int | None) -> PartialDate | None:
    if month is not None and not 1 <= month <= 12:
        return None
    if day is not None and (month is None or not 1 <= day <= _days_in(year, month)):
        return None
    return PartialDate(year, month, day)


def parse_date(text: str) -> PartialDate | None:
    """Read a date as people write it; ``None`` if it is not one.

    Raises:
        AmbiguousDate: for all-numeric day/month dates where both readings are valid.
    """
    value = _SPACE.sub(" ", text.strip().lower()).rstrip(".")
    numeric = _NUMERIC.fullmatch(value)
    if numeric:
        first, second, year = (int(g) for g in numeric.groups())
        if first <= 12 and second <= 12 and first != second:
            raise AmbiguousDate(value)
        day, month = (first, second) if first > 12 or first == second else (second, first)
        return _valid(year, month, day)
    for pattern in _PATTERNS:
        match = pattern.fullmatch(value)
        if not match:
            continue
        groups = match.groupdict()
        month_number: int | None = None
        if groups.get("month") is not None:
            month_number = _MONTHS.get(groups["month"])
            if month_number is None:
                return None
        elif groups.get("m") is not None:
            month_number = int(groups["m"])
        day_text = groups.get("day") or groups.get("d")
        return _valid(int(groups["year"]), month_number, int(day_text) if day_text else None)
    return None


def format_date(date: PartialDate) -> str:
    """9 August 1945, August 1945 or 1945."""
    if date.month is None:
        return str(date.year)
    month = calendar.month_name[date.month]
    return f"{date.day} {month} {date.year}" if date.day else f"{month} {date.year}"
