"""A shared computer in a real browser (THREATS 41): log in with "keep me logged in",
log out, and neither the next person at the computer nor someone holding a copy of
the cookies gets back into the account."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.servers import course, free_port, instance_env, serve, stop

PASSWORD = "a shared computer passphrase"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    env = instance_env(tmp_path_factory.mktemp("shared") / "instance")
    course(env, "init")
    course(env, "create-user", "kim@example.org", "--password", PASSWORD)
    port = free_port()
    proc = serve(env, port, workers=1)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(proc)


def test_logout_on_a_shared_computer(server: str, browser: Any) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto(server + "/login")
    page.fill("#email", "kim@example.org")
    page.fill("#password", PASSWORD)
    page.check("#remember")
    page.click("button:has-text('Log in')")
    page.wait_for_url(server + "/")
    copied = context.cookies()
    assert {c["name"] for c in copied} >= {"session", "remember_token"}
    page.goto(server + "/account")
    assert page.locator("h1").inner_text() == "Your account"

    page.click("button:has-text('Log out')")
    page.wait_for_url(server + "/")
    page.wait_for_selector("text=You are logged out.")
    assert "remember_token" not in {c["name"] for c in context.cookies()}
    # The next person at the computer, even after closing and reopening the tab.
    page.close()
    again = context.new_page()
    again.goto(server + "/account")
    again.wait_for_url(re.compile(r"/login\?next="))
    assert again.locator("h1").inner_text() == "Log in"

    # Someone who copied the cookies before the logout gets nothing either.
    thief = browser.new_context()
    thief.add_cookies(copied)
    stolen = thief.new_page()
    stolen.goto(server + "/account")
    stolen.wait_for_url(re.compile(r"/login\?next="))
    assert stolen.locator("h1").inner_text() == "Log in"
    thief.close()
    context.close()
