"""Every page a learner, an instructor and an administrator can reach, in a real browser
(Debian's Chromium through Playwright) against the real app served by gunicorn:

* axe-core finds no violation of any impact (minor, moderate, serious or critical)
  under its WCAG 2.0/2.1/2.2 A and AA rules and best practices. axe-core comes from the
  ``axe-playwright-python`` package, which bundles ``axe.min.js``: nothing is
  downloaded at test time.
* Every page has exactly one ``h1`` and a skip link as the first thing Tab reaches.
* At 390 px (a phone) no page scrolls sideways; screenshots of each go to
  test-artifacts/phone-*.png.
* On the one-question page the answer field is two Tab presses away (skip link, Enter,
  Tab).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.e2e.pages import ARTIFACTS, TIMEOUT_MS, follow, new_page
from tests.factories import REPO
from tests.servers import course, free_port, instance_env, serve, stop

COURSE = "/courses/ww2-soviet-union"
QUIZ = f"{COURSE}/quizzes/soviet-union-ww2-quiz"
FINAL = f"{COURSE}/quizzes/zz-final-exam"
PHONE = {"width": 390, "height": 844}
AXE_OPTIONS = {
    "resultTypes": ["violations"],
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
    },
}
PASSWORDS = {
    "teacher@example.org": "teacher password 1",
    "admin@example.org": "admin password 1a",
    "pupil@example.org": "a good long password",
}
expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    base = tmp_path_factory.mktemp("a11y")
    content = base / "content"
    for part in ("lessons", "quizzes", "media"):
        shutil.copytree(REPO / part, content / part)
    shutil.copy(REPO / "course.yaml", content / "course.yaml")
    quiz = (content / "quizzes" / "soviet-union-ww2.yaml").read_text(encoding="utf-8")
    final = quiz.replace("id: soviet-union-ww2-quiz", "id: zz-final-exam").replace(
        "feedback: immediate", "feedback: end"
    )
    (content / "quizzes" / "zz-final.yaml").write_text(final, encoding="utf-8")
    env = instance_env(base / "instance", content)
    course(env, "init", "--no-demo")
    for email, role in (("teacher@example.org", "instructor"), ("admin@example.org", "admin")):
        course(env, "create-user", email, "--role", role, "--password", PASSWORDS[email])
    port = free_port()
    proc = serve(env, port, workers=2)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(proc)


def log_in(page: Any, server: str, email: str) -> None:
    page.goto(server + "/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORDS[email])
    follow(page, "main button[type=submit]")


# The elements reaching past the window, to name the culprit of a too wide page.
WIDEST = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
  .slice(-4).map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : ''))"""


def check_page(page: Any, name: str) -> list[str]:
    """What is wrong with the loaded page: axe violations, h1 count, skip link, width."""
    problems = []
    results = Axe().run(page, options=AXE_OPTIONS)
    for violation in results.response["violations"]:
        targets = [n["target"] for n in violation["nodes"]][:3]
        problems.append(f"{name}: axe {violation['impact']} {violation['id']} at {targets}")
    if (h1s := page.locator("h1").count()) != 1:
        problems.append(f"{name}: {h1s} h1 elements")
    if page.locator("a.skip").count() != 1:
        problems.append(f"{name}: no skip link")
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.viewport_size["width"]
    if width > viewport:
        wide = page.evaluate(WIDEST)
        problems.append(f"{name}: {width} px wide in a {viewport} px window, from {wide}")
    return problems


def visit(page: Any, url: str, name: str, problems: list[str]) -> None:
    page.goto(url)
    problems.extend(check_page(page, name))
    if page.viewport_size["width"] == PHONE["width"]:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"phone-{name}.png"), full_page=True)


@pytest.fixture(scope="module")
def world(server: str, browser: Any) -> dict[str, str]:
    """A class with a quiz assigned, and a learner in it who answered one question of an
    immediate-feedback attempt, and submitted an end-of-quiz attempt: page addresses."""
    teacher = new_page(browser, viewport={"width": 1200, "height": 900})
    log_in(teacher, server, "teacher@example.org")
    teacher.goto(server + "/teach")
    teacher.fill("#name", "History 9B")
    follow(teacher, "button:has-text('Create class')")
    overview = teacher.url
    code = teacher.locator(".big-code").inner_text()
    teacher.select_option("#target", "quiz:soviet-union-ww2-quiz")
    teacher.fill("#due", "2030-01-01T18:00")
    follow(teacher, "button:has-text('Assign')")
    # Every lesson too, one past due: a wide grid must scroll inside its box, not the page.
    options = teacher.locator("#target option").evaluate_all("os => os.map(o => o.value)")
    for i, target in enumerate(o for o in options if o.startswith("lesson:")):
        teacher.select_option("#target", target)
        teacher.fill("#due", "2020-01-01T18:00" if i == 0 else f"2030-01-0{i + 1}T18:00")
        follow(teacher, "button:has-text('Assign')")
    learner = new_page(browser, viewport={"width": 1200, "height": 900})
    learner.goto(server + "/signup")
    learner.fill("#display_name", "Pupil")
    learner.fill("#email", "pupil@example.org")
    learner.fill("#password", PASSWORDS["pupil@example.org"])
    follow(learner, "main button[type=submit]")
    learner.goto(server + f"/join/{code}")
    follow(learner, "button:has-text('Join')")
    learner.goto(server + QUIZ)
    follow(learner, "button:has-text('Start the quiz')")
    question = learner.url
    learner.locator("fieldset.question input").first.fill("9 August 1945")
    follow(learner, "button:has-text('Check answer')")
    feedback = learner.url
    learner.goto(server + FINAL)
    follow(learner, "button:has-text('Start the quiz')")
    final_form = learner.url
    follow(learner, "button:has-text('Submit answers')")
    # The "submit with blanks?" page answers a POST: it is checked here.
    expect(learner.locator("body")).to_contain_text("Submit with unanswered questions?")
    blanks = check_page(learner, "blanks")
    follow(learner, "button:has-text('Submit anyway')")
    results = learner.url
    learner.context.close()
    teacher.goto(overview)
    # Seven assignments at a laptop's width: the grid scrolls in its box, but the
    # learner column with its Remove button stays in view.
    teacher.screenshot(path=str(ARTIFACTS / "class-overview-1200.png"), full_page=True)
    grid = teacher.locator("table.grid").bounding_box()
    actions = teacher.locator("table.grid button:has-text('Remove')").first.bounding_box()
    assert grid is not None and actions is not None
    assert actions["x"] + actions["width"] <= 1200, "the Remove button is off screen"
    learner_link = teacher.locator("a[href*='/learners/']").first.get_attribute("href")
    teacher.context.close()
    return {
        "overview": overview,
        "learner": server + learner_link,
        "analysis": overview + "/quizzes/soviet-union-ww2-quiz",
        "misconceptions": overview + "/quizzes/soviet-union-ww2-quiz/misconceptions",
        "item": overview + "/quizzes/soviet-union-ww2-quiz/questions/manchuria-invasion",
        "question": question,
        "feedback": feedback,
        "final-form": final_form,
        "blanks-problems": "\n".join(blanks),
        "results": results,
    }


PAGES = {
    None: [
        ("/", "course-anonymous"),
        ("/login", "login"),
        ("/signup", "signup"),
        (f"{COURSE}/lessons/soviet-union-ww2", "lesson"),
        ("/no-such-page", "not-found"),
    ],
    "pupil@example.org": [
        ("/", "course"),
        (QUIZ, "quiz-intro"),
        ("question", "question"),
        ("feedback", "question-feedback"),
        ("final-form", "end-of-quiz-form"),
        ("results", "results"),
        (f"{COURSE}/progress", "progress"),
        ("/review", "review"),
        ("/classes", "classes"),
        ("/account", "account"),
    ],
    "teacher@example.org": [
        ("/teach", "teach"),
        ("overview", "class-overview"),
        ("learner", "learner-detail"),
        ("analysis", "question-analysis"),
        ("misconceptions", "misconceptions"),
        ("item", "item-history"),
        ("/teach/courses/ww2-soviet-union/author", "author"),
    ],
    "admin@example.org": [("/admin/users", "users")],
}


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 900}, PHONE], ids=["wide", "phone"])
def test_every_page_is_accessible_and_fits(
    server: str, browser: Any, world: dict[str, str], viewport: dict[str, int]
) -> None:
    problems: list[str] = [world["blanks-problems"]] if world["blanks-problems"] else []
    for who, pages in PAGES.items():
        page = new_page(browser, viewport=viewport)
        if who is not None:
            log_in(page, server, who)
        for where, name in pages:
            url = server + where if where.startswith("/") else world[where]
            visit(page, url, name, problems)
        page.context.close()
    assert not problems, "\n".join(problems)


def test_question_field_is_two_tab_presses_away(server: str, browser: Any) -> None:
    page = new_page(browser, viewport=PHONE)
    page.goto(server + "/signup")
    page.fill("#display_name", "Keys")
    page.fill("#email", "keys@example.org")
    page.fill("#password", "a good long password")
    follow(page, "main button[type=submit]")
    page.goto(server + QUIZ)
    follow(page, "button:has-text('Start the quiz')")
    expect(page.locator("h1")).to_have_text(re.compile(r"Question 1 of 17"))
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Skip to the question")
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.closest('fieldset.question') !== null")
    assert focused, page.evaluate("document.activeElement.outerHTML")
    page.context.close()


def test_the_checker_finds_violations(browser: Any) -> None:
    """The page checks above would pass vacuously if axe never ran: it reports a broken
    page here."""
    page = new_page(browser, viewport=PHONE)
    page.set_content('<html lang="en"><body><main><img src="data:,"></main></body></html>')
    found = {v["id"] for v in Axe().run(page, options=AXE_OPTIONS).response["violations"]}
    assert "image-alt" in found
    page.context.close()
