"""Reading learners' input the way a person writes it: text, numbers and dates."""

from __future__ import annotations

import calendar
import re
import unicodedata
from fractions import Fraction

from course.content.model import PartialDate

MAX_TEXT = 2_000

_PUNCT = re.compile(r"[^\w\s]", re.UNICODE)
_SPACE = re.compile(r"\s+")


def normalize_text(text: str, case_sensitive: bool = False) -> str:
    """Fold case, diacritics, punctuation, spacing and a leading "the"."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    if not case_sensitive:
        stripped = stripped.casefold()
    cleaned = _SPACE.sub(" ", _PUNCT.sub(" ", stripped.replace("_", " "))).strip()
    if cleaned.lower().startswith("the "):
        cleaned = cleaned[4:]
    return cleaned


_MULTIPLIERS = {
    "thousand": 10**3,
    "k": 10**3,
    "million": 10**6,
    "millions": 10**6,
    "m": 10**6,
    "mn": 10**6,
    "billion": 10**9,
    "bn": 10**9,
    "b": 10**9,
    "trillion": 10**12,
}
_NUMBER = re.compile(
    r"(?P<sign>[-+−]?)\s*(?P<num>\d+(?:[,\s]\d{3})*(?:\.\d+)?|\.\d+)"
    r"(?:\s*[eE×x]\s*(?:10\s*\^?\s*)?(?P<exp>[-+−]?\d+))?"
)
_FRACTION = re.compile(r"([-+−]?\d+)\s*/\s*(\d+)")


def parse_number(text: str, unit: str | None = None) -> float | None:
    """Read ``20,000,000``, ``20 million``, ``2.5e7`` or ``1/2``; ``None`` if no number."""
    value = text.strip().lower().replace("\u2212", "-")
    if unit:
        value = value.removesuffix(unit.strip().lower()).strip()
    value = value.rstrip(".").strip()
    fraction = _FRACTION.fullmatch(value)
    if fraction:
        denominator = int(fraction.group(2))
        if denominator == 0:
            return None
        return float(Fraction(int(fraction.group(1).replace("−", "-")), denominator))
    words = value.split()
    multiplier = 1
    if words and words[-1] in _MULTIPLIERS:
        multiplier = _MULTIPLIERS[words[-1]]
        value = " ".join(words[:-1])
    elif value and value[-1] in "km" and value[:-1].strip().replace(".", "").isdigit():
        multiplier = _MULTIPLIERS[value[-1]]
        value = value[:-1].strip()
    match = _NUMBER.fullmatch(value)
    if not match:
        return None
    number = float(re.sub(r"[,\s]", "", match.group("num")))
    if match.group("exp"):
        exponent = int(match.group("exp").replace("−", "-"))
        if abs(exponent) > 300:
            return None
        number *= 10.0**exponent
    if match.group("sign") in ("-", "−"):
        number = -number
    return number * multiplier


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


def _valid(year: int, month: int | None, day: int | None) -> PartialDate | None:
    if month is not None and not 1 <= month <= 12:
        return None
    if day is not None and (month is None or not 1 <= day <= calendar.monthrange(year, month)[1]):
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
