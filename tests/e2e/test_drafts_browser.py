"""Drafts in a real browser (Debian's Chromium through Playwright, the app served by
gunicorn): the instructor's file list marks a draft lesson and quiz and opens their
previews; screenshots go to test-artifacts/. Each step waits for the page it needs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.factories import COURSE, REPO, course_copy
from tests.servers import course, free_port, instance_env, serve, stop

ARTIFACTS = REPO / "test-artifacts"
PASSWORD = "author password 1"
TIMEOUT_MS = 60_000
expect.set_options(timeout=TIMEOUT_MS)
BODY = "This lesson is still being written."
LESSON = f"---\nid: secret\ntitle: A lesson not yet ready\ndraft: true\n---\n\n{BODY}\n"
QUIZ = """id: secret-quiz
title: A quiz not yet ready
lesson: secret
draft: true
questions:
  - id: secret-year
    type: date
    prompt: In which year did the war in Europe end?
    answer: "1945"
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    base = tmp_path_factory.mktemp("e2e-drafts")
    content = course_copy(base / "content")
    (content / "lessons" / "secret.md").write_text(LESSON, encoding="utf-8")
    (content / "quizzes" / "secret.yaml").write_text(QUIZ, encoding="utf-8")
    env = instance_env(base / "instance", content)
    course(env, "init", "--no-demo")
    course(env, "create-user", "author@example.org", "--role", "instructor", "--password", PASSWORD)
    port = free_port()
    state = {"env": env, "port": port, "proc": serve(env, port)}
    try:
        yield state
    finally:
        stop(state["proc"])


def test_author_sees_drafts_marked_and_previews_them(browser: Any, site: dict[str, Any]) -> None:
    base = f"http://127.0.0.1:{site['port']}"
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(f"{base}/login")
    page.fill("#email", "author@example.org")
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("button:has-text('Log in')")
    page.goto(f"{base}/teach")
    page.fill("#name", "History 9B")  # authors of a course are its instructors
    with page.expect_navigation():
        page.click("button:has-text('Create class')")
    page.goto(f"{base}/teach/courses/{COURSE}/author")
    for path in ("lessons/secret.md", "quizzes/secret.yaml"):
        expect(page.locator(f"tr:has-text('{path}') .draft-mark")).to_have_text("draft")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "41-author-drafts.png"), full_page=True)

    with page.expect_navigation():
        page.click("tr:has-text('lessons/secret.md') >> text=Preview")
    expect(page.locator("body")).to_contain_text("Draft — not shown to learners")
    expect(page.locator("main")).to_contain_text(BODY)
    page.screenshot(path=str(ARTIFACTS / "42-draft-lesson-preview.png"), full_page=True)
    learners_url = page.goto(f"{base}/courses/{COURSE}/lessons/secret")
    assert learners_url is not None and learners_url.status == 404
