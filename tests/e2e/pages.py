"""What every browser test does with a page: open one with generous timeouts, follow a
link or button until the next page has loaded, keep a screenshot in test-artifacts/.

Not a test module: the browser tests import these helpers from here."""

from __future__ import annotations

from typing import Any

from tests.factories import REPO

# Waits are on events (navigation, `expect`), never on time; this only bounds them on a
# loaded machine.
TIMEOUT_MS = 60_000
ARTIFACTS = REPO / "test-artifacts"


def new_page(browser: Any, **options: Any) -> Any:
    page = browser.new_context(**options).new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.set_default_navigation_timeout(TIMEOUT_MS)
    return page


def follow(page: Any, selector: str) -> None:
    """Click a link or submit button and wait until the page it leads to has loaded."""
    with page.expect_navigation():
        page.click(selector)


def shot(page: Any, name: str) -> None:
    """A full-page screenshot, ``test-artifacts/<name>.png``."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
