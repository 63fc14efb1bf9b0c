"""Log in and out with CSRF, safe redirects and no account enumeration."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from course.clock import FixedClock
from tests.factories import AuthActions, make_user

PASSWORD = "correct horse battery"


@pytest.fixture
def user(session: Session, clock: FixedClock, app: Flask) -> str:
    make_user(session, clock, "Ada@Example.org", password=PASSWORD, display_name="Ada")
    return "ada@example.org"


def login(client: FlaskClient, email: str, password: str, next_url: str = "") -> int:
    return int(AuthActions(client).login(email, password, next_url=next_url).status_code)


def test_login_and_logout(client: FlaskClient, auth: AuthActions, user: str) -> None:
    assert login(client, "ADA@example.org ", PASSWORD) == 302
    assert "Ada" in client.get("/").get_data(as_text=True)
    token = auth.csrf("/")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert "Log in" in client.get("/").get_data(as_text=True)


def test_wrong_password_and_unknown_email_look_the_same(
    client: FlaskClient, auth: AuthActions, user: str
) -> None:
    responses = []
    for email, password in ((user, "wrong password!"), ("nobody@example.org", PASSWORD)):
        token = auth.csrf("/login")
        page = client.post(
            "/login", data={"email": email, "password": password, "csrf_token": token}
        )
        responses.append(
            (page.status_code, "Email or password is not right." in page.get_data(as_text=True))
        )
    assert responses == [(401, True), (401, True)]


def test_login_without_csrf_is_refused(client: FlaskClient, user: str) -> None:
    page = client.post("/login", data={"email": user, "password": PASSWORD})
    assert page.status_code == 400
    assert "Reload the page" in page.get_data(as_text=True)


@pytest.mark.parametrize(
    "target", ["https://evil.example", "//evil.example", "/\\evil.example", "javascript:alert(1)"]
)
def test_next_only_to_local_paths(
    client: FlaskClient, auth: AuthActions, user: str, target: str
) -> None:
    token = auth.csrf("/login")
    page = client.post(
        f"/login?next={target}", data={"email": user, "password": PASSWORD, "csrf_token": token}
    )
    assert page.status_code == 302
    assert page.headers["Location"] in ("/", "http://localhost/")


def test_next_local_path_kept(client: FlaskClient, auth: AuthActions, user: str) -> None:
    token = auth.csrf("/login")
    page = client.post(
        "/login?next=/courses/ww2-soviet-union/",
        data={"email": user, "password": PASSWORD, "csrf_token": token},
    )
    assert page.headers["Location"].endswith("/courses/ww2-soviet-union/")
