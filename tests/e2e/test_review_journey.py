"""The review page in a real browser (Debian's Chromium through Playwright) against the
real app under gunicorn: miss a card, see the other cards first and then the wait
message, change the rating with the keyboard, undo, set a card aside and bring it back.

The learner's quiz is taken through the services beforehand and their cards are made
due (as if days had passed), so the journey starts at the review page; the course has
no learn-ahead, so a card waiting for its step shows the wait message. Screenshots go
to test-artifacts/."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from course.clock import FixedClock
from course.content.model import (
    AnyQuestion,
    ChoiceQuestion,
    MatchQuestion,
    MultiChoiceQuestion,
    OrderQuestion,
    TrueFalseQuestion,
)
from course.store.engine import make_engine, make_sessionmaker
from course.store.review import ReviewCard, ReviewLog
from tests.e2e.pages import TIMEOUT_MS, shot
from tests.factories import (
    PASSWORD,
    REPO,
    bundled_questions,
    card_slug,
    form_answer,
    make_user,
    take_quiz,
)
from tests.servers import course, free_port, instance_env, serve, stop

QUESTIONS = bundled_questions()
expect.set_options(timeout=TIMEOUT_MS)
EMAIL = "rita@example.org"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Engine]]:
    base = tmp_path_factory.mktemp("e2e-review")
    content = base / "content"
    shutil.copytree(REPO / "lessons", content / "lessons")
    shutil.copytree(REPO / "quizzes", content / "quizzes")
    shutil.copytree(REPO / "media", content / "media")
    course_yaml = (REPO / "course.yaml").read_text(encoding="utf-8")
    (content / "course.yaml").write_text(course_yaml + "learn_ahead_minutes: 0\n", "utf-8")
    env = instance_env(base / "instance", content)
    course(env, "init", "--no-demo")
    engine = make_engine(f"sqlite:///{base / 'instance' / 'course.db'}")
    port = free_port()
    proc = serve(env, port, workers=2)
    try:
        yield f"http://127.0.0.1:{port}", engine
    finally:
        stop(proc)
        engine.dispose()


def learner_with_due_cards(engine: Engine) -> None:
    """A learner who took the quiz yesterday; every card is now in review and due."""
    session: Session = make_sessionmaker(engine)()
    clock = FixedClock(datetime.now(UTC) - timedelta(days=1))
    user = make_user(session, clock, EMAIL).id
    take_quiz(session, clock, user, fuzz=False)
    with session.begin():
        session.execute(
            update(ReviewCard).values(
                state=2, step=None, due=datetime.now(UTC) - timedelta(hours=1)
            )
        )
    session.close()


def shown_card(page: Any) -> int:
    action = page.locator("form[action^='/review/']").first.get_attribute("action")
    return int(re.fullmatch(r"/review/(\d+)", action).group(1))  # type: ignore[union-attr]


def fill(page: Any, question: AnyQuestion, right: bool) -> None:
    """Answer the review form's question (fields keyed ``r``) as a person would."""
    for name, value in form_answer(question, right, key="r").items():
        match question:
            case ChoiceQuestion() | TrueFalseQuestion():
                page.check(f'input[name="{name}"][value="{value}"]')
            case MultiChoiceQuestion():
                for one in value:
                    page.check(f'input[name="{name}"][value="{one}"]')
            case OrderQuestion() | MatchQuestion():
                page.select_option(f'select[name="{name}"]', value)
            case _:
                page.fill(f'input[name="{name}"]', value)


def answer_card(page: Any, engine: Engine, right: bool) -> int:
    card = shown_card(page)
    with make_sessionmaker(engine)() as session:
        fill(page, QUESTIONS[card_slug(session, card)], right)
    page.click("button:has-text('Check answer')")
    expect(page.locator(".feedback")).to_have_count(1)  # the feedback page has loaded
    return card


def next_card(page: Any) -> None:
    page.click("#next-card")
    expect(page.locator("#rate-form")).to_have_count(0)  # the next page has loaded


def review_logs(engine: Engine, card: int) -> list[int]:
    with make_sessionmaker(engine)() as session:
        return list(
            session.scalars(
                select(ReviewLog.rating).where(
                    ReviewLog.card_id == card, ReviewLog.source == "review"
                )
            )
        )


def test_review_journey(served: tuple[str, Engine], browser: Any) -> None:
    server, engine = served
    learner_with_due_cards(engine)
    page = browser.new_context(viewport={"width": 1100, "height": 900}).new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.set_default_navigation_timeout(TIMEOUT_MS)
    page.goto(server + "/login")
    page.fill("#email", EMAIL)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("button:has-text('Log in')")
    page.goto(server + "/review")

    # Miss the first card: Again is suggested; the keyboard changes the rating.
    missed = answer_card(page, engine, right=False)
    pressed = page.locator("button[name=rating][aria-pressed=true]")
    expect(pressed).to_contain_text("Again")
    shot(page, "review-feedback")
    page.keyboard.press("2")
    expect(page.locator("#rate-status")).to_contain_text("Rated Hard")
    expect(pressed).to_contain_text("Hard")
    page.keyboard.press("1")
    expect(page.locator("#rate-status")).to_contain_text("Rated Again")
    expect(pressed).to_contain_text("Again")
    assert review_logs(engine, missed) == [1]  # one answer, one review, rated last

    # Every other card comes first; the missed one waits for its 10-minute step.
    seen: list[int] = []
    undone = False
    next_card(page)
    while page.locator("button:has-text('Check answer')").count():
        seen.append(answer_card(page, engine, right=True))
        assert seen[-1] != missed
        if len(seen) == 3 and not undone:  # undo one: the same card comes back as it was
            undone = True
            with page.expect_navigation():
                page.click("button:has-text('Undo last review')")
            expect(page.locator("body")).to_contain_text("Review undone")
            assert shown_card(page) == seen[-1] and review_logs(engine, seen[-1]) == []
            seen.pop()
            continue
        next_card(page)
    assert len(set(seen)) == len(QUESTIONS) - 1
    expect(page.locator("#next-ready")).to_contain_text(re.compile(r"Next card in \d+ minutes?"))
    shot(page, "review-next-card-in")

    # Ten minutes later (its step passed) it is back; set it aside, then bring it back.
    with make_sessionmaker(engine)() as session, session.begin():
        session.execute(
            update(ReviewCard)
            .where(ReviewCard.id == missed)
            .values(due=datetime.now(UTC) - timedelta(minutes=1))
        )
    page.goto(server + "/review")
    assert shown_card(page) == missed
    answer_card(page, engine, right=True)
    with page.expect_navigation():
        page.click("button:has-text('Set this card aside')")
    expect(page.locator("#set-aside")).to_contain_text("Bring back")
    shot(page, "review-set-aside")
    with page.expect_navigation():
        page.click("#set-aside button:has-text('Bring back')")
    expect(page.locator("body")).to_contain_text("Card back in your reviews")
    expect(page.locator("#set-aside")).to_have_count(0)
    with make_sessionmaker(engine)() as session:
        suspended = session.scalar(select(func.count()).where(ReviewCard.suspended.is_not(None)))
    assert suspended == 0
    page.context.close()
