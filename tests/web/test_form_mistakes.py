"""A mistake in a form comes back as that form, the error beside its field and what
was typed kept, with the right status, never the generic error page with raw field
names: an assignment's due date (empty, unreadable, skipped by a clock change) and an
email change to an address already taken."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from course.clock import FixedClock
from course.services import accounts
from course.store.classes import Assignment
from tests.factories import PASSWORD, QUIZ, AuthActions, make_class, make_instructor, make_learner

GENERIC = "That request could not be understood"


@pytest.mark.parametrize(
    ("due", "said"),
    [
        ("", "Give a due date and time"),
        ("next friday", "Give a due date and time"),
        ("2026-03-29T02:30", "does not exist in Europe/Berlin"),  # clocks go forward
    ],
)
def test_a_bad_due_date_comes_back_beside_the_field(
    app: Flask, session: Session, clock: FixedClock, due: str, said: str
) -> None:
    teacher = make_instructor(session, clock, "teacher@example.org", display_name="Ms T")
    accounts.set_timezone(session, teacher.id, "Europe/Berlin")
    class_id, _code = make_class(session, clock, teacher)
    client = AuthActions(app.test_client()).login_as("teacher@example.org")
    page = AuthActions(client).post(
        f"/teach/classes/{class_id}/assignments",
        {"target": f"quiz:{QUIZ}", "due": due},
        token_from=f"/teach/classes/{class_id}",
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 400
    assert GENERIC not in html
    assert 'id="due-err"' in html and said in html.split('id="due-err"')[1][:300]
    assert f'value="quiz:{QUIZ}" selected' in html  # the choice is kept
    assert f'value="{due}"' in html  # and what was typed
    assert "<h2>Assign</h2>" in html  # the class page, its form again
    with session.begin():
        assert session.scalar(select(func.count()).select_from(Assignment)) == 0


def test_an_email_already_taken_comes_back_beside_the_field(
    app: Flask, session: Session, clock: FixedClock
) -> None:
    make_learner(session, clock, "kim@example.org")
    make_learner(session, clock, "lea@example.org")
    client = AuthActions(app.test_client()).login_as("kim@example.org")
    page = AuthActions(client).post(
        "/account/email",
        {"em-current": PASSWORD, "em-email": "lea@example.org"},
        token_from="/account",
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 409
    assert GENERIC not in html
    assert 'id="em-email-err"' in html
    assert "Another account uses that email" in html.split('id="em-email-err"')[1][:200]
    assert 'value="lea@example.org"' in html
