"""A new learner in a real browser (Debian's Chromium through Playwright), against the real
app served by gunicorn: sign up, read the lesson, take the quiz in both feedback modes,
see results and progress. Screenshots go to test-artifacts/.

Every step waits for what it needs, never for a length of time: a click that loads a page
waits for that navigation (`follow`), and every check is a Playwright `expect`, which
retries until the page shows it. Assertions never read a page that is still loading."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from course.content.model import (
    AnyQuestion,
    ChoiceQuestion,
    ClozeQuestion,
    MatchQuestion,
    MultiChoiceQuestion,
    OrderQuestion,
    TrueFalseQuestion,
)
from tests.e2e.pages import TIMEOUT_MS, follow, new_page, shot
from tests.factories import KEYS, REPO, bundled_questions, field, form_answer
from tests.servers import course, free_port, instance_env, serve, stop

QUESTIONS = bundled_questions()
SLUG_AT = {key: slug for slug, key in KEYS.items()}
# Ceilings, not waits: each returns as soon as the page is ready. Generous for a loaded
# 2-core machine where a password hash alone can take seconds.
expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    base = tmp_path_factory.mktemp("e2e")
    content = base / "content"
    shutil.copytree(REPO / "lessons", content / "lessons")
    shutil.copytree(REPO / "quizzes", content / "quizzes")
    shutil.copytree(REPO / "media", content / "media")
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
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(proc)


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
    page = new_page(browser, viewport={"width": 1200, "height": 900})
    body = page.locator("body")
    page.goto(server + "/")
    shot(page, "01-course-anonymous")
    follow(page, "text=Sign up")
    page.fill("#display_name", "Vera")
    page.fill("#email", "vera@example.org")
    page.fill("#password", "a good long password")
    follow(page, "button:has-text('Sign up')")
    expect(body).to_contain_text("Welcome")
    shot(page, "02-course-new-learner")
    follow(page, "a.button")  # the one "continue" action: start reading, at lesson 1
    expect(page.locator("h1")).to_have_text("The pact with Hitler and the Winter War")
    expect(page.locator("a[rel=prev]")).to_have_count(0)
    for title in (
        "Barbarossa and the battle for Moscow",
        "Leningrad and Stalingrad",
        "From Kursk to Berlin",
        "The war with Japan",
    ):  # the next-lesson links walk the course in order
        follow(page, "a[rel=next]")
        expect(page.locator("h1")).to_have_text(title)
    expect(page.locator("#the-war-with-japan")).to_have_count(1)
    shot(page, "03-lesson")
    follow(page, 'button:has-text("I\'ve read this")')
    follow(page, "button:has-text('Start the quiz')")
    shot(page, "04-quiz-question")
    count = 0
    while page.locator("button:has-text('Check answer')").count():
        qid = SLUG_AT[
            page.locator("fieldset.question").get_attribute("id").removeprefix("question-")
        ]
        answer(page, QUESTIONS[qid])
        follow(page, "button:has-text('Check answer')")
        expect(page.locator(".feedback.right"), qid).to_have_count(1)
        if count == 0:
            shot(page, "05-quiz-feedback")
        count += 1
        if page.locator("a:has-text('Next question')").count():
            follow(page, "a:has-text('Next question')")
    assert count == 17
    # The last answer finished the quiz: its feedback says so, and links the results.
    expect(body).to_contain_text("the quiz is finished and your score is counted")
    follow(page, "a:has-text('See my results')")
    expect(body).to_contain_text("100% — Passed")
    shot(page, "06-results")
    page.goto(server + "/courses/ww2-soviet-union/progress")
    # Read, tried and passed: 3 of the course's steps (6 lessons read, each quiz tried and
    # passed, the extra final exam's two included).
    expect(page.locator(".stat .big").first).to_contain_text(re.compile(r"^1[0-9]%$"))
    shot(page, "07-progress")

    # The same learner, the end-of-quiz feedback mode: one form, graded on submit.
    page.goto(server + "/courses/ww2-soviet-union/quizzes/zz-final-exam")
    follow(page, "button:has-text('Start the quiz')")
    expect(page.locator("fieldset.question")).to_have_count(17)
    for question in QUESTIONS.values():
        if question.id != "north-of-japan":  # one left blank on purpose
            answer(page, question)
    page.fill(f'input[name="{field("manchuria-invasion")}"]', "08/09/1945")
    follow(page, "button:has-text('Submit answers')")
    expect(body).to_contain_text("could mean 8 September 1945 or 9 August 1945")
    expect(page.locator(f'input[name="{field("manchuria-garrison")}"]')).to_have_value(
        "Kwantung Army"
    )
    page.fill(f'input[name="{field("manchuria-invasion")}"]', "9 August 1945")
    page.locator(f'input[name="{field("manchuria-invasion")}"]').dispatch_event("change")
    expect(page.locator("#save-status")).to_contain_text("Saved.")  # saved on change (fetch)
    page.reload()  # a reload keeps every answer typed so far
    expect(page.locator(f'input[name="{field("manchuria-invasion")}"]')).to_have_value(
        "9 August 1945"
    )
    shot(page, "08-end-mode-form")
    follow(page, "button:has-text('Submit answers')")
    expect(body).to_contain_text("Submit with unanswered questions?")  # asked before blanks
    follow(page, "button:has-text('Submit anyway')")
    expect(body).to_contain_text("(no answer)")
    expect(body).to_contain_text("Passed")
    shot(page, "09-end-mode-results")
    page.context.close()


def test_phone_layout_and_keyboard(server: str, browser: Any) -> None:
    page = new_page(browser, viewport={"width": 390, "height": 844}, is_mobile=True)
    page.goto(server + "/courses/ww2-soviet-union/lessons/looking-back")
    expect(page.locator("h1")).to_have_text("Looking back: the war in one timeline")
    # The hand-drawn timeline loads (served as an image, scaled to the phone's width).
    expect(page.locator("figure img")).to_have_count(1)
    page.wait_for_function(
        "(() => { const i = document.querySelector('figure img');"
        " return i.complete && i.naturalWidth > 0 && i.clientWidth <= 390; })()"
    )
    page.goto(server + "/courses/ww2-soviet-union/lessons/soviet-union-ww2")
    expect(page.locator("h1")).to_have_text("The war with Japan")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390  # no sideways scrolling on a phone
    shot(page, "10-lesson-phone")
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_contain_text("Skip to content")
    page.context.close()


def test_instructor_journey(server: str, browser: Any) -> None:
    teacher = new_page(browser, viewport={"width": 1280, "height": 900})
    teacher.goto(server + "/login")
    teacher.fill("#email", "teacher@example.org")
    teacher.fill("#password", "teacher password 1")
    follow(teacher, "button:has-text('Log in')")
    follow(teacher, "text=Teach")
    teacher.fill("#name", "History 9B")
    follow(teacher, "button:has-text('Create class')")
    expect(teacher.locator(".big-code")).to_be_visible()
    code = teacher.locator(".big-code").inner_text()
    teacher.select_option("#target", "quiz:soviet-union-ww2-quiz")
    teacher.fill("#due", "2030-01-01T18:00")
    follow(teacher, "button:has-text('Assign')")
    shot(teacher, "11-teacher-new-class")

    learner = new_page(browser, viewport={"width": 1200, "height": 900})
    learner.goto(server + "/signup")
    learner.fill("#email", "pupil@example.org")
    learner.fill("#password", "a good long password")
    follow(learner, "button:has-text('Sign up')")
    expect(learner.locator("body")).to_contain_text("Welcome")
    learner.goto(server + f"/join/{code}")
    follow(learner, "button:has-text('Join')")
    expect(learner.locator("body")).to_contain_text("You joined the class.")
    expect(learner.locator("body")).to_contain_text("Pass the quiz")
    shot(learner, "12-learner-classes")
    follow(learner, "text=Pass the quiz")
    follow(learner, "button:has-text('Start the quiz')")
    wrong = {"north-of-japan", "parallel"}
    while learner.locator("button:has-text('Check answer')").count():
        key = learner.locator("fieldset.question").get_attribute("id").removeprefix("question-")
        qid = SLUG_AT[key]
        if qid in wrong:
            learner.fill(f'input[name="q-{key}"]', "Hokkaido" if qid == "north-of-japan" else "17")
        else:
            answer(learner, QUESTIONS[qid])
        follow(learner, "button:has-text('Check answer')")
        expect(learner.locator(".feedback"), qid).to_have_count(1)
        if learner.locator("a:has-text('Next question')").count():
            follow(learner, "a:has-text('Next question')")
    follow(learner, "a:has-text('See my results')")
    expect(learner.locator("body")).to_contain_text("88%")

    teacher.reload()
    expect(teacher.locator("body")).to_contain_text("pupil@example.org")
    expect(teacher.locator("body")).to_contain_text("passed 88%")
    shot(teacher, "13-teacher-overview")
    follow(teacher, "th a:has-text('The Soviet Union in World War II')")
    expect(teacher.locator("body")).to_contain_text("Question analysis over 1 learner")
    expect(teacher.locator("body")).to_contain_text("hokkaido")  # the wrong answer, normalized
    shot(teacher, "14-teacher-analysis")
    teacher.go_back()
    expect(teacher.locator("text=Gradebook CSV")).to_be_visible()
    with teacher.expect_download() as download:
        teacher.click("text=Gradebook CSV")
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert text.splitlines()[1].startswith("pupil,pupil@example.org,passed,88")
