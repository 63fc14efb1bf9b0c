"""Numbers, scores and times for people (course.formatting)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from course.formatting import format_number, format_percent, format_points, format_when


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1950, "1950"),  # a year: never 1,950
        (1950.0, "1950"),
        (-500, "-500"),
        (9999, "9999"),
        (38000, "38,000"),
        (20_000_000.0, "20,000,000"),
        (2.5, "2.5"),
        (0.1 + 0.2, "0.3"),
        (12345.5, "12,345.5"),
        (1e-7, "1e-07"),
    ],
)
def test_numbers(value: float, text: str) -> None:
    assert format_number(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (11.8333333, "11.83"),
        (0.833333, "0.83"),
        (17.0, "17"),
        (0.5, "0.5"),
        (0.0, "0"),
        (2.999, "3"),
        (None, "—"),
    ],
)
def test_points(value: float | None, text: str) -> None:
    assert format_points(value) == text


def test_percent_and_times() -> None:
    assert format_percent(0.787) == "79%" and format_percent(None) == "—"
    moment = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)
    assert format_when(moment, "Europe/Berlin") == "2 Mar 2026, 18:00 CET"
    assert format_when(moment, "America/Los_Angeles") == "2 Mar 2026, 09:00 PST"
    assert format_when(moment, "Not/AZone") == "2 Mar 2026, 17:00 UTC"
    assert format_when(moment, "Asia/Tokyo", year=False) == "3 Mar, 02:00 JST"


def test_times_at_the_calendars_ends_do_not_fail() -> None:
    last = datetime(9999, 12, 31, 23, 59, tzinfo=UTC)
    assert format_when(last, "Asia/Tokyo") == "31 Dec 9999, 23:59 UTC"
