"""A session's CSRF token is signed once per worker (``extensions.csrf_token``), and the
kept signed form stays exactly as strict as a fresh one: it is the session's own, a new
login gets a new one, and another session's is refused."""

from __future__ import annotations

from flask.testing import FlaskClient

from course.web import extensions
from tests.factories import AuthActions, csrf_token


def test_pages_of_one_session_carry_one_signed_token(
    auth: AuthActions, client: FlaskClient
) -> None:
    auth.signup()
    first = csrf_token(client, "/")
    assert csrf_token(client, "/") == first
    assert first in extensions._SIGNED_TOKENS.values()
    # the kept token is accepted: logging out with it works
    assert client.post("/logout", data={"csrf_token": first}).status_code == 302


def test_a_new_login_gets_a_new_token_and_the_old_one_is_refused(
    auth: AuthActions, client: FlaskClient
) -> None:
    auth.signup()
    before = csrf_token(client, "/")
    assert auth.logout().status_code == 302
    assert auth.login("learner@example.org").status_code == 302
    after = csrf_token(client, "/")
    assert after != before
    refused = client.post("/logout", data={"csrf_token": before})
    assert refused.status_code == 400
    assert client.post("/logout", data={"csrf_token": after}).status_code == 302


def test_another_sessions_kept_token_is_refused(auth: AuthActions, client: FlaskClient) -> None:
    other = auth.browser()
    other.signup(email="other@example.org")
    foreign = csrf_token(other.client, "/")
    auth.signup()
    csrf_token(client, "/")
    assert client.post("/logout", data={"csrf_token": foreign}).status_code == 400
