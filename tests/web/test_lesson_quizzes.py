"""A lesson with more than one quiz (issue 12, course navigation and progress): the
course page, the lesson page and the progress page link every published quiz of the
lesson, in quiz id order, and the lesson's status, completion steps and the instructor's
figures count all of them. Before, only the first quiz by id was linked and counted."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from course.clock import FixedClock
from course.content.loader import load_root
from course.services import attempts, classes, progress
from course.services.authz import Actor
from course.services.content_sync import sync_root
from course.store.users import Role
from tests.factories import (
    COURSE,
    QUIZ,
    AuthActions,
    course_copy,
    make_class,
    make_user,
    posted,
    take_quiz,
)

LESSON = "soviet-union-ww2"
COURSE_PAGE = f"/courses/{COURSE}/"
PROGRESS = f"/courses/{COURSE}/progress"
LESSON_PAGE = f"/courses/{COURSE}/lessons/{LESSON}"
BUNDLED_TITLE = "The Soviet Union in World War II — check your understanding"


def _second_quiz(quiz_id: str) -> str:
    return f"""id: {quiz_id}
title: Numbers of the war
lesson: {LESSON}
pass_mark: 80%
feedback: immediate
shuffle: false
questions:
  - id: war-days
    type: text
    prompt: Which city held out for 872 days?
    answer: [Leningrad]
  - id: surrender-city
    type: text
    prompt: In which city did the Sixth Army surrender?
    answer: [Stalingrad]
"""


def _course_with(tmp_path: Path, session: Session, clock: FixedClock, quiz_id: str) -> int:
    """The bundled course with a second quiz for the soviet-union-ww2 lesson, synced;
    returns the number of completion steps of the whole course."""
    root = course_copy(tmp_path / "content")
    (root / "quizzes" / "numbers.yaml").write_text(_second_quiz(quiz_id), encoding="utf-8")
    sync_root(session, clock, root)
    bundle, report = load_root(root)
    assert bundle is not None, report.lines()
    return len(bundle.lessons) + 2 * len(bundle.quizzes)


def _pass_second_quiz(session: Session, clock: FixedClock, user_id: int, quiz_id: str) -> None:
    attempt = attempts.start_attempt(session, clock, user_id, COURSE, quiz_id)
    for key, text in ((1, "Leningrad"), (2, "Stalingrad")):
        attempts.submit_answer(
            session, clock, user_id, attempt, key, posted({f"q-{key}": text}), None, fuzz=False
        )
    attempts.submit_attempt(session, clock, user_id, attempt, fuzz=False)


def _quiz_links(html: str) -> list[str]:
    return re.findall(rf'href="/courses/{COURSE}/quizzes/([^"]+)"', html)


def _lesson_item(html: str) -> str:
    """The course page's list item of the lesson."""
    item = re.search(
        rf'<li class="card lesson-item">(?:(?!</li>).)*?/lessons/{LESSON}".*?</li>', html, re.S
    )
    assert item is not None
    return item.group(0)


# "numbers" sorts before the bundled quiz's id, "zz-numbers" after it: both were wrong.
@pytest.mark.parametrize("quiz_id", ["numbers", "zz-numbers"])
def test_every_quiz_of_a_lesson_is_linked(
    app: Flask,
    client: FlaskClient,
    session: Session,
    clock: FixedClock,
    tmp_path: Path,
    quiz_id: str,
) -> None:
    _course_with(tmp_path, session, clock, quiz_id)
    in_order = sorted([quiz_id, QUIZ])  # quiz id order, as documented
    item = _lesson_item(client.get(COURSE_PAGE).get_data(as_text=True))
    assert _quiz_links(item) == in_order
    lesson = client.get(LESSON_PAGE).get_data(as_text=True)
    assert "Numbers of the war" in lesson and BUNDLED_TITLE in lesson
    # Anonymous: each quiz through the login page.
    assert re.findall(r"next=/courses/[^/]+/quizzes/([^\"&]+)", lesson) == in_order

    make_user(session, clock)
    learner = AuthActions(app.test_client()).login_as("learner@example.org")
    lesson = learner.get(LESSON_PAGE).get_data(as_text=True)
    assert _quiz_links(lesson) == in_order
    table = learner.get(PROGRESS).get_data(as_text=True)
    row = re.search(rf"/lessons/{LESSON}\".*?</tr>", table, re.S)
    assert row is not None and _quiz_links(row.group(0)) == in_order


@pytest.mark.parametrize("quiz_id", ["numbers", "zz-numbers"])
def test_status_and_completion_count_every_quiz(
    app: Flask, session: Session, clock: FixedClock, tmp_path: Path, quiz_id: str
) -> None:
    steps = _course_with(tmp_path, session, clock, quiz_id)
    teacher = make_user(session, clock, "teacher@example.org", role=Role.INSTRUCTOR)
    account = make_user(session, clock, display_name="Ada")
    class_id, code = make_class(session, clock, Actor(teacher.id, Role.INSTRUCTOR))
    classes.join(session, clock, Actor(account.id, Role.LEARNER), code)
    learner = AuthActions(app.test_client()).login_as("learner@example.org")
    instructor = AuthActions(app.test_client()).login_as("teacher@example.org")

    def overview_complete() -> str:
        html = instructor.get(f"/teach/classes/{class_id}").get_data(as_text=True)
        row = re.search(r"<th scope=\"row\">.*?Ada.*?</tr>", html, re.S)
        assert row is not None
        return dict(re.findall(r'<td data-label="([^"]+)">([^<]*)<', row.group(0)))["Complete"]

    # Passed the second quiz 2/2, not read, bundled quiz not tried.
    _pass_second_quiz(session, clock, account.id, quiz_id)
    view = progress.course_progress(session, clock, account.id, COURSE)
    lesson = next(les for les in view.lessons if les.slug == LESSON)
    assert lesson.steps == (2, 5)  # read + (tried, passed) for each of its two quizzes
    assert lesson.status == "quiz taken" and not lesson.passed and not lesson.done
    assert lesson.next_quiz == QUIZ
    assert view.completion_percent == 100 * 2 // steps
    page = learner.get(COURSE_PAGE).get_data(as_text=True)
    item = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", _lesson_item(page)))
    assert "quiz taken" in item
    assert "Numbers of the war (passed, best 100%)" in item
    assert f"{BUNDLED_TITLE} (not tried)" in item
    table = learner.get(PROGRESS).get_data(as_text=True)
    row = re.search(rf"/lessons/{LESSON}\".*?</tr>", table, re.S)
    assert row is not None
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row.group(0)))
    assert "Numbers of the war: passed (100%)" in text
    assert f"{BUNDLED_TITLE}: not tried (—)" in text
    assert f"{100 * 2 // steps}% course complete" in re.sub(
        r"\s+", " ", re.sub(r"<[^>]+>", " ", table)
    )
    assert overview_complete() == f"{100 * 2 // steps}%"

    # Read the lesson and pass the bundled quiz too: every quiz passed.
    progress.mark_read(session, clock, account.id, COURSE, LESSON)
    take_quiz(session, clock, account.id, fuzz=False)
    view = progress.course_progress(session, clock, account.id, COURSE)
    lesson = next(les for les in view.lessons if les.slug == LESSON)
    assert lesson.steps == (5, 5) and lesson.status == "quiz passed" and lesson.done
    assert lesson.best_percent == 100
    assert view.completion_percent == 100 * 5 // steps
    assert ">quiz passed" in _lesson_item(learner.get(COURSE_PAGE).get_data(as_text=True))
    assert overview_complete() == f"{100 * 5 // steps}%"


def test_reading_a_lesson_with_two_quizzes_leads_to_the_first(
    app: Flask, session: Session, clock: FixedClock, tmp_path: Path
) -> None:
    _course_with(tmp_path, session, clock, "numbers")
    make_user(session, clock)
    learner = AuthActions(app.test_client()).login_as("learner@example.org")
    actions = AuthActions(learner)
    page = actions.post(f"{LESSON_PAGE}/read", {}, token_from=LESSON_PAGE)
    assert page.status_code == 302
    assert page.headers["Location"].endswith(f"/courses/{COURSE}/quizzes/numbers")


def test_a_draft_second_quiz_is_neither_linked_nor_counted(
    app: Flask, client: FlaskClient, session: Session, clock: FixedClock, tmp_path: Path
) -> None:
    root = course_copy(tmp_path / "content")
    draft = _second_quiz("numbers").replace("pass_mark:", "draft: true\npass_mark:")
    (root / "quizzes" / "numbers.yaml").write_text(draft, encoding="utf-8")
    sync_root(session, clock, root)
    assert _quiz_links(_lesson_item(client.get(COURSE_PAGE).get_data(as_text=True))) == [QUIZ]
    view = progress.course_progress(session, clock, None, COURSE)
    lesson = next(les for les in view.lessons if les.slug == LESSON)
    assert [q.slug for q in lesson.quizzes] == [QUIZ] and lesson.steps == (0, 3)


def test_the_next_step_is_the_first_quiz_not_passed() -> None:
    def quiz(slug: str, best: int | None, passed: bool) -> progress.QuizProgress:
        return progress.QuizProgress(slug, slug.title(), best, passed, None)

    lesson = progress.LessonProgress(
        LESSON, "Lesson", 5, True, (quiz("a", 100, True), quiz("b", 40, False))
    )
    course = progress.CourseProgress(COURSE, "Course", "", (lesson,), 0, 0, 0)
    assert course.next_step == ("quiz", lesson) and lesson.next_quiz == "b"
    assert lesson.best_percent == 40 and lesson.status == "quiz taken"
    assert lesson.steps == (4, 5) and course.completion_percent == 80
    untried = progress.LessonProgress(
        LESSON, "Lesson", 5, True, (quiz("a", 100, True), quiz("b", None, False))
    )
    assert untried.best_percent is None  # not every quiz tried: no lesson-wide best yet
