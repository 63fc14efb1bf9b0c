"""Every time on a page is in its reader's zone: a learner in Tokyo reads the score
changes and the dispute on the results page in JST, an instructor in Berlin reads the
dispute page, a learner's page and the content file list in CET, never UTC."""

from __future__ import annotations

import re

from flask import Flask
from sqlalchemy.orm import Session

from course.clock import FixedClock
from course.services import accounts, classes
from tests.factories import (
    COURSE,
    KEYS,
    AuthActions,
    make_class,
    make_instructor,
    make_learner,
    take_quiz,
)

SAKHALIN = KEYS["north-of-japan"]
UTC_TIME = re.compile(r"\d{2}:\d{2} UTC")


def test_times_are_in_the_readers_zone(app: Flask, session: Session, clock: FixedClock) -> None:
    teacher = make_instructor(session, clock, "teacher@example.org", display_name="Ms T")
    kim = make_learner(session, clock, "kim@example.org", display_name="Kim")
    accounts.set_timezone(session, teacher.id, "Europe/Berlin")
    accounts.set_timezone(session, kim.id, "Asia/Tokyo")
    class_id, code = make_class(session, clock, teacher)
    classes.join(session, clock, kim, code)
    attempt = take_quiz(session, clock, kim.id, answers={"north-of-japan": "Hokkaido"})
    learner = AuthActions(AuthActions(app.test_client()).login_as("kim@example.org"))
    results = f"/attempts/{attempt}/results"
    learner.post(
        f"/attempts/{attempt}/questions/{SAKHALIN}/dispute", {"comment": "Close enough"}, results
    )
    instructor = AuthActions(AuthActions(app.test_client()).login_as("teacher@example.org"))
    inbox = instructor.client.get("/teach/disputes").get_data(as_text=True)
    found = re.search(r'href="/teach/disputes/(\d+)"', inbox)
    assert found is not None
    detail = f"/teach/disputes/{found.group(1)}"
    done = instructor.post(
        f"{detail}/resolve", {"action": "learner", "reply": "Fair enough."}, detail
    )
    assert done.status_code == 302

    mine = learner.client.get(results).get_data(as_text=True)
    assert "Score changes" in mine and "Fair enough." in mine
    assert not UTC_TIME.search(mine), [
        mine[m.start() - 120 : m.end()] for m in UTC_TIME.finditer(mine)
    ]
    assert "JST" in mine
    for page in (
        detail,
        f"/teach/classes/{class_id}/learners/{kim.id}",
        f"/teach/courses/{COURSE}/author",
    ):
        html = instructor.client.get(page).get_data(as_text=True)
        assert not UTC_TIME.search(html), (page, UTC_TIME.findall(html))
        assert re.search(r"\d{2}:\d{2} CES?T", html), page
