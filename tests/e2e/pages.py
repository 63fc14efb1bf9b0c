"""What every browser test does with a page: open one with generous timeouts, follow a
link or button until the next page has loaded, keep a screenshot in test-artifacts/.

Not a test module: the browser tests import these helpers from here."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from course.store.engine import make_engine
from tests.factories import REPO
from tests.servers import course, free_port, instance_env, serve, stop

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


@contextmanager
def bundled_site(base: Path, workers: int = 1) -> Iterator[tuple[str, Engine]]:
    """A copy of the bundled course in ``base``, set up with `course init` and served by
    gunicorn: (its address, an engine on its database for seeding and checks)."""
    content = base / "content"
    for folder in ("lessons", "quizzes", "media"):
        shutil.copytree(REPO / folder, content / folder)
    shutil.copy(REPO / "course.yaml", content / "course.yaml")
    env = instance_env(base / "instance", content)
    course(env, "init", "--no-demo")
    engine = make_engine(f"sqlite:///{base / 'instance' / 'course.db'}")
    proc = serve(env, port := free_port(), workers=workers)
    try:
        yield f"http://127.0.0.1:{port}", engine
    finally:
        stop(proc)
        engine.dispose()
