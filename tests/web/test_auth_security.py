"""The auth forms against an attacker: CSRF, mass assignment, enumeration, password
policy, re-authentication, hashing cost and logs (THREATS 3, 7, 8, 51, 52, 56, 57)."""

from __future__ import annotations

import logging
import re

import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from course.clock import FixedClock
from course.services import passwords
from course.services.accounts import LOGIN_PER_ACCOUNT_ADDRESS
from course.settings import Settings
from course.store.users import Role, User
from course.web.app import create_app
from tests.factories import PASSWORD, AuthActions, make_user

EMAIL = "ada@example.org"


class CountingHasher(passwords.Hasher):
    """The test hasher, counting the expensive calls."""

    def __init__(self) -> None:
        super().__init__(passwords.MINIMUM)
        self.calls = 0

    def hash(self, password: str) -> str:
        self.calls += 1
        return super().hash(password)

    def verify(self, encoded: str, password: str) -> bool:
        if len(password) <= passwords.MAX_PASSWORD:
            self.calls += 1
        return super().verify(encoded, password)


@pytest.fixture
def counting() -> CountingHasher:
    hasher = CountingHasher()
    passwords.use(hasher)
    return hasher


@pytest.fixture
def ada(session: Session, clock: FixedClock, app: Flask) -> int:
    return make_user(session, clock, EMAIL, display_name="Ada").id


def logged_in(app: Flask, email: str = EMAIL, password: str = PASSWORD) -> FlaskClient:
    return AuthActions(app.test_client()).login_as(email, password)


def stored(session: Session, user_id: int) -> User:
    with session.begin():
        user = session.get(User, user_id)
        assert user is not None
        session.expunge(user)
        return user


# --- THREATS 51: every auth form refuses a missing or foreign CSRF token -----------

AUTH_FORMS = [
    ("/login", False, {"email": EMAIL, "password": PASSWORD}),
    ("/signup", False, {"email": "new@example.org", "password": PASSWORD}),
    ("/logout", True, {}),
    ("/account", True, {"pw-current": PASSWORD, "pw-new": "x y z w v", "pw-confirm": "x y z w v"}),
    ("/account/email", True, {"em-email": "moved@example.org", "em-current": PASSWORD}),
    ("/account/timezone", True, {"tz-timezone": "Europe/Berlin"}),
    ("/account/delete", True, {"del-password": PASSWORD, "del-confirm": "y"}),
]


@pytest.mark.parametrize(("path", "logged", "data"), AUTH_FORMS)
@pytest.mark.parametrize("token", ["missing", "foreign"])
def test_auth_forms_refuse_missing_or_foreign_csrf(
    app: Flask,
    session: Session,
    ada: int,
    path: str,
    logged: bool,
    data: dict[str, str],
    token: str,
) -> None:
    client = logged_in(app) if logged else app.test_client()
    client.get("/")  # a session of its own
    form = dict(data)
    if token == "foreign":
        form["csrf_token"] = AuthActions(app.test_client()).csrf("/login")  # another browser's
    page = client.post(path, data=form)
    assert page.status_code == 400
    assert "Reload the page" in page.get_data(as_text=True)
    user = stored(session, ada)
    assert user.email == EMAIL and user.timezone == "UTC"  # nothing changed
    if logged:
        assert client.get("/account").status_code == 200  # still logged in


# --- THREATS 52: extra fields are ignored ------------------------------------------


def test_signup_ignores_role_and_id_fields(
    client: FlaskClient, auth: AuthActions, session: Session, ada: int
) -> None:
    page = auth.post(
        "/signup",
        {
            "email": "mallory@example.org",
            "password": PASSWORD,
            "role": "admin",
            "id": str(ada),
            "user_id": str(ada),
            "password_hash": "x",
        },
        token_from="/signup",
    )
    assert page.status_code == 302
    with session.begin():
        mallory = session.scalar(select(User).where(User.email == "mallory@example.org"))
        assert mallory is not None and mallory.role is Role.LEARNER and mallory.id != ada
        assert session.get(User, ada).email == EMAIL  # type: ignore[union-attr]


def test_account_forms_ignore_role_and_user_id(
    app: Flask, session: Session, clock: FixedClock, ada: int
) -> None:
    other = make_user(session, clock, "bob@example.org", display_name="Bob").id
    client = logged_in(app, "bob@example.org")
    page = AuthActions(client).post(
        "/account/email",
        {
            "em-email": "bobby@example.org",
            "em-current": PASSWORD,
            "role": "admin",
            "user_id": str(ada),
            "em-user_id": str(ada),
        },
        token_from="/account",
    )
    assert page.status_code == 302
    assert stored(session, ada).email == EMAIL
    bob = stored(session, other)
    assert bob.email == "bobby@example.org" and bob.role is Role.LEARNER


# --- THREATS 3: no enumeration by message or by work -----------------------------


def test_unknown_email_costs_one_verify_like_a_wrong_password(
    client: FlaskClient, auth: AuthActions, ada: int, counting: CountingHasher
) -> None:
    work = []
    for email in (EMAIL, "nobody@example.org"):
        before = counting.calls
        page = auth.post("/login", {"email": email, "password": "wrong password"}, "/login")
        assert page.status_code == 401
        assert "Email or password is not right." in page.get_data(as_text=True)
        work.append(counting.calls - before)
    assert work == [1, 1]


def test_signup_with_a_taken_email_does_the_same_work_and_names_no_account(
    app: Flask, ada: int, counting: CountingHasher
) -> None:
    before = counting.calls
    new = AuthActions(app.test_client()).post(
        "/signup",
        {"email": "fresh@example.org", "password": PASSWORD},
        "/signup",
    )
    assert new.status_code == 302
    fresh_work = counting.calls - before
    before = counting.calls
    taken = AuthActions(app.test_client()).post(
        "/signup", {"email": EMAIL, "password": PASSWORD}, "/signup"
    )
    assert counting.calls - before == fresh_work == 1
    text = taken.get_data(as_text=True)
    assert taken.status_code == 409
    assert "cannot be used to sign up" in text and "already exists" not in text


# --- THREATS 7 and 57: the password policy ------------------------------------------


@pytest.mark.parametrize(
    "password", ["password123!", "qwertyuiop", "iloveyou12", "Password123!", "1qaz2wsx3edc"]
)
def test_common_passwords_are_refused_with_advice(app: Flask, password: str) -> None:
    page = AuthActions(app.test_client()).post(
        "/signup",
        {"email": "pat@example.org", "password": password},
        "/signup",
    )
    assert page.status_code == 400
    text = page.get_data(as_text=True)
    assert "too easy to guess" in text and "unrelated words" in text


@pytest.mark.parametrize("length", [64, 128, 256])
def test_long_passwords_work(app: Flask, length: int) -> None:
    password = ("Correct-Horse-Battery-Staple-" * 10)[:length]
    client = app.test_client()
    page = AuthActions(client).post(
        "/signup", {"email": "long@example.org", "password": password}, "/signup"
    )
    assert page.status_code == 302, page.get_data(as_text=True)
    AuthActions(client).post("/logout", {}, "/")
    assert logged_in(app, "long@example.org", password).get("/account").status_code == 200


def test_a_10_kb_password_is_refused_before_hashing(
    app: Flask, ada: int, counting: CountingHasher
) -> None:
    huge = "x" * 10_000
    page = AuthActions(app.test_client()).post(
        "/signup", {"email": "h@example.org", "password": huge}, "/signup"
    )
    assert page.status_code == 400 and "at most 256 characters" in page.get_data(as_text=True)
    login = AuthActions(app.test_client()).post(
        "/login", {"email": EMAIL, "password": huge}, "/login"
    )
    assert login.status_code == 400
    assert counting.calls == 0


@pytest.mark.parametrize(
    ("path", "data", "field"),
    [
        (
            "/account",
            {"pw-new": "fresh phrase of words", "pw-confirm": "fresh phrase of words"},
            "pw-current",
        ),
        ("/account/email", {"em-email": "elsewhere@example.org"}, "em-current"),
        ("/account/delete", {"del-confirm": "y"}, "del-password"),
    ],
)
def test_sensitive_changes_ask_for_the_current_password(
    app: Flask, session: Session, ada: int, path: str, data: dict[str, str], field: str
) -> None:
    """THREATS 57: a session left open is not enough to take the account over."""
    client = logged_in(app)
    hash_before = stored(session, ada).password_hash
    for current in (None, "not my password"):
        form = dict(data)
        if current is not None:
            form[field] = current
        page = AuthActions(client).post(path, form, token_from="/account")
        assert page.status_code == 400
    user = stored(session, ada)
    assert user.email == EMAIL and user.password_hash == hash_before
    assert client.get("/account").status_code == 200


def test_email_change_then_login_with_the_new_email(app: Flask, ada: int) -> None:
    client = logged_in(app)
    page = AuthActions(client).post(
        "/account/email",
        {"em-email": "Ada.New@Example.org", "em-current": PASSWORD},
        token_from="/account",
    )
    assert page.status_code == 302
    assert "ada.new@example.org" in client.get("/account").get_data(as_text=True)
    logged_in(app, "ada.new@example.org")


# --- argon2: OWASP parameters, rehash at login ---------------------------------------


def test_old_hashes_are_upgraded_at_login(app: Flask, session: Session, ada: int) -> None:
    old = PasswordHasher(time_cost=3, memory_cost=64 * 1024, parallelism=4).hash(PASSWORD)
    with session.begin():
        session.get(User, ada).password_hash = old  # type: ignore[union-attr]
    logged_in(app)
    upgraded = stored(session, ada).password_hash
    assert upgraded != old and "m=8,t=1,p=1" in upgraded  # the hasher in use (tests: minimum)
    logged_in(app)  # and the new hash works


def test_production_parameters_are_owasps() -> None:
    params = Settings.__dataclass_fields__["password_hash"].default
    assert params == passwords.OWASP
    assert (params.time_cost, params.memory_kib, params.parallelism) == (2, 19 * 1024, 1)
    assert "m=19456,t=2,p=1" in passwords.Hasher(params).hash("any password at all")


# --- THREATS 56: one structured line per auth event, no secrets ---------------------


def test_auth_events_are_logged_once_without_secrets(
    app: Flask, ada: int, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    client = app.test_client()
    guesses = [f"secret guess {i}" for i in range(LOGIN_PER_ACCOUNT_ADDRESS.free + 1)]
    for guess in guesses:
        AuthActions(client).post("/login", {"email": EMAIL, "password": guess}, "/login")
    lines = [r.getMessage() for r in caplog.records]
    failed = [line for line in lines if "event=login_failed" in line]
    throttled = [line for line in lines if "event=throttled" in line]
    assert len(failed) == LOGIN_PER_ACCOUNT_ADDRESS.free and len(throttled) == 1
    assert all(re.fullmatch(r"security event=\w+( \w+=\S*)*", line) for line in failed + throttled)
    cookie = client.get_cookie("session")
    for line in lines:
        assert "ada@" not in line and "example.org" not in line
        assert not any(g in line for g in guesses) and PASSWORD not in line
        assert cookie is None or cookie.value not in line


# --- THREATS 8: cookie flags -------------------------------------------------------


def test_cookies_are_httponly_lax_and_secure_behind_https(
    settings: Settings, engine: Engine, clock: FixedClock, session: Session, synced: None
) -> None:
    app = create_app(settings.with_overrides(secure_cookies=True), engine, clock)
    app.config.update(TESTING=True)
    make_user(session, clock, EMAIL, display_name="Ada")
    client = app.test_client()
    html = client.get("/login", base_url="https://localhost").get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match
    page = client.post(
        "/login",
        data={"email": EMAIL, "password": PASSWORD, "remember": "y", "csrf_token": match[1]},
        base_url="https://localhost",
        headers={"Referer": "https://localhost/login"},
    )
    assert page.status_code == 302
    headers = page.headers.getlist("Set-Cookie")
    assert {h.split("=", 1)[0] for h in headers} >= {"session", "remember_token"}
    for header in headers:
        assert "HttpOnly" in header and "SameSite=Lax" in header and "Secure" in header
