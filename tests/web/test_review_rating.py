"""The review page after feedback: the suggested rating, changing it (with and without
JavaScript) until the next card is shown, undo, setting a card aside and back."""

from __future__ import annotations

import re
from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from course.clock import FixedClock
from course.store.review import ReviewCard, ReviewLog
from tests.factories import (
    AuthActions,
    answer_path,
    attempt_id_from,
    bundled_questions,
    card_slug,
    form_answer,
)

QUIZ = "/courses/ww2-soviet-union/quizzes/soviet-union-ww2-quiz"
QUESTIONS = bundled_questions()


def finish_quiz(auth: AuthActions) -> None:
    start = auth.post(f"{QUIZ}/start", {}, token_from=QUIZ)
    attempt = attempt_id_from(start.headers["Location"])
    for qid, question in QUESTIONS.items():
        auth.post(
            answer_path(attempt, qid), form_answer(question), token_from=f"/attempts/{attempt}"
        )
    auth.post(f"/attempts/{attempt}/submit", {}, token_from="/")


def answer_shown(
    client: FlaskClient, auth: AuthActions, session: Session, right: bool = True
) -> tuple[int, str]:
    """Answer the card on /review; returns (card id, feedback page)."""
    page = client.get("/review").get_data(as_text=True)
    card = int(re.search(r'action="/review/(\d+)"', page).group(1))  # type: ignore[union-attr]
    reps = re.search(r'name="reps" value="(\d+)"', page).group(1)  # type: ignore[union-attr]
    data = {**form_answer(QUESTIONS[card_slug(session, card)], right, key="r"), "reps": reps}
    result = auth.post(f"/review/{card}", data, token_from="/review")
    assert result.status_code == 200
    return card, result.get_data(as_text=True)


def rate_path(page: str) -> str:
    return re.search(r'action="(/review/logs/\d+/rating)"', page).group(1)  # type: ignore[union-attr]


def logs(session: Session) -> int:
    with session.begin():
        return session.scalar(select(func.count()).select_from(ReviewLog)) or 0


def test_rating_can_change_until_the_next_card(
    client: FlaskClient, auth: AuthActions, clock: FixedClock, session: Session
) -> None:
    auth.signup("rate@example.org")
    finish_quiz(auth)
    clock.advance(timedelta(minutes=11))
    _card, page = answer_shown(client, auth, session)
    # The suggested rating (Good, for a right answer) is preselected.
    assert re.search(r'value="3" class="button rate" aria-pressed="true"', page)
    assert 'value="1" class="button rate secondary" aria-pressed="false"' in page
    assert "review.js" in page and "press 1–4" in page
    path, count = rate_path(page), logs(session)
    changed = auth.post(path, {"rating": "1"}, token_from="/")
    text = changed.get_data(as_text=True)
    assert changed.status_code == 200 and "Rating changed" in text
    assert 'value="1" class="button rate" aria-pressed="true"' in text
    assert "again in 1 minute." in text  # Again: back to the first learning step
    token = auth.csrf("/")
    as_json = client.post(
        path, data={"rating": "4", "csrf_token": token}, headers={"Accept": "application/json"}
    )
    assert as_json.status_code == 200 and as_json.json["label"] == "Easy"  # type: ignore[index]
    assert logs(session) == count  # one answer, one review
    bad = auth.post(path, {"rating": "7"}, token_from="/")
    assert bad.status_code == 302
    client.get("/review")  # the next card is shown: the rating is final
    late = client.post(
        path,
        data={"rating": "2", "csrf_token": auth.csrf("/")},
        headers={"Accept": "application/json"},
    )
    assert late.status_code == 409 and "can no longer change" in late.json["error"]  # type: ignore[index]


def test_undo_last_review(
    client: FlaskClient, auth: AuthActions, clock: FixedClock, session: Session
) -> None:
    auth.signup("undo@example.org")
    finish_quiz(auth)
    clock.advance(timedelta(minutes=11))
    count = logs(session)
    card, _page = answer_shown(client, auth, session, right=False)
    assert logs(session) == count + 1
    undone = auth.post("/review/undo", {}, token_from="/")
    assert undone.status_code == 302 and logs(session) == count
    page = client.get("/review").get_data(as_text=True)
    assert "Review undone" in page
    # A second undo (a retried request, another tab) does not walk back older reviews.
    again = auth.post("/review/undo", {}, token_from="/")
    assert again.status_code == 302 and logs(session) == count
    assert "Nothing to undo" in client.get("/review").get_data(as_text=True)
    nothing = auth.browser()
    nothing.signup("nothing@example.org")
    refused = nothing.post("/review/undo", {}, token_from="/")
    assert refused.status_code == 302 and logs(session) == count
    assert card


def test_set_aside_and_bring_back(
    client: FlaskClient, auth: AuthActions, clock: FixedClock, session: Session
) -> None:
    auth.signup("aside@example.org")
    finish_quiz(auth)
    clock.advance(timedelta(minutes=11))
    card, page = answer_shown(client, auth, session)
    assert f'action="/review/cards/{card}/suspend"' in page
    intruder = auth.browser()
    intruder.signup("intruder@example.org")
    assert intruder.post(f"/review/cards/{card}/suspend", {}, token_from="/").status_code == 404
    assert auth.post(f"/review/cards/{card}/suspend", {}, token_from="/").status_code == 302
    with session.begin():
        assert session.scalar(select(ReviewCard.suspended).where(ReviewCard.id == card)) is not None
    clock.advance(timedelta(days=30))  # everything due: the set-aside card still is not
    # While cards are due, the set-aside list is one link away and can bring it back.
    due_page = client.get("/review").get_data(as_text=True)
    assert 'href="/review/set-aside"' in due_page
    listing = client.get("/review/set-aside").get_data(as_text=True)
    assert f'action="/review/cards/{card}/unsuspend"' in listing
    assert f'action="/review/cards/{card}/unsuspend"' not in intruder.client.get(
        "/review/set-aside"
    ).get_data(as_text=True)
    shown = set()
    while match := re.search(
        r'action="/review/(\d+)"', client.get("/review").get_data(as_text=True)
    ):
        shown.add(int(match.group(1)))
        answer_shown(client, auth, session)
        assert len(shown) <= 20
    assert card not in shown and len(shown) == len(QUESTIONS) - 1
    summary = client.get("/review").get_data(as_text=True)
    assert 'id="set-aside"' in summary and f'action="/review/cards/{card}/unsuspend"' in summary
    assert auth.post(f"/review/cards/{card}/unsuspend", {}, token_from="/").status_code == 302
    page = client.get("/review").get_data(as_text=True)
    assert f'action="/review/{card}"' in page
