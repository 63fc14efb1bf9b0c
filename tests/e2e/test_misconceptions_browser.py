"""The misconception report, an item's page and a learner's "a common confusion" in a
real browser (Debian's Chromium through Playwright, the app served by gunicorn), over a
class seeded through the services across three weeks; screenshots go to
test-artifacts/."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from course.clock import FixedClock
from course.services import classes
from course.store.engine import make_engine, make_sessionmaker
from tests.e2e.pages import ARTIFACTS, TIMEOUT_MS, new_page, shot
from tests.factories import (
    PASSWORD,
    QUIZ,
    make_class,
    make_instructor,
    make_learner,
    tagged_root,
    take_quiz,
)
from tests.servers import course, free_port, instance_env, serve, stop

expect.set_options(timeout=TIMEOUT_MS)
# (name, week, wrong questions, typed army) — three weeks of a class of eight.
TAKES = [
    ("Ann Petrova", 0, ["spy-location", "interned"], "Imperial Guard"),
    ("Ben Okafor", 0, ["spy-location"], "Zhukov"),
    ("Cy Lindqvist", 0, [], "Zhukov"),
    ("Di Moreau", 0, ["spy-location"], None),
    ("Eve Santos", 1, ["interned"], "Imperial Guard"),
    ("Fu Wen", 1, [], "Zhukov"),
    ("Gil Haddad", 2, ["spy-location"], None),
    ("Ann Petrova", 2, [], None),
    ("Hal Becker", 2, [], None),
]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    base = tmp_path_factory.mktemp("e2e-misconceptions")
    env = instance_env(base / "instance", tagged_root(base))
    course(env, "init", "--no-demo")
    engine = make_engine(f"sqlite:///{base / 'instance' / 'course.db'}")
    session = make_sessionmaker(engine)()
    clock = FixedClock(datetime(2026, 2, 2, 9, tzinfo=UTC))
    teacher = make_instructor(session, clock)
    class_id, code = make_class(session, clock, teacher, "History 9B")
    learners: dict[str, Any] = {}
    attempts: dict[str, int] = {}
    for name, week, wrong, army in TAKES:
        start = datetime(2026, 2, 2, 9, tzinfo=UTC) + timedelta(weeks=week)
        clock.advance(max(timedelta(0), start - clock.now()))
        if name not in learners:
            email = f"{name.split()[0].lower()}@example.org"
            learners[name] = make_learner(session, clock, email, display_name=name)
            classes.join(session, clock, learners[name], code)
        answers = {"manchuria-garrison": army} if army else None
        attempts[name] = take_quiz(session, clock, learners[name].id, wrong=wrong, answers=answers)
    session.close()
    engine.dispose()
    port = free_port()
    state = {"port": port, "proc": serve(env, port), "class_id": class_id, "attempts": attempts}
    try:
        yield state
    finally:
        stop(state["proc"])


def axe_violations(page: Any) -> list[str]:
    """axe-core's WCAG A/AA and best-practice violations of the loaded page."""
    tags = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
    options = {"resultTypes": ["violations"], "runOnly": {"type": "tag", "values": tags}}
    found = Axe().run(page, options=options).response["violations"]
    return [f"{v['id']} at {[n['target'] for n in v['nodes']][:3]}" for v in found]


def login(browser: Any, base: str, email: str) -> Any:
    page = new_page(browser, viewport={"width": 1280, "height": 900})
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("button:has-text('Log in')")
    return page


def test_report_item_page_and_learner_confusion(browser: Any, site: dict[str, Any]) -> None:
    base = f"http://127.0.0.1:{site['port']}"
    page = login(browser, base, "teacher@example.org")
    page.goto(f"{base}/teach/classes/{site['class_id']}")
    with page.expect_navigation():
        page.click("text=Misconceptions")
    with page.expect_navigation():
        page.click("nav[aria-label=Quizzes] >> text=The Soviet Union in World War II")
    front = page.locator("#m-wrong-front")
    expect(front).to_contain_text("shown by 4 of 8 learners")
    expect(front.locator("svg.chart rect")).to_have_count(3)
    expect(front.locator("tr:has-text('Ann Petrova')")).to_contain_text("answered differently")
    expect(page.locator("#candidates + p + section")).to_contain_text("“Zhukov” — 3 of 8")
    assert axe_violations(page) == []
    shot(page, "51-misconception-report")

    with page.expect_navigation():
        page.click("#candidates ~ section >> a:has-text('manchuria-garrison')")
    expect(page.locator("h1")).to_contain_text("Which Japanese army")
    expect(page.locator("main")).to_contain_text("Version 1")
    expect(page.locator("table")).to_contain_text("“zhukov” ×3")
    assert axe_violations(page) == []
    shot(page, "52-item-history")

    learner = login(browser, base, "ann@example.org")
    learner.goto(f"{base}/attempts/{site['attempts']['Ann Petrova']}/results")
    expect(learner.locator("main")).not_to_contain_text("A common confusion")  # all right
    first = learner.goto(f"{base}/courses/ww2-soviet-union/quizzes/{QUIZ}")
    assert first is not None and first.status == 200
    ben = login(browser, base, "ben@example.org")
    ben.goto(f"{base}/attempts/{site['attempts']['Ben Okafor']}/results")
    confusion = ben.locator(".confusion")
    expect(confusion).to_have_count(1)
    expect(confusion).to_contain_text("A common confusion: Thinks Stalin's news of Japan")
    with ben.expect_navigation():
        confusion.locator("a").click()
    assert ben.url.endswith("#the-spy-in-tokyo-and-the-siberian-divisions")
    ben.go_back()
    assert axe_violations(ben) == []
    shot(ben, "53-results-confusion")
    ARTIFACTS.mkdir(exist_ok=True)
    card = ben.locator("section.card:has(.confusion)")
    card.screenshot(path=str(ARTIFACTS / "54-confusion.png"))


def test_report_fits_a_phone(browser: Any, site: dict[str, Any]) -> None:
    base = f"http://127.0.0.1:{site['port']}"
    page = login(browser, base, "teacher@example.org")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/teach/classes/{site['class_id']}/quizzes/{QUIZ}/misconceptions")
    expect(page.locator("#m-wrong-front")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "phone-misconception-report")
