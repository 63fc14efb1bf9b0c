"""Numbers, scores and times written for people; one rule for every page and message.

Pure functions (no Flask): the grader uses them for the answer it shows back, and the
web layer registers them as Jinja filters (``course.web.formatting``).

* A number below 10,000 has no thousands separator, so a year reads ``1950`` and
  never ``1,950``; larger numbers are grouped (``38,000``). This is the common style
  rule (Chicago, AP) of leaving four-digit numbers alone.
* Points keep at most two decimals, without trailing zeros: ``11.83`` of ``17``,
  ``0.83`` of ``1``, ``0.5``, ``3``. Partial credit is a fraction of a question's
  points, so two decimals tell one answer's share apart without pretending precision.
* Percentages are whole numbers (``79%``).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

GROUPING_FROM = 10_000
MISSING = "—"


def format_number(value: float) -> str:
    """A number as typed by a person: ``1950``, ``38,000``, ``2.5``, ``-0.001``."""
    if value != value or value in (float("inf"), float("-inf")):  # NaN or infinite
        return str(value)
    if float(value).is_integer() and abs(value) < 1e16:
        whole = int(value)
        return f"{whole:,}" if abs(whole) >= GROUPING_FROM else str(whole)
    text = f"{value:.10g}"
    if "e" in text or abs(value) < GROUPING_FROM:
        return text
    head, _, tail = text.partition(".")
    return f"{int(head):,}.{tail}" if tail else f"{int(head):,}"


def format_points(value: float | None) -> str:
    """Points to at most two decimals, trailing zeros dropped (``11.83``, ``0.5``, ``3``)."""
    if value is None:
        return MISSING
    text = f"{round(value, 2):.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def format_percent(value: float | None) -> str:
    """A share in [0, 1] as a whole percentage (``0.787`` → ``79%``); ``—`` for none."""
    if value is None:
        return MISSING
    return f"{round(value * 100)}%"


def zone(name: str | None) -> ZoneInfo:
    """The named IANA zone, UTC when missing or unknown (a stored name is validated
    when saved; this only guards pages against a zone the system no longer knows)."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def format_when(moment: datetime | None, timezone: str | None, *, year: bool = True) -> str:
    """A moment in ``timezone``, with the zone's abbreviation: ``2 Mar 2026, 18:00 CET``."""
    if moment is None:
        return MISSING
    try:
        local = moment.astimezone(zone(timezone))
    except OverflowError:  # a moment at the calendar's ends: shown as stored, in UTC
        local = moment.astimezone(zone("UTC"))
    pattern = "%-d %b %Y, %H:%M %Z" if year else "%-d %b, %H:%M %Z"
    return local.strftime(pattern)


def format_day(moment: datetime | None, timezone: str | None) -> str:
    """The calendar day of a moment in ``timezone``: ``2 Mar``."""
    if moment is None:
        return MISSING
    try:
        return moment.astimezone(zone(timezone)).strftime("%-d %b")
    except OverflowError:
        return moment.strftime("%-d %b")
