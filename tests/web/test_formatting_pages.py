"""What learners and instructors read (issue 11 §5), through the real app: years without
separators, points to two decimals, Markdown rendered in the instructor's learner view,
no content hash on results, due dates entered and shown in each reader's time zone."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from course.clock import FixedClock
from course.services import accounts, classes
from course.services.authz import Actor
from course.store.classes import Assignment
from course.store.users import Role
from tests.factories import (
    COURSE,
    AuthActions,
    answer_path,
    attempt_id_from,
    field,
    make_class,
    make_user,
    start_attempt,
    take_quiz,
)

QUIZ_PAGE = f"/courses/{COURSE}/quizzes/soviet-union-ww2-quiz"


def _class(session: Session, clock: FixedClock) -> tuple[int, int]:
    """A class of teacher@ (Europe/Berlin) with learner@ (Asia/Tokyo): (class, learner)."""
    teacher = make_user(session, clock, "teacher@example.org", role=Role.INSTRUCTOR)
    learner = make_user(session, clock, "learner@example.org", display_name="Ada")
    accounts.set_timezone(session, teacher.id, "Europe/Berlin")
    accounts.set_timezone(session, learner.id, "Asia/Tokyo")
    class_id, code = make_class(session, clock, Actor(teacher.id, Role.INSTRUCTOR))
    classes.join(session, clock, Actor(learner.id, Role.LEARNER), code)
    return class_id, learner.id


def test_due_dates_in_the_instructors_and_each_learners_zone(
    app: Flask, session: Session, clock: FixedClock
) -> None:
    class_id, _learner = _class(session, clock)
    teacher = AuthActions(AuthActions(app.test_client()).login_as("teacher@example.org"))
    overview = f"/teach/classes/{class_id}"
    page = teacher.client.get(overview).get_data(as_text=True)
    assert "Due (your time, Europe/Berlin)" in page and "Due (UTC)" not in page
    done = teacher.post(
        f"{overview}/assignments",
        {"target": "quiz:soviet-union-ww2-quiz", "due": "2026-03-10T18:00"},
        token_from=overview,
    )
    assert done.status_code == 302
    with session.begin():
        due = session.scalar(select(Assignment.due_at))
    assert due == datetime(2026, 3, 10, 17, 0, tzinfo=UTC)  # 18:00 in Berlin (CET)
    page = teacher.client.get(overview).get_data(as_text=True)
    assert "10 Mar 2026, 18:00 CET" in page
    learner = AuthActions(app.test_client()).login_as("learner@example.org")
    mine = learner.get("/classes").get_data(as_text=True)
    assert "11 Mar 2026, 02:00 JST" in mine and " UTC<" not in mine


def test_a_due_time_skipped_by_dst_is_refused_with_the_reason(
    app: Flask, session: Session, clock: FixedClock
) -> None:
    class_id, _learner = _class(session, clock)
    teacher = AuthActions(AuthActions(app.test_client()).login_as("teacher@example.org"))
    overview = f"/teach/classes/{class_id}"
    refused = teacher.post(
        f"{overview}/assignments",
        {"target": "quiz:soviet-union-ww2-quiz", "due": "2026-03-29T02:30"},
        token_from=overview,
    )
    assert refused.status_code == 400
    assert "does not exist in Europe/Berlin" in refused.get_data(as_text=True)
    with session.begin():
        assert session.scalar(select(Assignment.id)) is None


def test_years_have_no_thousands_separator(app: Flask, session: Session, clock: FixedClock) -> None:
    _class_id, learner = _class(session, clock)
    attempt = start_attempt(session, clock, learner)
    client = AuthActions(AuthActions(app.test_client()).login_as("learner@example.org"))
    page = client.post(
        answer_path(attempt, "korean-war-year"),
        {field("korean-war-year"): "1949"},
        token_from=f"/attempts/{attempt}",
    )
    html = client.client.get(page.headers["Location"]).get_data(as_text=True)
    assert "1,9" not in html
    assert re.search(r"\b1949\b", html) and re.search(r"\b1950\b", html)


def test_points_to_two_decimals_and_no_content_hash(
    app: Flask, session: Session, clock: FixedClock
) -> None:
    _class_id, learner = _class(session, clock)
    # Partial credit on the date questions ("August 1945" is half right).
    attempt = take_quiz(
        session,
        clock,
        learner,
        wrong=("north-of-japan", "parallel", "interned"),
        answers={"manchuria-invasion": "August 1945"},
    )
    client = AuthActions(app.test_client()).login_as("learner@example.org")
    html = client.get(f"/attempts/{attempt}/results").get_data(as_text=True)
    lead = re.search(r"([\d.]+) of 17 points", html)
    assert lead is not None and re.fullmatch(r"\d+(\.\d{1,2})?", lead.group(1))
    assert not re.search(r"\d\.\d{3,}", html)  # nothing like 11.8333 or 0.833333
    assert "content " not in html and not re.search(r"\b[0-9a-f]{12}\b", html)
    # The graded version's date is in the learner's zone (Asia/Tokyo), not UTC.
    assert re.search(r"as published on \d+ \w+ \d{4}, \d\d:\d\d JST", html)
    assert "UTC" not in html


def test_markdown_rendered_in_the_instructors_learner_view(
    app: Flask, session: Session, clock: FixedClock
) -> None:
    class_id, learner_id = _class(session, clock)
    learner = AuthActions(AuthActions(app.test_client()).login_as("learner@example.org"))
    start = learner.post(f"{QUIZ_PAGE}/start", {}, token_from=QUIZ_PAGE)
    attempt = attempt_id_from(start.headers["Location"])
    learner.post(
        answer_path(attempt, "manchuria-garrison"),
        {field("manchuria-garrison"): "the *Kwantung* Army <script>alert(1)</script>"},
        token_from=f"/attempts/{attempt}",
    )
    teacher = AuthActions(app.test_client()).login_as("teacher@example.org")
    html = teacher.get(f"/teach/classes/{class_id}/learners/{learner_id}").get_data(as_text=True)
    assert "the <em>Kwantung</em> Army" in html  # Markdown rendered
    assert "*Kwantung*" not in html
    assert "<script>alert" not in html and "&lt;script&gt;" in html  # and still sanitized
