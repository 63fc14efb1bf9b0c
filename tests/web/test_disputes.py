"""Disputes through the app: the results page's form, status codes, CSRF, the 429 of the
rate limit, the instructor's pages, and what each side sees."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from course.clock import FixedClock
from course.services import classes
from course.services.limits import DISPUTES_PER_LEARNER
from tests.factories import (
    KEYS,
    AuthActions,
    make_class,
    make_instructor,
    make_learner,
    take_quiz,
)

SAKHALIN = KEYS["north-of-japan"]


def logged_in(app: Flask, email: str) -> FlaskClient:
    return AuthActions(app.test_client()).login_as(email)


@pytest.fixture
def world(app: Flask, session: Session, clock: FixedClock) -> dict[str, int]:
    teacher = make_instructor(session, clock, "teacher@example.org", display_name="Ms T")
    kim = make_learner(session, clock, "kim@example.org", display_name="Kim")
    lea = make_learner(session, clock, "lea@example.org", display_name="Lea")
    class_id, code = make_class(session, clock, teacher)
    for learner in (kim, lea):
        classes.join(session, clock, learner, code)
    return {
        "class_id": class_id,
        "kim_id": kim.id,
        "kim": take_quiz(session, clock, kim.id, answers={"north-of-japan": "Hokkaido"}),
        "lea": take_quiz(
            session,
            clock,
            lea.id,
            answers={"north-of-japan": "<b>Kunashir</b>"},
            wrong=["parallel"],
        ),
    }


def dispute(client: FlaskClient, attempt: int, position: str, comment: str) -> TestResponse:
    results = f"/attempts/{attempt}/results"
    return AuthActions(client).post(
        f"/attempts/{attempt}/questions/{position}/dispute", {"comment": comment}, results
    )


def dispute_id(html: str) -> int:
    found = re.search(r'href="/teach/disputes/(\d+)"', html)
    assert found, html
    return int(found.group(1))


def test_learner_disputes_and_sees_the_outcome(app: Flask, world: dict[str, int]) -> None:
    kim = logged_in(app, "kim@example.org")
    results = f"/attempts/{world['kim']}/results"
    page = kim.get(results).get_data(as_text=True)
    # The form is offered under the wrong answer only (every other answer is right).
    assert page.count("I think my answer should count") == 1
    assert f'action="/attempts/{world["kim"]}/questions/{SAKHALIN}/dispute"' in page
    no_token = kim.post(
        f"/attempts/{world['kim']}/questions/{SAKHALIN}/dispute", data={"comment": "x"}
    )
    assert no_token.status_code == 400
    sent = dispute(kim, world["kim"], SAKHALIN, "Hokkaido is an island <too>")
    assert sent.status_code == 302
    assert sent.headers["Location"].endswith(f"{results}#answer-{SAKHALIN}")
    page = kim.get(results).get_data(as_text=True)
    assert "Waiting for your instructor" in page
    assert "Hokkaido is an island &lt;too&gt;" in page
    assert "I think my answer should count" not in page
    again = dispute(kim, world["kim"], SAKHALIN, "Again")
    assert again.status_code == 409
    right = dispute(kim, world["kim"], KEYS["manchuria-garrison"], "Full marks already")
    assert right.status_code == 409
    empty = dispute(kim, world["kim"], KEYS["parallel"], "   ")
    assert empty.status_code == 400
    long = dispute(kim, world["kim"], KEYS["parallel"], "x" * 501)
    assert long.status_code == 400
    lea = logged_in(app, "lea@example.org")
    theirs = dispute(lea, world["kim"], SAKHALIN, "Not mine")
    assert theirs.status_code == 404


def test_instructor_accepts_and_both_see_the_reason(app: Flask, world: dict[str, int]) -> None:
    kim = logged_in(app, "kim@example.org")
    dispute(kim, world["kim"], SAKHALIN, "Close to Sakhalin")
    lea = logged_in(app, "lea@example.org")
    dispute(lea, world["lea"], SAKHALIN, "LEA-PRIVATE-WORDS")
    teacher = logged_in(app, "teacher@example.org")
    inbox = teacher.get(f"/teach/classes/{world['class_id']}/disputes").get_data(as_text=True)
    assert "Close to Sakhalin" in inbox and "LEA-PRIVATE-WORDS" in inbox
    assert "&lt;b&gt;Kunashir&lt;/b&gt;" in inbox and "<b>Kunashir" not in inbox  # escaped
    kims = dispute_id(inbox.split("Close to Sakhalin")[0].rsplit("<tr>", 1)[1])
    page = teacher.get(f"/teach/disputes/{kims}").get_data(as_text=True)
    assert "How it was graded" in page and "accepted answer" in page
    assert "“hokkaido” vs “sakhalin”" in page  # the normalized forms compared
    assert "How others answered" in page and "kunashir" in page  # Lea's, grouped
    assert "Accept for everyone" in page
    bad = AuthActions(teacher).post(
        f"/teach/disputes/{kims}/resolve", {"action": "nope"}, f"/teach/disputes/{kims}"
    )
    assert bad.status_code == 400
    unexplained = AuthActions(teacher).post(
        f"/teach/disputes/{kims}/resolve", {"action": "decline"}, f"/teach/disputes/{kims}"
    )
    assert unexplained.status_code == 400
    done = AuthActions(teacher).post(
        f"/teach/disputes/{kims}/resolve",
        {"action": "learner", "reply": "Fair: the question was unclear."},
        f"/teach/disputes/{kims}",
    )
    assert done.status_code == 302
    settled = teacher.get(f"/teach/disputes/{kims}").get_data(as_text=True)
    assert "Settled" in settled and "Fair: the question was unclear." in settled
    assert "dispute accepted" in settled  # the audit row, in words
    results = kim.get(f"/attempts/{world['kim']}/results").get_data(as_text=True)
    assert "Accepted: your answer counts" in results
    assert "Fair: the question was unclear." in results
    assert "Score changes" in results and "dispute accepted" in results
    assert "Dispute accepted for this answer. Fair: the question was unclear." in results
    # Kim never sees Lea's answer or words.
    assert "Kunashir" not in results and "LEA-PRIVATE-WORDS" not in results


def test_accept_for_everyone_through_the_page(app: Flask, world: dict[str, int]) -> None:
    kim = logged_in(app, "kim@example.org")
    dispute(kim, world["kim"], SAKHALIN, "Please")
    teacher = logged_in(app, "teacher@example.org")
    kims = dispute_id(teacher.get("/teach/disputes").get_data(as_text=True))
    done = AuthActions(teacher).post(
        f"/teach/disputes/{kims}/resolve", {"action": "everyone"}, f"/teach/disputes/{kims}"
    )
    assert done.status_code == 302
    results = kim.get(f"/attempts/{world['kim']}/results").get_data(as_text=True)
    assert "Accepted: the answer key now counts this answer" in results
    assert "regrade after key fix" in results
    assert "“Hokkaido” added to the answer key for everyone" in results
    assert "17 of 17 points" in results


def test_rate_limit_is_a_clear_429(
    app: Flask, world: dict[str, int], session: Session, clock: FixedClock
) -> None:
    kim = logged_in(app, "kim@example.org")
    wrong = take_quiz(session, clock, world["kim_id"], wrong=list(KEYS))
    positions = sorted(KEYS.values(), key=int)
    for position in positions[: DISPUTES_PER_LEARNER.free]:
        assert dispute(kim, wrong, position, "Counts").status_code == 302
    refused = dispute(kim, wrong, positions[-1], "Counts")
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == str(24 * 3600)
    page = refused.get_data(as_text=True)
    limit = "You have sent 10 disputes today; you can send more in about 24 hours."
    assert limit in page and "Too many attempts" not in page
    assert "<h2>Your answers</h2>" in page  # the results page, not an error page
    assert ">Counts</textarea>" in page  # the typed words are kept
    clock.advance(timedelta(minutes=62))
    later = kim.get(f"/attempts/{wrong}/results").get_data(as_text=True)
    assert "You have sent 10 disputes today; you can send more in about 23 hours." in later
    # The form is replaced by the hint where an answer could still be disputed.
    assert "Send to my instructor" not in later


def test_refused_forms_come_back_with_the_reason_and_the_words(
    app: Flask, world: dict[str, int]
) -> None:
    kim = logged_in(app, "kim@example.org")
    results = f"/attempts/{world['kim']}/results"
    for words, status, reason in [
        ("   ", 400, "Say in a few words why your answer should count."),
        ("y" * 501, 400, "Keep the comment to 500 characters (it has 501)."),
    ]:
        refused = dispute(kim, world["kim"], SAKHALIN, words)
        assert refused.status_code == status
        page = refused.get_data(as_text=True)
        assert "That request could not be understood" not in page
        assert "<h2>Your answers</h2>" in page
        assert (
            f'<span class="field-error" id="comment-err-{SAKHALIN}" role="alert">{reason}' in page
        )
        assert f">{words}</textarea>" in page
        assert '<details class="dispute-form" open>' in page
    assert dispute(kim, world["kim"], SAKHALIN, "Hokkaido").status_code == 302
    teacher = logged_in(app, "teacher@example.org")
    kims = dispute_id(teacher.get("/teach/disputes").get_data(as_text=True))
    detail = f"/teach/disputes/{kims}"
    for form, reason in [
        ({"action": "decline", "reply": "  "}, "Say why you decline: the learner reads it."),
        ({"action": "decline", "reply": "z" * 1001}, "Keep the reply to 1000 characters"),
        ({"action": "nope", "reply": "kept words"}, "Choose accept for everyone"),
    ]:
        refused = AuthActions(teacher).post(f"{detail}/resolve", form, detail)
        assert refused.status_code == 400
        page = refused.get_data(as_text=True)
        assert "That request could not be understood" not in page
        assert "Kim thinks this answer should count" in page and "Settle it" in page
        assert reason in page and f">{form['reply']}</textarea>" in page
        assert 'name="action" value="decline"' in page  # the real buttons, not a typed box
    # Nothing was settled: the learner still waits.
    assert "Waiting for your instructor" in kim.get(results).get_data(as_text=True)


def test_a_decline_is_final_and_stays_in_view(app: Flask, world: dict[str, int]) -> None:
    kim = logged_in(app, "kim@example.org")
    results = f"/attempts/{world['kim']}/results"
    dispute(kim, world["kim"], SAKHALIN, "First words")
    teacher = logged_in(app, "teacher@example.org")
    kims = dispute_id(teacher.get("/teach/disputes").get_data(as_text=True))
    AuthActions(teacher).post(
        f"/teach/disputes/{kims}/resolve",
        {"action": "decline", "reply": "Hokkaido is Japan."},
        f"/teach/disputes/{kims}",
    )
    page = kim.get(results).get_data(as_text=True)
    assert "Your dispute: Declined" in page and "Hokkaido is Japan." in page
    assert "by teacher@example.org" in page
    assert "ask your instructor directly" in page
    assert f'questions/{SAKHALIN}/dispute"' not in page  # no form under that answer
    again = dispute(kim, world["kim"], SAKHALIN, "Second words")
    assert again.status_code == 409
    page = again.get_data(as_text=True)
    assert "declined on" in page and "by teacher@example.org; ask your instructor directly" in page
    assert "Hokkaido is Japan." in page and "First words" in page  # the history stays
    assert "Waiting for your instructor" not in kim.get(results).get_data(as_text=True)


def test_learners_and_strangers_get_no_inbox(app: Flask, world: dict[str, int]) -> None:
    kim = logged_in(app, "kim@example.org")
    assert kim.get("/teach/disputes").status_code == 403
    assert app.test_client().get("/teach/disputes").status_code == 302  # to the login page
    assert logged_in(app, "teacher@example.org").get("/teach/disputes/999").status_code == 404
