"""Accounts through the web: sign-up rules, throttling, sessions, deletion (THREATS 1–8)."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from course.clock import FixedClock
from course.services.accounts import LOGIN_PER_ADDRESS
from course.store.attempts import Attempt, Response
from course.store.users import User
from tests.factories import PASSWORD, AuthActions, answer_path, bundled_questions, form_answer

LOGIN = "/login"


def login(client: FlaskClient, email: str, password: str, remember: bool = False) -> int:
    return int(AuthActions(client).login(email, password, remember).status_code)


@pytest.mark.parametrize(
    ("email", "password", "message"),
    [
        ("a@example.org", "short", "at least 10 characters"),
        ("a@example.org", "x" * 10_000, "at most 256 characters"),
        ("longname@example.org", "longname@example.org", "must not be your email"),
        ("not-an-email", PASSWORD, "valid email address"),
        ("a@example.org", "aaaaaaaaaaaa", "too simple"),
    ],
)
def test_signup_rules(
    client: FlaskClient, auth: AuthActions, email: str, password: str, message: str
) -> None:
    page = auth.post("/signup", {"email": email, "password": password}, token_from="/signup")
    assert page.status_code == 400
    assert message in page.get_data(as_text=True)


def test_duplicate_email_normalized(client: FlaskClient, auth: AuthActions, app: Flask) -> None:
    auth.signup("Same@Example.org")
    other = app.test_client()
    page = AuthActions(other).post(
        "/signup",
        {"email": " same@example.ORG ", "password": PASSWORD},
        token_from="/signup",
    )
    text = page.get_data(as_text=True)
    assert page.status_code == 409 and "cannot be used to sign up" in text


def test_brute_force_on_one_account_is_throttled(app: Flask) -> None:
    victim = app.test_client()
    AuthActions(victim).signup("victim@example.org")
    attacker = app.test_client()
    statuses = [login(attacker, "victim@example.org", f"wrong guess {i}") for i in range(6)]
    assert statuses == [401] * 5 + [429]
    page = AuthActions(attacker).post(
        LOGIN, {"email": "victim@example.org", "password": PASSWORD}, token_from=LOGIN
    )
    assert page.status_code == 429 and "Try again in" in page.get_data(as_text=True)
    assert int(page.headers["Retry-After"]) > 0
    # Another account is unaffected.
    AuthActions(app.test_client()).signup("other@example.org")
    assert login(app.test_client(), "other@example.org", PASSWORD) == 302


def test_password_spraying_from_one_address_is_throttled(app: Flask) -> None:
    client = app.test_client()
    free = LOGIN_PER_ADDRESS.free
    statuses = [login(client, f"user{i}@example.org", "Password123!") for i in range(free + 1)]
    assert statuses[:free] == [401] * free and statuses[free] == 429


def test_throttle_expires(app: Flask, clock: FixedClock) -> None:
    from datetime import timedelta

    client = app.test_client()
    AuthActions(app.test_client()).signup("t@example.org")
    for i in range(5):
        login(client, "t@example.org", f"nope {i}")
    assert login(client, "t@example.org", PASSWORD) == 429
    clock.advance(timedelta(minutes=16))
    assert login(client, "t@example.org", PASSWORD) == 302


def test_session_rotated_at_login(client: FlaskClient, auth: AuthActions) -> None:
    auth.signup("s@example.org")
    auth.post("/logout", {}, token_from="/")
    client.get(LOGIN)
    before = client.get_cookie("session")
    assert login(client, "s@example.org", PASSWORD) == 302
    after = client.get_cookie("session")
    assert before is not None and after is not None and before.value != after.value


def test_password_change_logs_out_other_sessions(app: Flask) -> None:
    first, second = app.test_client(), app.test_client()
    AuthActions(first).signup("p@example.org")
    assert login(second, "p@example.org", PASSWORD, remember=True) == 302
    assert second.get("/account").status_code == 200
    page = AuthActions(first).post(
        "/account",
        {
            "pw-current": PASSWORD,
            "pw-new": "a brand new password",
            "pw-confirm": "a brand new password",
        },
        token_from="/account",
    )
    assert page.status_code == 302
    assert first.get("/account").status_code == 200  # this device stays logged in
    assert second.get("/account").status_code == 302  # the other is logged out
    assert login(second, "p@example.org", "a brand new password") == 302


def test_wrong_current_password_changes_nothing(client: FlaskClient, auth: AuthActions) -> None:
    auth.signup("w@example.org")
    page = auth.post(
        "/account",
        {
            "pw-current": "not my password",
            "pw-new": "another password x",
            "pw-confirm": "another password x",
        },
        token_from="/account",
    )
    assert page.status_code == 400 and "current password is not right" in page.get_data(
        as_text=True
    )


def test_delete_account_removes_its_data(
    client: FlaskClient, auth: AuthActions, session: Session
) -> None:
    auth.signup("d@example.org")
    quiz = "/courses/ww2-soviet-union/quizzes/soviet-union-ww2-quiz"
    start = auth.post(f"{quiz}/start", {}, token_from=quiz)
    attempt = start.headers["Location"].rsplit("/", 1)[-1]
    question = bundled_questions()["manchuria-invasion"]
    auth.post(
        answer_path(attempt, "manchuria-invasion"),
        form_answer(question),
        token_from=f"/attempts/{attempt}",
    )
    refused = auth.post("/account/delete", {"del-password": PASSWORD}, token_from="/account")
    assert refused.status_code == 400  # not confirmed
    done = auth.post(
        "/account/delete",
        {"del-password": PASSWORD, "del-confirm": "y"},
        token_from="/account",
    )
    assert done.status_code == 302
    with session.begin():
        for model in (User, Attempt, Response):
            assert session.scalar(select(func.count()).select_from(model)) == 0
    assert client.get("/account").status_code == 302


def test_logout_requires_csrf(client: FlaskClient, auth: AuthActions) -> None:
    auth.signup("l@example.org")
    assert client.post("/logout").status_code == 400
    token = auth.csrf("/")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
