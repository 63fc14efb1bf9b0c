"""A dispute in a real browser (Debian's Chromium through Playwright) against the real
app under gunicorn: the learner disputes a wrong answer on the results page, the
instructor reads it in the inbox (question as seen, grading trace, similar answers) and
accepts it for everyone, and the learner's results show the new score, the outcome and
the reason in the audit. Screenshots go to test-artifacts/."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from course.clock import FixedClock
from course.services import classes, throttle
from course.services.limits import DISPUTES_PER_LEARNER
from course.store.engine import make_sessionmaker
from course.store.users import Role
from tests.e2e.pages import ARTIFACTS, TIMEOUT_MS, bundled_site, follow, new_page, shot
from tests.factories import KEYS, PASSWORD, make_actor, make_class, take_quiz

expect.set_options(timeout=TIMEOUT_MS)
SAKHALIN = KEYS["north-of-japan"]
PHONE = {"width": 390, "height": 844}
AXE_OPTIONS = {
    "resultTypes": ["violations"],
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
    },
}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Engine]]:
    with bundled_site(tmp_path_factory.mktemp("e2e-disputes"), workers=2) as site:
        yield site


def seed(engine: Engine) -> dict[str, int]:
    """An instructor's class; Kim typed "Hokkaido" for Sakhalin, Lea "Sakhalin Island"
    and Max "hokkaido." (a classmate's answer that groups with Kim's), Noa "Honshu";
    Ola has used up today's disputes. The attempt of each, by name."""
    session: Session = make_sessionmaker(engine)()
    clock = FixedClock(datetime.now(UTC) - timedelta(hours=2))
    teacher = make_actor(
        session, clock, "teacher@example.org", Role.INSTRUCTOR, display_name="Ms Tan"
    )
    _class_id, code = make_class(session, clock, teacher, "History 9B")
    attempts = {}
    for email, name, typed in [
        ("kim@example.org", "Kim", "Hokkaido"),
        ("lea@example.org", "Lea", "Sakhalin Island"),
        ("max@example.org", "Max", "hokkaido."),
        ("noa@example.org", "Noa", "Honshu"),
        ("ola@example.org", "Ola", "Kyushu"),
    ]:
        learner = make_actor(session, clock, email, Role.LEARNER, display_name=name)
        classes.join(session, clock, learner, code)
        attempts[name] = take_quiz(
            session, clock, learner.id, answers={"north-of-japan": typed}, fuzz=False
        )
        if name == "Ola":
            with session.begin():
                for _ in range(DISPUTES_PER_LEARNER.free):
                    throttle.take(
                        session, f"dispute:user:{learner.id}", DISPUTES_PER_LEARNER, clock.now()
                    )
    session.close()
    return attempts


def problems_of(page: Any, name: str) -> list[str]:
    """axe violations (WCAG A/AA and best practices), h1 count and sideways scrolling of
    the loaded page, as the site-wide accessibility test checks them."""
    found = [
        f"{name}: axe {v['impact']} {v['id']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in Axe().run(page, options=AXE_OPTIONS).response["violations"]
    ]
    if page.locator("h1").count() != 1:
        found.append(f"{name}: not one h1")
    if page.evaluate("document.documentElement.scrollWidth") > page.viewport_size["width"]:
        found.append(f"{name}: wider than the window")
    return found


def part(locator: Any, name: str) -> None:
    """A screenshot of one part of a long page (the full page is kept too)."""
    locator.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def log_in(browser: Any, server: str, email: str, viewport: dict[str, int] | None = None) -> Any:
    page = new_page(browser, viewport=viewport or {"width": 1100, "height": 900})
    page.goto(server + "/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    follow(page, "button:has-text('Log in')")
    return page


@pytest.fixture(scope="module")
def seeded(served: tuple[str, Engine]) -> dict[str, int]:
    return seed(served[1])


def test_dispute_journey(served: tuple[str, Engine], seeded: dict[str, int], browser: Any) -> None:
    server, _engine = served
    attempt = seeded["Kim"]
    results = f"{server}/attempts/{attempt}/results"

    # The learner disputes the one wrong answer from the results page.
    kim = log_in(browser, server, "kim@example.org")
    kim.goto(results)
    expect(kim.locator(".lead")).to_contain_text("16 of 17 points")
    card = kim.locator(f"#answer-{SAKHALIN}")
    card.locator("summary:has-text('I think my answer should count')").click()
    card.locator("textarea[name=comment]").fill("Hokkaido is an island in the same sea.")
    shot(kim, "dispute-form")
    part(card, "dispute-form-answer")
    with kim.expect_navigation():
        card.locator("button:has-text('Send to my instructor')").click()
    expect(kim.locator(".flash")).to_contain_text("Sent to your instructor")
    expect(kim.locator(f"#answer-{SAKHALIN} .dispute")).to_contain_text(
        "Waiting for your instructor"
    )
    shot(kim, "dispute-pending")
    problems = problems_of(kim, "results-pending")
    part(kim.locator(f"#answer-{SAKHALIN}"), "dispute-pending-answer")

    # The instructor finds it from the Teach page, reads it, accepts it for everyone.
    teacher = log_in(browser, server, "teacher@example.org")
    teacher.goto(server + "/teach")
    follow(teacher, "a:has-text('Disputes')")
    expect(teacher.locator("tbody tr")).to_have_count(1)
    expect(teacher.locator("tbody")).to_contain_text("Hokkaido is an island in the same sea.")
    shot(teacher, "dispute-inbox")
    problems += problems_of(teacher, "inbox")
    follow(teacher, "tbody a:has-text('Kim')")
    expect(teacher.locator("table.trace")).to_contain_text("“hokkaido” vs “sakhalin”")
    expect(teacher.locator("table.similar tr.same")).to_contain_text("hokkaido.")
    shot(teacher, "dispute-detail")
    problems += problems_of(teacher, "dispute")
    detail = teacher.url
    teacher.fill("#reply", "You are right: Hokkaido counts too.")
    follow(teacher, "button:has-text('Accept for everyone')")
    expect(teacher.locator(".flash")).to_contain_text("Accepted for everyone")
    expect(teacher.locator(".settle")).to_contain_text("You are right: Hokkaido counts too.")
    shot(teacher, "dispute-settled")
    problems += problems_of(teacher, "dispute-settled")

    # The learner's score changed; the outcome, the reply and the reason are shown.
    kim.goto(results)
    expect(kim.locator("h1")).to_contain_text("100%")
    expect(kim.locator(".lead")).to_contain_text("17 of 17 points")
    expect(kim.locator(f"#answer-{SAKHALIN} .dispute")).to_contain_text("Accepted")
    expect(kim.locator(f"#answer-{SAKHALIN}")).to_contain_text(
        "You are right: Hokkaido counts too."
    )
    audit = kim.locator("table.audit")
    expect(audit).to_contain_text("regrade after key fix")
    expect(audit).to_contain_text("“Hokkaido” added to the answer key for everyone")
    expect(kim.locator("body")).not_to_contain_text("hokkaido.")  # never a classmate's answer
    shot(kim, "dispute-accepted")
    part(kim.locator(f"#answer-{SAKHALIN}"), "dispute-accepted-answer")
    part(audit, "dispute-accepted-audit")
    problems += problems_of(kim, "results-accepted")
    kim.context.close()
    teacher.context.close()

    # On a phone: nothing scrolls sideways, nothing fails axe.
    phone = log_in(browser, server, "teacher@example.org", PHONE)
    for url, name in [(server + "/teach/disputes?show=all", "inbox"), (detail, "dispute")]:
        phone.goto(url)
        problems += problems_of(phone, f"phone-{name}")
        shot(phone, f"phone-{name}")
    phone.context.close()
    assert not problems, "\n".join(problems)


def test_refusals_and_a_decline(
    served: tuple[str, Engine], seeded: dict[str, int], browser: Any
) -> None:
    """A refused form comes back with the reason beside the field and the words kept; a
    declined dispute stays in view and cannot be sent again; a learner who used up the
    day's disputes reads when they may send more instead of a form."""
    server, _engine = served
    attempts = seeded
    results = f"{server}/attempts/{attempts['Noa']}/results"
    noa = log_in(browser, server, "noa@example.org")
    noa.goto(results)
    card = noa.locator(f"#answer-{SAKHALIN}")
    card.locator("summary:has-text('I think my answer should count')").click()
    card.locator("textarea[name=comment]").fill("   ")
    with noa.expect_navigation():
        card.locator("button:has-text('Send to my instructor')").click()
    card = noa.locator(f"#answer-{SAKHALIN}")
    expect(card.locator(".field-error")).to_contain_text("Say in a few words")
    part(card, "dispute-refused-comment")
    problems = problems_of(noa, "results-refused-comment")
    card.locator("textarea[name=comment]").fill("Honshu is the main island.")
    with noa.expect_navigation():
        card.locator("button:has-text('Send to my instructor')").click()
    expect(noa.locator(f"#answer-{SAKHALIN} .dispute")).to_contain_text("Waiting")

    teacher = log_in(browser, server, "teacher@example.org")
    teacher.goto(server + "/teach/disputes")
    follow(teacher, "tbody a:has-text('Noa')")
    detail = teacher.url
    follow(teacher, "button:has-text('Decline')")
    expect(teacher.locator("#reply-err")).to_contain_text("Say why you decline")
    expect(teacher.locator("h1")).to_contain_text("Noa thinks this answer should count")
    shot(teacher, "dispute-refused-decline")
    part(teacher.locator(".settle"), "dispute-refused-decline-form")
    problems += problems_of(teacher, "refused-decline")
    # One very long "word" (a pasted address) must wrap, not widen either side's page.
    teacher.fill("#reply", "Honshu is not north of Japan. See https://example.org/" + "a" * 400)
    follow(teacher, "button:has-text('Decline')")
    expect(teacher.locator(".settle")).to_contain_text("Honshu is not north of Japan.")
    problems += problems_of(teacher, "declined-long-reply")

    noa.goto(results)
    card = noa.locator(f"#answer-{SAKHALIN}")
    expect(card.locator(".dispute")).to_contain_text("Declined")
    expect(card).to_contain_text("Honshu is not north of Japan.")
    expect(card).to_contain_text("ask your instructor directly")
    expect(card.locator("form")).to_have_count(0)
    part(card, "dispute-declined-answer")
    problems += problems_of(noa, "results-declined")
    noa.context.close()

    ola = log_in(browser, server, "ola@example.org")
    ola.goto(f"{server}/attempts/{attempts['Ola']}/results")
    card = ola.locator(f"#answer-{SAKHALIN}")
    expect(card.locator(".dispute-limit")).to_contain_text("You have sent 10 disputes today")
    expect(card.locator("form")).to_have_count(0)
    part(card, "dispute-limit-answer")
    ola.context.close()

    phone = log_in(browser, server, "noa@example.org", PHONE)
    phone.goto(results)
    problems += problems_of(phone, "phone-results-declined")
    shot(phone, "phone-dispute-declined")
    phone.context.close()
    phone = log_in(browser, server, "teacher@example.org", PHONE)
    phone.goto(detail)
    problems += problems_of(phone, "phone-declined-detail")
    shot(phone, "phone-dispute-declined-detail")
    phone.context.close()
    teacher.context.close()
    assert not problems, "\n".join(problems)
