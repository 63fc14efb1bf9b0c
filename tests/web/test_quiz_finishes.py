"""An immediate-feedback attempt is finished by its last answer: every answer is graded
as it is given, so an attempt answered through counts at once (course page, dashboard)
instead of waiting for a button the learner may never press."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from course.clock import FixedClock
from course.store.attempts import Attempt, AttemptStatus
from course.store.users import User
from tests.factories import (
    COURSE,
    KEYS,
    QUIZ_PAGE,
    AuthActions,
    answer,
    attempt_id_from,
    bundled_questions,
    form_answer,
    start_attempt,
)

QUESTIONS = bundled_questions()
FINISH = "Finish the quiz and see my results"


def _answer_all(client: FlaskClient, auth: AuthActions, attempt: int) -> str:
    """Answer every question through its page, posting what the page's form carries;
    the last answer's redirect target."""
    location = ""
    for n, (slug, question) in enumerate(QUESTIONS.items(), start=1):
        page = client.get(f"/attempts/{attempt}").get_data(as_text=True)
        assert f'action="/attempts/{attempt}/questions/{KEYS[slug]}"' in page
        last = 'name="last" value="1"' in page
        assert last == (n == len(QUESTIONS))  # only the last question's form says so
        posted = auth.post(
            f"/attempts/{attempt}/questions/{KEYS[slug]}",
            {**form_answer(question), **({"last": "1"} if last else {})},
            token_from=f"/attempts/{attempt}",
        )
        assert posted.status_code == 302, posted.get_data(as_text=True)
        location = posted.headers["Location"]
    return location


def test_the_last_answer_finishes_the_attempt(
    client: FlaskClient, auth: AuthActions, session: Session
) -> None:
    auth.signup()
    started = auth.post(f"{QUIZ_PAGE}/start", {}, token_from=QUIZ_PAGE)
    attempt = attempt_id_from(started.headers["Location"])
    last = _answer_all(client, auth, attempt)
    with session.begin():
        row = session.get(Attempt, attempt)
        assert row is not None and row.status is AttemptStatus.SUBMITTED
        assert row.points == row.max_points and row.passed
    page = client.get(last)
    html = page.get_data(as_text=True)
    assert page.status_code == 200  # the last question's feedback, then the results
    assert "feedback right" in html
    assert "the quiz is finished and your score is counted" in html
    assert f'href="/attempts/{attempt}/results"' in html
    assert FINISH not in html
    course = client.get(f"/courses/{COURSE}/").get_data(as_text=True)
    assert "best 100%" in course  # counted without pressing anything
    # A forged "last" on an attempt not answered through finishes nothing.
    second = attempt_id_from(
        auth.post(f"{QUIZ_PAGE}/start", {}, token_from=QUIZ_PAGE).headers["Location"]
    )
    slug, question = next(iter(QUESTIONS.items()))
    auth.post(
        f"/attempts/{second}/questions/{KEYS[slug]}",
        {**form_answer(question), "last": "1"},
        token_from=f"/attempts/{second}",
    )
    with session.begin():
        opened = session.get(Attempt, second)
        assert opened is not None and opened.status is AttemptStatus.OPEN
    # Finishing again (a stale "Finish" button) changes nothing and shows the results.
    again = auth.post(f"/attempts/{attempt}/submit", {}, token_from=f"/attempts/{attempt}/results")
    assert again.status_code == 302 and again.headers["Location"].endswith("/results")


def test_an_answered_through_attempt_left_open_offers_to_finish(
    client: FlaskClient, auth: AuthActions, session: Session, clock: FixedClock
) -> None:
    """An attempt answered through before this change (or by another client) is still
    open: its page says the button finishes the quiz."""
    auth.signup("open@example.org")
    with session.begin():
        user_id = session.scalar(select(User.id).where(User.email == "open@example.org"))
    assert user_id is not None
    attempt = start_attempt(session, clock, user_id)
    for slug, question in QUESTIONS.items():
        answer(session, clock, user_id, attempt, slug, form_answer(question))
    html = client.get(f"/attempts/{attempt}").get_data(as_text=True)
    assert "All questions are answered" in html and FINISH in html
    assert not re.search(r">\s*See my results\s*<", html)
    last = client.get(f"/attempts/{attempt}?answered={KEYS['interned']}").get_data(as_text=True)
    assert FINISH in last
