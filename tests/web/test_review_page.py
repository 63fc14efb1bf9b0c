"""The review page in the app: due questions after a quiz, feedback, summary, time zone."""

from __future__ import annotations

import re
from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from course.clock import FixedClock
from tests.factories import (
    AuthActions,
    answer_path,
    attempt_id_from,
    bundled_questions,
    card_slug,
    form_answer,
    slugs_in,
)

QUIZ = "/courses/ww2-soviet-union/quizzes/soviet-union-ww2-quiz"
QUESTIONS = bundled_questions()


def finish_quiz(client: FlaskClient) -> None:
    start = AuthActions(client).post(f"{QUIZ}/start", {}, token_from=QUIZ)
    attempt = attempt_id_from(start.headers["Location"])
    for qid, question in QUESTIONS.items():
        data = {**form_answer(question), "confidence": "sure"}
        AuthActions(client).post(answer_path(attempt, qid), data, token_from=f"/attempts/{attempt}")
    AuthActions(client).post(f"/attempts/{attempt}/submit", {}, token_from="/")


def test_review_after_quiz(
    client: FlaskClient, auth: AuthActions, clock: FixedClock, session: Session
) -> None:
    auth.signup("rev@example.org")
    assert "Nothing due right now" in client.get("/review").get_data(as_text=True)
    finish_quiz(client)
    clock.advance(timedelta(days=4))
    page = client.get("/review").get_data(as_text=True)
    assert "ready now" in page and 'name="reps"' in page
    assert "correct" not in page.lower()  # no answer leaks into the review form either
    reviewed = 0
    while (match := re.search(r'action="/review/(\d+)"', page)) is not None:
        assert 'id="question-r"' in page and slugs_in(page) == []  # opaque key, no slug
        card = match.group(1)
        data = {
            **form_answer(QUESTIONS[card_slug(session, int(card))], key="r"),
            "reps": re.search(r'name="reps" value="(\d+)"', page).group(1),  # type: ignore[union-attr]
        }
        result = auth.post(f"/review/{card}", data, token_from="/review")
        assert result.status_code == 200 and "Correct." in result.get_data(as_text=True)
        again = auth.post(f"/review/{card}", data, token_from="/")  # reload / double submit
        assert again.status_code == 302
        reviewed += 1
        page = client.get("/review").get_data(as_text=True)
        assert reviewed <= 20
    assert reviewed >= 1
    assert "Done for today" in page and f"You gave {reviewed} review answer" in page
    progress = client.get("/courses/ww2-soviet-union/progress").get_data(as_text=True)
    assert '<svg class="chart"' in progress and "Predicted recall per lesson" in progress
    assert "Reviews due in the next 14 days" in progress


def test_forged_review_values(client: FlaskClient, auth: AuthActions) -> None:
    auth.signup("forge@example.org")
    assert auth.post("/review/99999", {"reps": "0"}, token_from="/review").status_code == 404
    missing = auth.post("/review/1", {}, token_from="/review")
    assert missing.status_code == 302  # no reps: back to the queue, nothing graded


def test_signup_keeps_browser_time_zone(client: FlaskClient, auth: AuthActions) -> None:
    token = auth.csrf("/signup")
    client.post(
        "/signup",
        data={
            "email": "tz@example.org",
            "password": "a long enough password",
            "timezone": "Asia/Tokyo",
            "csrf_token": token,
        },
    )
    assert 'value="Asia/Tokyo"' in client.get("/account").get_data(as_text=True)
    bad = auth.post("/account/timezone", {"tz-timezone": "Mars/Olympus"}, token_from="/account")
    assert bad.status_code == 400 and "Unknown time zone" in bad.get_data(as_text=True)
    good = auth.post(
        "/account/timezone", {"tz-timezone": "America/Los_Angeles"}, token_from="/account"
    )
    assert good.status_code == 302


def test_review_limits_form(client: FlaskClient, auth: AuthActions) -> None:
    auth.signup("limits@example.org")
    saved = auth.post(
        "/review/settings",
        {"new_per_day": "5", "reviews_per_day": ""},
        token_from="/review",
    )
    assert saved.status_code == 302
    page = client.get("/review").get_data(as_text=True)
    assert 'name="new_per_day" type="number" min="0" max="1000" value="5"' in page
    bad = auth.post("/review/settings", {"new_per_day": "-3"}, token_from="/review")
    assert bad.status_code == 302
    assert 'value="5"' in client.get("/review").get_data(as_text=True)  # unchanged


def test_course_page_shows_reviews_due_today(
    client: FlaskClient, auth: AuthActions, clock: FixedClock
) -> None:
    auth.signup("due@example.org")
    finish_quiz(client)
    clock.advance(timedelta(days=4))
    page = client.get("/courses/ww2-soviet-union/").get_data(as_text=True)
    assert re.search(r"Review \d+ questions? due today", page)
