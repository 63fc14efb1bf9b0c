"""A key fix as the learner and the instructor see it in a real browser (Debian's
Chromium through Playwright, the real app under gunicorn): after the fixes, the
learner's results show the new key as "Expected", say when they were regraded, and note
the score a fix kept; the item page lists every accepted answer and a readable diff.
Screenshots go to test-artifacts/."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from course.clock import FixedClock
from course.grading.keyfix import FixKind, KeyFix
from course.services import classes, keyfix
from course.store.content import QuestionRow
from course.store.engine import make_sessionmaker
from course.store.users import Role
from tests.e2e.pages import TIMEOUT_MS, bundled_site, shot
from tests.e2e.test_dispute_journey import log_in, part
from tests.factories import COURSE, KEYS, QUIZ, make_actor, make_class, take_quiz

expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Engine]]:
    with bundled_site(tmp_path_factory.mktemp("e2e-keyfix"), workers=1) as site:
        yield site


def seed_and_fix(engine: Engine) -> tuple[int, int]:
    """Kim answered every question right (the bundled keys); then the year of the Korean
    war becomes 1951 (Kim's 1950 lowered, as the instructor allowed) and the earlier war
    becomes the Winter War (Kim's higher score kept). Returns (attempt, class id)."""
    session: Session = make_sessionmaker(engine)()
    clock = FixedClock(datetime.now(UTC))
    teacher = make_actor(
        session, clock, "teacher@example.org", Role.INSTRUCTOR, display_name="Ms Tan"
    )
    class_id, code = make_class(session, clock, teacher, "History 9B")
    kim = make_actor(session, clock, "kim@example.org", Role.LEARNER, display_name="Kim")
    classes.join(session, clock, kim, code)
    attempt = take_quiz(session, clock, kim.id, fuzz=False)
    with session.begin():
        ids = dict(session.execute(select(QuestionRow.slug, QuestionRow.id)).all())
    later = clock.now() + timedelta(minutes=10)
    year = KeyFix(FixKind.SET_ANSWER, "1951")
    keyfix.apply_fix(
        session, teacher, COURSE, ids["korean-war-year"], year, now=later, allow_lower=True
    )
    war = KeyFix(FixKind.MARK_CHOICES, choices=("The Winter War",))
    keyfix.apply_fix(session, teacher, COURSE, ids["earlier-war"], war, now=later)
    sakhalin = KeyFix(FixKind.PREFER_TEXT, "Sakhalin Island")
    keyfix.apply_fix(session, teacher, COURSE, ids["north-of-japan"], sakhalin, now=later)
    session.close()
    return attempt, class_id


def test_results_and_item_page_after_key_fixes(served: tuple[str, Engine], browser: Any) -> None:
    server, engine = served
    attempt, class_id = seed_and_fix(engine)
    kim = log_in(browser, server, "kim@example.org")
    kim.goto(f"{server}/attempts/{attempt}/results")
    expect(kim.locator(".hero .meta")).to_contain_text("regraded on")
    expect(kim.locator(".hero .meta")).to_contain_text("after a key fix")
    year = kim.locator(f"#answer-{KEYS['korean-war-year']}")
    expect(year.locator(".expected")).to_have_text("Expected: 1951")
    expect(year.locator(".score-change")).not_to_contain_text("regrade after key fix:")
    war = kim.locator(f"#answer-{KEYS['earlier-war']}")
    expect(war).to_contain_text("your score was kept")
    expect(war.locator(".expected")).to_have_count(0)
    shot(kim, "keyfix-results")
    part(kim.locator(".hero"), "keyfix-results-header")
    part(year, "keyfix-results-lowered")
    part(war, "keyfix-results-kept")

    teacher = log_in(browser, server, "teacher@example.org")
    base = f"{server}/teach/classes/{class_id}/quizzes/{QUIZ}/questions"
    teacher.goto(f"{base}/north-of-japan")
    newest = teacher.locator(".card").first
    expect(newest).to_contain_text("also accepted: “Sakhalin”")
    expect(newest.locator("pre.diff")).to_contain_text("+answer: [Sakhalin Island, Sakhalin]")
    shot(teacher, "keyfix-item-sakhalin")
    teacher.goto(f"{base}/earlier-war")
    diff = teacher.locator("pre.diff").first
    expect(diff).to_contain_text("+choices: {text: The Winter War, correct: true}")
    expect(diff).not_to_contain_text("line:")
    shot(teacher, "keyfix-item-choice")
    teacher.goto(f"{base}/korean-war-year")
    diff = teacher.locator("pre.diff").first
    expect(diff).to_contain_text("+answer: 1951")
    expect(diff).to_contain_text("+examples: {response: '1951', score: 1}")
    expect(diff).not_to_contain_text("1950.0")
    shot(teacher, "keyfix-item-year")
