"""Bidirectional control characters (U+202A-U+202E, U+2066-U+2069) never reach a page
another person reads: refused in display names beside the field, and in every other
form field (disputes, replies, class names) by the input gate, nothing stored."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from course.clock import FixedClock
from course.errors import InvalidInput
from course.services import accounts, classes
from course.store.classes import ClassRow
from course.store.disputes import Dispute
from course.store.users import User
from tests.factories import (
    KEYS,
    PASSWORD,
    AuthActions,
    make_class,
    make_instructor,
    make_learner,
    take_quiz,
)

CONTROLS = [chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))]


@pytest.mark.parametrize("control", CONTROLS)
def test_a_display_name_with_a_direction_control_is_refused_beside_the_field(
    client: FlaskClient, session: Session, control: str
) -> None:
    page = AuthActions(client).post(
        "/signup",
        {
            "display_name": f"Ivan {control}rotinI",
            "email": "spoof@example.org",
            "password": PASSWORD,
            "timezone": "UTC",
        },
        token_from="/signup",
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 400
    assert "invisible direction-control character" in html
    assert 'id="display_name-err"' in html  # beside the name field, the form kept
    assert 'name="email"' in html and "spoof@example.org" in html
    with session.begin():
        assert session.scalar(select(func.count()).select_from(User)) == 0


def test_the_service_refuses_it_for_every_caller(session: Session, clock: FixedClock) -> None:
    with pytest.raises(InvalidInput) as refused:
        accounts.create_user(session, clock, "cli@example.org", PASSWORD, "A\u2067B")
    assert refused.value.field == "display_name"


def test_free_text_with_a_direction_control_is_refused_and_not_stored(
    app: Flask, session: Session, clock: FixedClock
) -> None:
    teacher = make_instructor(session, clock, "teacher@example.org", display_name="Ms T")
    kim = make_learner(session, clock, "kim@example.org", display_name="Kim")
    _class_id, code = make_class(session, clock, teacher)
    classes.join(session, clock, kim, code)
    attempt = take_quiz(session, clock, kim.id, answers={"north-of-japan": "Hokkaido"})
    learner = AuthActions(AuthActions(app.test_client()).login_as("kim@example.org"))
    results = f"/attempts/{attempt}/results"
    disputed = learner.post(
        f"/attempts/{attempt}/questions/{KEYS['north-of-japan']}/dispute",
        {"comment": "My answer \u202eis right\u202c, please check"},
        results,
    )
    assert disputed.status_code == 400
    assert "U+202E" in disputed.get_data(as_text=True)
    instructor = AuthActions(AuthActions(app.test_client()).login_as("teacher@example.org"))
    named = instructor.post(
        "/teach/classes", {"course_id": "ww2-soviet-union", "name": "9A \u2066x\u2069"}, "/teach"
    )
    assert named.status_code == 400
    assert "U+2066" in named.get_data(as_text=True)
    with session.begin():
        assert session.scalar(select(func.count()).select_from(Dispute)) == 0
        assert session.scalar(select(func.count()).select_from(ClassRow)) == 1
    # Right-to-left text itself is fine: it needs no control characters.
    fine = learner.post(
        f"/attempts/{attempt}/questions/{KEYS['north-of-japan']}/dispute",
        {"comment": "Sakhalin — סחלין — ساخالين"},
        results,
    )
    assert fine.status_code in (302, 303)


def test_a_refused_direction_control_is_shown_back_replaced_so_sending_again_works(
    app: Flask, session: Session, clock: FixedClock
) -> None:
    """The refusal page's "What you sent" form kept the invisible character, so "Send
    again" was refused again, forever; it is shown as U+FFFD as the page says, and the
    form's own hidden fields are sent again without being shown as text to edit."""
    teacher = make_instructor(session, clock, "teacher@example.org", display_name="Ms T")
    instructor = AuthActions(AuthActions(app.test_client()).login_as("teacher@example.org"))
    assert teacher.id
    refused = instructor.post(
        "/teach/classes",
        {"course_id": "ww2-soviet-union", "name": "9A \u2066x\u2069", "revision": "r1"},
        "/teach",
    )
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "\u2066" not in page and "9A \ufffdx\ufffd" in page
    assert '<input type="hidden" name="revision" value="r1">' in page
    assert 'name="revision" rows' not in page
