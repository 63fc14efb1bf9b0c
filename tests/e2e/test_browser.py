"""A new learner in a real browser (Debian's Chromium through Playwright), against the real
app served by gunicorn: sign up, read the lesson, take the quiz in both feedback modes,
see results and progress. Screenshots go to test-artifacts/."""

from __future__ import annotations

import shutil
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from course.content.model import (
    AnyQuestion,
    ChoiceQuestion,
    ClozeQuestion,
    MatchQuestion,
    MultiChoiceQuestion,
    OrderQuestion,
    TrueFalseQuestion,
)
from tests.conftest import REPO
from tests.servers import course, free_port, instance_env, serve
from tests.web.helpers import KEYS, bundled_questions, field, form_answer

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = REPO / "test-artifacts"
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed"),
]
QUESTIONS = bundled_questions()
SLUG_AT = {key: slug for slug, key in KEYS.items()}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    base = tmp_path_factory.mktemp("e2e")
    content = base / "content"
    shutil.copytree(REPO / "lessons", content / "lessons")
    shutil.copytree(REPO / "quizzes", content / "quizzes")
    shutil.copy(REPO / "course.yaml", content / "course.yaml")
    quiz = (content / "quizzes" / "soviet-union-ww2.yaml").read_text(encoding="utf-8")
    final = (
        quiz.replace("id: soviet-union-ww2-quiz", "id: zz-final-exam")
        .replace("feedback: immediate", "feedback: end")
        .replace("check your understanding", "final exam")
    )
    (content / "quizzes" / "zz-final.yaml").write_text(final, encoding="utf-8")
    port = free_port()
    env = instance_env(base / "instance", content)
    course(env, "init", "--no-demo")
    course(
        env,
        "create-user",
        "teacher@example.org",
        "--role",
        "instructor",
        "--name",
        "Ms Petrova",
        "--password",
        "teacher password 1",
    )
    proc = serve(env, port, workers=2)
    url = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            urllib.request.urlopen(f"{url}/healthz")
            break
        except OSError:
            time.sleep(0.2)
    yield url
    proc.terminate()
    proc.wait(timeout=20)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield instance
        instance.close()


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def answer(page: Any, question: AnyQuestion) -> None:
    """Fill the question's inputs as a person would (keyboard and mouse)."""
    fields = form_answer(question)
    match question:
        case ChoiceQuestion() | TrueFalseQuestion():
            value = next(iter(fields.values()))
            page.check(f'input[name="{field(question.id)}"][value="{value}"]')
        case MultiChoiceQuestion():
            for value in next(iter(fields.values())):
                page.check(f'input[name="{field(question.id)}"][value="{value}"]')
        case OrderQuestion() | MatchQuestion():
            for name, value in fields.items():
                page.select_option(f'select[name="{name}"]', value)
        case ClozeQuestion():
            for name, value in fields.items():
                page.fill(f'input[name="{name}"]', value)
        case _:
            name, value = next(iter(fields.items()))
            page.fill(f'input[name="{name}"]', value)


def test_learner_journey(server: str, browser: Any) -> None:
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.goto(server + "/")
    shot(page, "01-course-anonymous")
    page.click("text=Sign up")
    page.fill("#display_name", "Vera")
    page.fill("#email", "vera@example.org")
    page.fill("#password", "a good long password")
    page.click("button:has-text('Sign up')")
    assert "Welcome" in page.content()
    shot(page, "02-course-new-learner")
    page.click("a.button")  # the one "continue" action: start reading
    assert page.locator("h1").inner_text() == "The Soviet Union in World War II"
    assert page.locator("#the-war-with-japan").count() == 1
    shot(page, "03-lesson")
    page.click('button:has-text("I\'ve read this")')
    page.click("button:has-text('Start the quiz')")
    shot(page, "04-quiz-question")
    count = 0
    while page.locator("button:has-text('Check answer')").count():
        qid = SLUG_AT[
            page.locator("fieldset.question").get_attribute("id").removeprefix("question-")
        ]
        answer(page, QUESTIONS[qid])
        page.click("button:has-text('Check answer')")
        assert page.locator(".feedback.right").count() == 1, qid
        if count == 0:
            shot(page, "05-quiz-feedback")
        count += 1
        if page.locator("a:has-text('Next question')").count():
            page.click("a:has-text('Next question')")
    assert count == 17
    page.click("button:has-text('See my results')")
    assert "100% — Passed" in page.content()
    shot(page, "06-results")
    page.goto(server + "/courses/ww2-soviet-union/progress")
    assert "100%" in page.locator(".stat .big").first.inner_text()
    shot(page, "07-progress")

    # The same learner, the end-of-quiz feedback mode: one form, graded on submit.
    page.goto(server + "/courses/ww2-soviet-union/quizzes/zz-final-exam")
    page.click("button:has-text('Start the quiz')")
    assert page.locator("fieldset.question").count() == 17
    for question in QUESTIONS.values():
        if question.id != "sakhalin":  # one left blank on purpose
            answer(page, question)
    page.fill(f'input[name="{field("manchuria-invasion")}"]', "08/09/1945")
    page.click("button:has-text('Submit answers')")
    assert "could mean 8 September 1945 or 9 August 1945" in page.content()
    kwantung = page.locator(f'input[name="{field("kwantung-army")}"]')
    assert kwantung.input_value() == "Kwantung Army"
    page.fill(f'input[name="{field("manchuria-invasion")}"]', "9 August 1945")
    page.wait_for_selector("#save-status:has-text('Saved.')")  # saved on change (fetch)
    page.reload()  # a reload keeps every answer typed so far
    assert page.locator(f'input[name="{field("manchuria-invasion")}"]').input_value() == (
        "9 August 1945"
    )
    shot(page, "08-end-mode-form")
    page.click("button:has-text('Submit answers')")
    assert "Submit with unanswered questions?" in page.content()  # asked before blanks
    page.click("button:has-text('Submit anyway')")
    assert "(no answer)" in page.content() and "Passed" in page.content()
    shot(page, "09-end-mode-results")
    context.close()


def test_phone_layout_and_keyboard(server: str, browser: Any) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.goto(server + "/courses/ww2-soviet-union/lessons/soviet-union-ww2")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390  # no sideways scrolling on a phone
    shot(page, "10-lesson-phone")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert "Skip to content" in focused
    context.close()


def test_instructor_journey(server: str, browser: Any) -> None:
    teacher = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    teacher.goto(server + "/login")
    teacher.fill("#email", "teacher@example.org")
    teacher.fill("#password", "teacher password 1")
    teacher.click("button:has-text('Log in')")
    teacher.click("text=Teach")
    teacher.fill("#name", "History 9B")
    teacher.click("button:has-text('Create class')")
    code = teacher.locator(".big-code").inner_text()
    teacher.select_option("#target", "quiz:soviet-union-ww2-quiz")
    teacher.fill("#due", "2030-01-01T18:00")
    teacher.click("button:has-text('Assign')")
    shot(teacher, "11-teacher-new-class")

    learner = browser.new_context(viewport={"width": 1200, "height": 900}).new_page()
    learner.goto(server + "/signup")
    learner.fill("#email", "pupil@example.org")
    learner.fill("#password", "a good long password")
    learner.click("button:has-text('Sign up')")
    learner.goto(server + f"/join/{code}")
    learner.click("button:has-text('Join')")
    assert "You joined the class." in learner.content()
    assert "Pass the quiz" in learner.content()
    shot(learner, "12-learner-classes")
    learner.click("text=Pass the quiz")
    learner.click("button:has-text('Start the quiz')")
    wrong = {"sakhalin", "parallel"}
    while learner.locator("button:has-text('Check answer')").count():
        key = learner.locator("fieldset.question").get_attribute("id").removeprefix("question-")
        qid = SLUG_AT[key]
        if qid in wrong:
            learner.fill(f'input[name="q-{key}"]', "Hokkaido" if qid == "sakhalin" else "17")
        else:
            answer(learner, QUESTIONS[qid])
        learner.click("button:has-text('Check answer')")
        if learner.locator("a:has-text('Next question')").count():
            learner.click("a:has-text('Next question')")
    learner.click("button:has-text('See my results')")
    assert "88%" in learner.content()

    teacher.reload()
    assert "pupil@example.org" in teacher.content() and "passed 88%" in teacher.content()
    shot(teacher, "13-teacher-overview")
    teacher.click("th a:has-text('The Soviet Union in World War II')")
    assert "Question analysis over 1 learner" in teacher.content()
    assert "hokkaido" in teacher.content()  # the wrong answer, normalized
    shot(teacher, "14-teacher-analysis")
    teacher.go_back()
    with teacher.expect_download() as download:
        teacher.click("text=Gradebook CSV")
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert text.splitlines()[1].startswith("pupil,pupil@example.org,passed,88")
