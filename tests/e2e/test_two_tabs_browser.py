"""Two tabs on one end-of-quiz attempt in a real browser (Debian's Chromium through
Playwright, the app served by gunicorn): the stale tab's autosave and its submit are
refused with a message to reload, and the other tab's answers stay saved.
Screenshots go to test-artifacts/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import TIMEOUT_MS, follow, new_page, shot
from tests.factories import course_copy, end_mode, field
from tests.servers import course, free_port, instance_env, serve, stop

expect.set_options(timeout=TIMEOUT_MS)
QUIZ = "/courses/end-course/quizzes/soviet-union-ww2-quiz"
STALE = "Not saved: this attempt was changed in another tab"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    base: Path = tmp_path_factory.mktemp("e2e-tabs")
    content = course_copy(base / "content", "end-course", end_mode)
    env = instance_env(base / "instance", content)
    course(env, "init", "--no-demo")
    port = free_port()
    proc = serve(env, port)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(proc)


def _type(page: Any, slug: str, value: str) -> None:
    box = page.locator(f'input[name="{field(slug)}"]')
    box.fill(value)
    box.dispatch_event("change")


def test_a_stale_tab_does_not_wipe_the_other_tabs_answers(server: str, browser: Any) -> None:
    tab_a = new_page(browser, viewport={"width": 1200, "height": 900})
    tab_a.goto(server + "/signup")
    tab_a.fill("#display_name", "Two Tabs")
    tab_a.fill("#email", "tabs@example.org")
    tab_a.fill("#password", "a good long password")
    follow(tab_a, "button:has-text('Sign up')")
    tab_a.goto(server + QUIZ)
    follow(tab_a, "button:has-text('Start the quiz')")
    tab_b = tab_a.context.new_page()  # the same login, a second tab on the same form
    tab_b.goto(tab_a.url)
    expect(tab_b.locator("#attempt-form")).to_have_count(1)

    _type(tab_a, "north-of-japan", "Sakhalin")
    expect(tab_a.locator("#save-status")).to_have_text("Saved.")
    _type(tab_a, "manchuria-garrison", "Kwantung Army")  # a second save: a new revision
    expect(tab_a.locator("#save-status")).to_have_text("Saved.")

    _type(tab_b, "manchuria-invasion", "9 August 1945")  # the stale tab
    expect(tab_b.locator("#save-status")).to_contain_text(STALE)
    shot(tab_b, "two-tabs-stale-autosave")
    follow(tab_b, "button:has-text('Submit answers')")
    expect(tab_b.locator("body")).to_contain_text(STALE)
    expect(tab_b.locator(f'input[name="{field("manchuria-invasion")}"]')).to_have_value(
        "9 August 1945"
    )

    tab_a.reload()
    expect(tab_a.locator(f'input[name="{field("north-of-japan")}"]')).to_have_value("Sakhalin")
    expect(tab_a.locator(f'input[name="{field("manchuria-garrison")}"]')).to_have_value(
        "Kwantung Army"
    )
    expect(tab_a.locator(f'input[name="{field("manchuria-invasion")}"]')).to_have_value("")
    # Reloading as told brings the latest answers, and what this tab typed is filled
    # in again (kept in the tab), with a note; saving it then keeps both tabs' work.
    tab_b.goto(tab_a.url)
    expect(tab_b.locator("#answer-kept")).to_be_visible()
    expect(tab_b.locator(f'input[name="{field("manchuria-invasion")}"]')).to_have_value(
        "9 August 1945"
    )
    expect(tab_b.locator(f'input[name="{field("north-of-japan")}"]')).to_have_value("Sakhalin")
    shot(tab_b, "two-tabs-stale-reloaded")
    follow(tab_b, "button:has-text('Save answers')")
    tab_a.reload()
    for slug, value in [
        ("north-of-japan", "Sakhalin"),
        ("manchuria-garrison", "Kwantung Army"),
        ("manchuria-invasion", "9 August 1945"),
    ]:
        expect(tab_a.locator(f'input[name="{field(slug)}"]')).to_have_value(value)
    expect(tab_a.locator("#answer-kept")).to_be_hidden()
    tab_a.context.close()


def test_typing_while_the_login_ends_comes_back_after_logging_in(server: str, browser: Any) -> None:
    page = new_page(browser, viewport={"width": 1200, "height": 900})
    page.goto(server + "/signup")
    page.fill("#display_name", "Ends")
    page.fill("#email", "ends@example.org")
    page.fill("#password", "a good long password")
    follow(page, "button:has-text('Sign up')")
    page.goto(server + QUIZ)
    follow(page, "button:has-text('Start the quiz')")
    form_url = page.url
    other = page.context.new_page()  # logging out in another tab ends this tab's login
    other.goto(server + "/account")
    follow(other, "button:has-text('Log out')")
    other.close()
    _type(page, "north-of-japan", "Sakhalin")
    expect(page.locator("#save-status")).to_contain_text("not logged in")
    expect(page.locator("#save-status")).to_contain_text("kept in this tab")
    page.goto(server + "/login")
    page.fill("#email", "ends@example.org")
    page.fill("#password", "a good long password")
    follow(page, "button:has-text('Log in')")
    page.goto(form_url)
    expect(page.locator("#answer-kept")).to_be_visible()
    expect(page.locator(f'input[name="{field("north-of-japan")}"]')).to_have_value("Sakhalin")
    page.context.close()
