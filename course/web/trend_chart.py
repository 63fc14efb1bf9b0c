"""The misconception report's weekly trend: one small bar chart per misconception."""

from __future__ import annotations

from datetime import date

from course.web.charts import Bar, Chart


def weekly_share_chart(
    slug: str, weeks: tuple[tuple[date, int, int], ...], height: int = 90
) -> Chart:
    """One bar per week (Monday): the share of the learners answering a question that
    can show the misconception who showed it that week; no bar where nobody answered.
    Every row of a report has the same weeks, so their charts line up."""
    top, bottom = 8, 22
    step = 56 if len(weeks) <= 6 else 28  # at most 12 weeks: about 380 wide either way
    plot = height - top - bottom
    bars = []
    ticks = []
    for i, (monday, showed, answered) in enumerate(weeks):
        x = 30 + i * step
        if answered:
            share = showed / answered
            h = max(1.0, share * plot)
            label = f"{slug}, week of {monday.isoformat()}: {showed} of {answered} learners"
            bars.append(Bar(x, top + plot - h, 20, h, "bar-now", label))
        if step == 56 or i % 2 == 0:
            ticks.append((x + 10, monday.strftime("%d %b")))
    return Chart(max(360, 40 + len(weeks) * step), height, tuple(bars), tuple(ticks))
