"""An instructor edits the course in a real browser (Debian's Chromium through
Playwright) against the real app served by gunicorn: the file list, the editor with its
line numbers and errors beside them, the real preview, history with a diff, revert, and
a restart after a "reinstall" that keeps the web edit. Screenshots go to test-artifacts/.

Each step waits for the page it needs (navigation or a Playwright `expect`), never for a
length of time."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import ARTIFACTS, TIMEOUT_MS, follow, shot
from tests.factories import COURSE, course_copy
from tests.servers import course, free_port, instance_env, serve, stop

expect.set_options(timeout=TIMEOUT_MS)
LESSON = "lessons/soviet-union-ww2.md"
MARK = "This paragraph was written in the browser."
QUIZ = """id: browser-quiz
title: Written in the browser
lesson: soviet-union-ww2
questions:
  - id: b-year
    type: number
    prompt: In which year did the Soviet Union declare war on Japan?
    answer: 1945
    explanation: In August 1945, three months after Germany surrendered.
    examples:
      - {response: "1945", score: 1}
      - {response: "1904", score: 0}
  - id: b-city
    type: choice
    prompt: Which Manchurian city did Soviet airborne troops take on 18 August 1945?
    choices:
      - {text: Harbin, correct: true}
      - Vladivostok
      - Port Arthur
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    base = tmp_path_factory.mktemp("e2e-authoring")
    content = course_copy(base / "content")
    env = instance_env(base / "instance", content)
    course(env, "init", "--no-demo")
    course(
        env,
        "create-user",
        "author@example.org",
        "--role",
        "instructor",
        "--password",
        "author password 1",
    )
    port = free_port()
    state = {"env": env, "content": content, "port": port, "proc": serve(env, port)}
    try:
        yield state
    finally:
        stop(state["proc"])


def url(site: dict[str, Any], path: str) -> str:
    return f"http://127.0.0.1:{site['port']}{path}"


def logged_in(browser: Any, site: dict[str, Any]) -> Any:
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(url(site, "/login"))
    page.fill("#email", "author@example.org")
    page.fill("#password", "author password 1")
    follow(page, "button:has-text('Log in')")
    return page


def test_edit_preview_history_revert_and_restart(browser: Any, site: dict[str, Any]) -> None:
    page = logged_in(browser, site)
    page.goto(url(site, "/teach"))
    page.fill("#name", "History 9B")  # authors of a course are its instructors
    follow(page, "button:has-text('Create class')")
    page.goto(url(site, f"/teach/courses/{COURSE}/author"))
    expect(page.locator("table")).to_contain_text(LESSON)
    shot(page, "21-author-files")

    follow(page, f"tr:has-text('{LESSON}') >> text=Edit")
    textarea = page.locator(".editor textarea")
    original = textarea.input_value()
    lines = original.count("\n") + 1
    expect(page.locator(".editor .gutter span")).to_have_count(lines)
    textarea.fill(original.replace("title:", "titel:", 1))
    textarea.press("Control+End")
    textarea.type(f"\n\n{MARK}")
    expect(page.locator(".editor .gutter span")).to_have_count(lines + 2)  # the script
    follow(page, "button:has-text('Check and preview')")
    expect(page.locator(".source-lines")).to_contain_text("missing required key 'title'")
    bad = page.locator(".source-lines li.bad").count()
    expect(page.locator(".editor .gutter span.bad")).to_have_count(bad)
    assert MARK in textarea.input_value()  # the text survives the error
    shot(page, "22-editor-errors")
    box = page.locator(".editor").bounding_box()
    page.screenshot(
        path=str(ARTIFACTS / "22b-editor-gutter.png"),
        clip={"x": box["x"], "y": box["y"], "width": 700, "height": 300},
    )

    textarea.fill(textarea.input_value().replace("titel:", "title:", 1))
    page.fill("#message", "A paragraph for the class")
    follow(page, "button:has-text('Check and preview')")
    expect(page.locator(".flash")).to_contain_text("No problems found")
    expect(page.locator(".preview-frame")).to_contain_text(MARK)
    shot(page, "23-editor-preview")
    follow(page, "button:has-text('Publish')")
    expect(page.locator("body")).to_contain_text("as version 2")

    page.goto(url(site, f"/teach/courses/{COURSE}/author"))
    page.fill("#filename", "browser-quiz.yaml")
    page.fill("#text", QUIZ)
    follow(page, "button:has-text('Check and preview')")
    expect(page.locator(".author-only")).to_have_count(2)
    expect(page.locator("fieldset.question")).to_have_count(2)
    shot(page, "24-quiz-preview")

    page.goto(url(site, f"/teach/courses/{COURSE}/files/{LESSON}/history"))
    expect(page.locator("tbody tr")).to_have_count(2)
    shot(page, "25-history")
    follow(page, "a:has-text('changes')")
    expect(page.locator("pre.diff .add")).to_contain_text([MARK])
    shot(page, "26-diff")
    page.go_back()
    follow(page, "button:has-text('Bring back version 1')")
    expect(page.locator("tbody tr")).to_have_count(3)
    expect(page.locator("body")).to_contain_text("Revert to version 1")
    page.goto(url(site, f"/teach/courses/{COURSE}/files/{LESSON}/history"))
    follow(page, "button:has-text('Bring back version 2')")  # the edit again
    expect(page.locator("tbody tr")).to_have_count(4)

    # Reinstall (the content root comes back pristine) and restart on the same database.
    stop(site["proc"])
    shutil.rmtree(site["content"])
    course_copy(site["content"])
    site["proc"] = serve(site["env"], site["port"])
    reader = browser.new_context().new_page()
    reader.goto(url(site, f"/courses/{COURSE}/lessons/soviet-union-ww2"))
    expect(reader.locator("article")).to_contain_text(MARK)
    shot(reader, "27-lesson-after-restart")
