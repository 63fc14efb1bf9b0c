"""An answer typed while the login ends is not lost (real Chromium, the app under
gunicorn): the learner writes an answer, the login ends on the server, the answer is
refused, the learner logs in again and is back at the same question with what they wrote
filled in (and told so), sends it, and sees its feedback; the kept copy is then gone.
A logout clears what the browser kept; the next learner on the tab gets nothing of it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import text, update

from course.store.engine import make_engine
from course.store.review import ReviewCard
from tests.e2e.pages import TIMEOUT_MS, follow, new_page, shot
from tests.factories import COURSE, course_copy
from tests.servers import course, free_port, instance_env, serve, stop

expect.set_options(timeout=TIMEOUT_MS)
PASSWORD = "a learner passphrase"
QUIZ = """id: kept-quiz
title: Answers that survive a logout
lesson: soviet-union-ww2
feedback: immediate
shuffle: false
questions:
  - id: q1
    type: text
    prompt: Which island north of Japan did Soviet forces occupy in 1945?
    answer: Sakhalin
  - id: q2
    type: choice
    prompt: In which month of 1945 did the Soviet Union declare war on Japan?
    choices: [July, August, September]
    answer: August
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    base = tmp_path_factory.mktemp("e2e-kept")
    content = course_copy(base / "content")
    (content / "quizzes" / "kept.yaml").write_text(QUIZ, encoding="utf-8")
    env = instance_env(base / "instance", content)
    course(env, "init", "--no-demo")
    for email in ("kim@example.org", "lea@example.org"):
        course(env, "create-user", email, "--password", PASSWORD)
    engine = make_engine(f"sqlite:///{base / 'instance' / 'course.db'}")
    port = free_port()
    proc = serve(env, port)
    try:
        yield {"url": f"http://127.0.0.1:{port}", "engine": engine}
    finally:
        stop(proc)
        engine.dispose()


def log_in(page: Any, email: str) -> None:
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    follow(page, "button:has-text('Log in')")


def kept_entries(page: Any) -> list[str]:
    return list(
        page.evaluate("Object.keys(sessionStorage).filter(k => k.startsWith('course-answer:'))")
    )


def test_answer_typed_while_the_login_ends_comes_back(site: dict[str, Any], browser: Any) -> None:
    base = site["url"]
    page = new_page(browser, viewport={"width": 1280, "height": 900})
    page.goto(f"{base}/login")
    log_in(page, "kim@example.org")
    page.goto(f"{base}/courses/{COURSE}/quizzes/kept-quiz")
    follow(page, "button:has-text('Start')")
    expect(page.locator("h1")).to_have_text(re.compile("Question 1"))
    attempt_url = page.url
    expect(page.locator("#answer-kept")).to_be_hidden()
    page.fill("input[name='q-1']", "  sakhalin island ")

    # The login ends on the server while the learner writes (as after the idle limit,
    # or a password change on another device); the browser still has its cookie.
    with site["engine"].begin() as connection:
        connection.execute(text("DELETE FROM user_sessions"))
    follow(page, "button:has-text('Check answer')")
    expect(page.locator("h1")).to_have_text("Log in")
    expect(page.locator("body")).to_contain_text("what you sent was not saved")
    log_in(page, "kim@example.org")
    assert page.url == attempt_url
    expect(page.locator("h1")).to_have_text(re.compile("Question 1"))
    expect(page.locator("#answer-kept")).to_be_visible()
    expect(page.locator("input[name='q-1']")).to_have_value("  sakhalin island ")
    shot(page, "answer-kept-after-login")

    follow(page, "button:has-text('Check answer')")
    expect(page.locator(".feedback")).to_contain_text("Your answer")
    assert kept_entries(page) == []

    # The same on the review page: the card of question 1, made due as if days passed.
    with site["engine"].begin() as connection:
        connection.execute(update(ReviewCard).values(due=datetime(2001, 1, 1, tzinfo=UTC)))
    page.goto(f"{base}/review")
    page.fill("input[name^='q-']", "Sakhalin")
    with site["engine"].begin() as connection:
        connection.execute(text("DELETE FROM user_sessions"))
    follow(page, "button:has-text('Check answer')")
    expect(page.locator("body")).to_contain_text("what you sent was not saved")
    log_in(page, "kim@example.org")
    assert page.url == f"{base}/review"
    expect(page.locator("#answer-kept")).to_be_visible()
    expect(page.locator("input[name^='q-']")).to_have_value("Sakhalin")
    follow(page, "button:has-text('Check answer')")
    expect(page.locator(".feedback")).to_contain_text("Your answer")
    assert kept_entries(page) == []
    page.goto(attempt_url)

    # Another account logging in on this tab after a login ended (no logout) gets
    # nothing of what was kept: its first page drops the other account's entries.
    page.goto(attempt_url)
    page.check("label:has-text('August') input")
    assert len(kept_entries(page)) == 1
    with site["engine"].begin() as connection:
        connection.execute(text("DELETE FROM user_sessions"))
    page.goto(f"{base}/login")
    log_in(page, "lea@example.org")
    assert kept_entries(page) == []
    page.goto(f"{base}/account")
    follow(page, "button:has-text('Log out')")
    page.goto(f"{base}/login")
    log_in(page, "kim@example.org")
    page.goto(attempt_url)

    # A choice is kept the same way, until the learner logs out: the next person at the
    # computer finds nothing of it, in the browser or on the page.
    expect(page.locator("h1")).to_have_text(re.compile("Question 2"))
    page.check("label:has-text('August') input")
    assert len(kept_entries(page)) == 1
    page.goto(f"{base}/account")
    follow(page, "button:has-text('Log out')")
    assert kept_entries(page) == []
    page.goto(f"{base}/login")
    log_in(page, "lea@example.org")
    page.goto(f"{base}/courses/{COURSE}/quizzes/kept-quiz")
    follow(page, "button:has-text('Start')")
    expect(page.locator("h1")).to_have_text(re.compile("Question 1"))
    expect(page.locator("#answer-kept")).to_be_hidden()
    expect(page.locator("input[name='q-1']")).to_have_value("")
    not_hers = page.goto(attempt_url)
    assert not_hers is not None and not_hers.status == 404
    page.context.close()
