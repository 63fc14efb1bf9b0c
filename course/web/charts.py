"""Geometry for the small server-rendered SVG charts (no JavaScript needed)."""

from __future__ import annotations

from dataclasses import dataclass

from course.review.memory import HORIZON_NAMES


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    css: str
    label: str  # for <title>: read out by screen readers


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: tuple[Bar, ...]
    ticks: tuple[tuple[float, str], ...]  # (x, text) under groups


def recall_chart(lessons: list[tuple[str, tuple[float | None, ...]]], height: int = 140) -> Chart:
    """Grouped bars: predicted recall at the next day starts of ``HORIZON_NAMES`` per
    lesson (0–100 %)."""
    group, bar, top, bottom = 90, 22, 10, 24
    plot = height - top - bottom
    bars: list[Bar] = []
    ticks: list[tuple[float, str]] = []
    names = HORIZON_NAMES
    for i, (title, values) in enumerate(lessons):
        x0 = 40 + i * group
        for j, value in enumerate(values):
            if value is None:
                continue
            h = max(1.0, value * plot)
            bars.append(
                Bar(
                    x0 + j * bar,
                    top + plot - h,
                    bar - 4,
                    h,
                    ("bar-now", "bar-7", "bar-30")[j],
                    f"{title}: {value:.0%} recall {names[j]}",
                )
            )
        ticks.append((x0 + 1.5 * bar, title if len(title) <= 14 else title[:13] + "…"))
    return Chart(max(300, 40 + len(lessons) * group), height, tuple(bars), tuple(ticks))


def forecast_chart(days: list[tuple[str, int]], height: int = 120) -> Chart:
    """One bar per day: reviews falling due."""
    top, bottom, step = 10, 22, 26
    plot = height - top - bottom
    peak = max((n for _, n in days), default=0) or 1
    bars = []
    ticks = []
    for i, (day, count) in enumerate(days):
        h = count / peak * plot
        x = 30 + i * step
        bars.append(Bar(x, top + plot - h, step - 6, h, "bar-due", f"{day}: {count} due"))
        if i % 2 == 0:
            ticks.append((x + (step - 6) / 2, day[5:]))
    return Chart(30 + len(days) * step, height, tuple(bars), tuple(ticks))


def facility_chart(items: list[tuple[str, float]], height: int = 150) -> Chart:
    """One bar per question: the share of credit earned (0–100 %)."""
    top, bottom, step = 10, 40, 34
    plot = height - top - bottom
    bars = []
    ticks = []
    for i, (label, value) in enumerate(items):
        h = max(1.0, value * plot)
        x = 30 + i * step
        bars.append(Bar(x, top + plot - h, step - 8, h, "bar-now", f"{label}: {value:.0%}"))
        ticks.append((x + (step - 8) / 2, label[:6]))
    return Chart(40 + len(items) * step, height, tuple(bars), tuple(ticks))
