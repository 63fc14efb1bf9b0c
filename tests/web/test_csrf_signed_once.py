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


def test_a_token_this_worker_knows_still_needs_the_referrer_on_https(
    auth: AuthActions, client: FlaskClient
) -> None:
    """The kept-token shortcut applies flask-wtf's HTTPS referrer rule too."""
    auth.signup()
    token = csrf_token(client, "/")
    https = {"base_url": "https://localhost"}
    refused = client.post("/logout", data={"csrf_token": token}, **https)
    assert refused.status_code == 400
    foreign = client.post(
        "/logout",
        data={"csrf_token": token},
        headers={"Referer": "https://evil.example/"},
        **https,
    )
    assert foreign.status_code == 400
    ok = client.post(
        "/logout", data={"csrf_token": token}, headers={"Referer": "https://localhost/"}, **https
    )
    assert ok.status_code == 302


def test_a_token_verified_the_slow_way_is_kept(auth: AuthActions, client: FlaskClient) -> None:
    """A token signed by another worker is checked by flask-wtf once, then known here."""
    auth.signup()
    token = csrf_token(client, "/")
    extensions._SIGNED_TOKENS.clear()  # as if another worker had made the page
    form = {"csrf_token": token, "tz-csrf_token": token, "tz-timezone": "UTC"}
    sent = client.post("/account/timezone", data=form)
    assert sent.status_code == 302
    assert token in extensions._SIGNED_TOKENS.values()


def test_a_forged_token_of_any_text_is_refused_not_an_error(
    auth: AuthActions, client: FlaskClient
) -> None:
    auth.signup()
    csrf_token(client, "/")
    for forged in ("ü\x19é", "x" * 300, "", "\U000e7982"):
        assert client.post("/logout", data={"csrf_token": forged}).status_code == 400
