"""Login sessions through the app: logout with "keep me logged in", copied cookies,
lifetimes, and sessions ended by role changes and deletion (THREATS 4, 5, 41, 53)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from course.clock import FixedClock
from course.settings import Settings
from course.store.users import Role, UserSession
from course.web.app import create_app
from tests.factories import PASSWORD, AuthActions, make_user

REMEMBER = "remember_token"


def login(client: FlaskClient, email: str, remember: bool = False) -> None:
    page = AuthActions(client).login(email, PASSWORD, remember)
    assert page.status_code == 302, page.get_data(as_text=True)


def logout(client: FlaskClient) -> None:
    assert AuthActions(client).logout().status_code == 302


def cookies(client: FlaskClient) -> dict[str, str]:
    return {
        name: cookie.value
        for name in ("session", REMEMBER)
        if (cookie := client.get_cookie(name)) is not None
    }


def browser_with(app: Flask, jar: dict[str, str]) -> FlaskClient:
    """Another browser holding copies of some cookies."""
    client = app.test_client()
    for name, value in jar.items():
        client.set_cookie(name, value)
    return client


@pytest.fixture
def ada(session: Session, clock: FixedClock, app: Flask) -> str:
    make_user(session, clock, "ada@example.org", display_name="Ada")
    return "ada@example.org"


def test_logout_with_remember_me_logs_out(app: Flask, ada: str) -> None:
    """THREATS 41: the shared computer. Before the fix, /account answered 200 after logout."""
    client = app.test_client()
    login(client, ada, remember=True)
    assert client.get_cookie(REMEMBER) is not None
    logout(client)
    assert client.get_cookie(REMEMBER) is None  # the browser was told to delete it
    assert client.get("/account").status_code == 302


def test_copied_cookies_stop_working_after_logout(app: Flask, ada: str) -> None:
    """THREATS 41: the server-side token ends with logout, so copies are worthless."""
    client = app.test_client()
    login(client, ada, remember=True)
    jar = cookies(client)
    assert set(jar) == {"session", REMEMBER}
    # Each cookie alone logs a browser in while the login lasts...
    assert browser_with(app, {"session": jar["session"]}).get("/account").status_code == 200
    assert browser_with(app, {REMEMBER: jar[REMEMBER]}).get("/account").status_code == 200
    logout(client)
    # ...and neither does once it has ended.
    assert browser_with(app, {"session": jar["session"]}).get("/account").status_code == 302
    assert browser_with(app, {REMEMBER: jar[REMEMBER]}).get("/account").status_code == 302


def test_logout_ends_only_this_device(app: Flask, ada: str) -> None:
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, ada)
    login(phone, ada, remember=True)
    logout(laptop)
    assert laptop.get("/account").status_code == 302
    assert phone.get("/account").status_code == 200


def test_login_replaces_a_planted_session(app: Flask, ada: str) -> None:
    """THREATS 4: a session cookie set before login is not the one used after it."""
    client = app.test_client()
    client.get("/login")
    planted = cookies(client)["session"]
    login(client, ada)
    assert cookies(client)["session"] != planted
    assert browser_with(app, {"session": planted}).get("/account").status_code == 302


def test_password_change_ends_remember_cookies_elsewhere(app: Flask, ada: str) -> None:
    """THREATS 5, with the other device holding only its remember cookie."""
    here, there = app.test_client(), app.test_client()
    login(here, ada)
    login(there, ada, remember=True)
    stolen = {REMEMBER: cookies(there)[REMEMBER]}
    new = "an entirely new passphrase"
    page = AuthActions(here).post(
        "/account",
        {"pw-current": PASSWORD, "pw-new": new, "pw-confirm": new},
        token_from="/account",
    )
    assert page.status_code == 302
    assert here.get("/account").status_code == 200
    assert there.get("/account").status_code == 302
    assert browser_with(app, stolen).get("/account").status_code == 302


def lifetime_app(settings: Settings, engine: Engine, clock: FixedClock, **changes: object) -> Flask:
    app = create_app(settings.with_overrides(**changes), engine, clock)
    app.config.update(TESTING=True)
    return app


def test_idle_sessions_end(settings: Settings, engine: Engine, clock: FixedClock, ada: str) -> None:
    app = lifetime_app(settings, engine, clock, session_idle_minutes=30, session_max_days=30)
    client = app.test_client()
    login(client, ada)
    clock.advance(timedelta(minutes=25))
    assert client.get("/account").status_code == 200  # activity resets the idle clock
    clock.advance(timedelta(minutes=25))
    assert client.get("/account").status_code == 200
    clock.advance(timedelta(minutes=31))
    assert client.get("/account").status_code == 302


def test_remembered_sessions_outlive_idleness_but_not_the_maximum(
    settings: Settings, engine: Engine, clock: FixedClock, ada: str
) -> None:
    app = lifetime_app(
        settings, engine, clock, session_idle_minutes=30, session_max_days=10, remember_days=30
    )
    client = app.test_client()
    login(client, ada, remember=True)
    for _ in range(9):
        clock.advance(timedelta(days=1))
        assert client.get("/account").status_code == 200
    clock.advance(timedelta(days=1, minutes=1))
    assert client.get("/account").status_code == 302  # SESSION_MAX_DAYS caps every login


def test_remember_cookie_lasts_remember_days(app: Flask, ada: str) -> None:
    assert app.config["REMEMBER_COOKIE_DURATION"] == timedelta(days=30)
    client = app.test_client()
    page = AuthActions(client).post(
        "/login",
        {"email": ada, "password": PASSWORD, "remember": "y"},
        token_from="/login",
    )
    header = next(h for h in page.headers.getlist("Set-Cookie") if h.startswith(REMEMBER))
    assert "Max-Age=2592000" in header or "Expires=" in header
    cookie = client.get_cookie(REMEMBER)
    assert cookie is not None and cookie.expires is not None
    lifetime = cookie.expires.timestamp() - __import__("time").time()
    assert 29 * 86400 < lifetime <= 30 * 86400 + 60


def admin_and_learner(session: Session, clock: FixedClock) -> tuple[int, int]:
    admin = make_user(session, clock, "root@example.org", display_name="Root", role=Role.ADMIN)
    learner = make_user(session, clock, "lea@example.org", display_name="Lea")
    return admin.id, learner.id


def test_role_change_ends_that_users_sessions(
    app: Flask, session: Session, clock: FixedClock
) -> None:
    """THREATS 53: a demoted instructor keeps no session with the old role."""
    _, learner_id = admin_and_learner(session, clock)
    learner = app.test_client()
    login(learner, "lea@example.org", remember=True)
    jar = cookies(learner)
    admin = app.test_client()
    login(admin, "root@example.org")
    page = AuthActions(admin).post(
        f"/admin/users/{learner_id}/role", {"role": "instructor"}, token_from="/admin/users"
    )
    assert page.status_code == 302
    assert learner.get("/account").status_code == 302
    assert browser_with(app, jar).get("/account").status_code == 302
    assert admin.get("/account").status_code == 200  # the admin's own session stays


def test_account_deletion_ends_other_sessions(
    app: Flask, session: Session, clock: FixedClock, ada: str
) -> None:
    """THREATS 53: deleting the account logs out every other device at once."""
    here, there = app.test_client(), app.test_client()
    login(here, ada)
    login(there, ada, remember=True)
    jar = cookies(there)
    page = AuthActions(here).post(
        "/account/delete",
        {"del-password": PASSWORD, "del-confirm": "y"},
        token_from="/account",
    )
    assert page.status_code == 302
    assert there.get("/account").status_code == 302
    assert browser_with(app, jar).get("/account").status_code == 302
    with session.begin():
        assert session.scalar(select(func.count()).select_from(UserSession)) == 0


def test_the_last_admin_cannot_leave_no_admin(
    app: Flask, session: Session, clock: FixedClock
) -> None:
    """THREATS 53: the only administrator can neither demote themself nor delete the account."""
    admin_id, _ = admin_and_learner(session, clock)
    admin = app.test_client()
    login(admin, "root@example.org")
    own = AuthActions(admin).post(
        f"/admin/users/{admin_id}/role", {"role": "learner"}, token_from="/"
    )
    assert own.status_code == 400 and "own role" in own.get_data(as_text=True)
    gone = AuthActions(admin).post(
        "/account/delete",
        {"del-password": PASSWORD, "del-confirm": "y"},
        token_from="/account",
    )
    assert gone.status_code == 409 and "only administrator" in gone.get_data(as_text=True)
    assert admin.get("/admin/users").status_code == 200


def test_an_admin_is_demoted_only_while_another_remains(
    session: Session, clock: FixedClock
) -> None:
    from course.errors import Conflict
    from course.services.accounts import set_role
    from course.services.authz import Actor
    from course.store.users import User

    admin_id, _ = admin_and_learner(session, clock)
    second = make_user(session, clock, "two@example.org", display_name="Two", role=Role.ADMIN)
    set_role(session, Actor(second.id, Role.ADMIN), admin_id, Role.LEARNER)
    # One admin is left: demoting them is refused whoever asks (here a stale admin actor).
    with pytest.raises(Conflict):
        set_role(session, Actor(admin_id, Role.ADMIN), second.id, Role.LEARNER)
    with session.begin():
        assert session.get(User, second.id).role is Role.ADMIN  # type: ignore[union-attr]


def test_the_answer_path_checks_the_login_itself_and_as_strictly(
    app: Flask, ada: str, session: Session
) -> None:
    """The answer POST and the attempt page check the login in their own read (not
    through flask-login's loader): a copied cookie stops working there at logout too,
    a remember cookie alone still logs in, and nothing is stored for a logged-out post."""
    from course.store.attempts import Response
    from tests.factories import (
        QUIZ_PAGE,
        answer_path,
        attempt_id_from,
        bundled_questions,
        form_answer,
    )

    client = app.test_client()
    login(client, ada, remember=True)
    auth = AuthActions(client)
    attempt = attempt_id_from(
        auth.post(f"{QUIZ_PAGE}/start", {}, token_from=QUIZ_PAGE).headers["Location"]
    )
    token = auth.csrf(f"/attempts/{attempt}")
    (slug, question), (slug2, question2) = list(bundled_questions().items())[:2]
    jar = cookies(client)
    remembered = browser_with(app, {REMEMBER: jar[REMEMBER]})
    assert remembered.get(f"/attempts/{attempt}").status_code == 200
    copied = browser_with(app, {"session": jar["session"]})
    answered = copied.post(
        answer_path(attempt, slug), data={**form_answer(question), "csrf_token": token}
    )
    assert answered.status_code == 302 and "answered=" in answered.headers["Location"]
    logout(client)
    page = copied.get(f"/attempts/{attempt}")
    assert page.status_code == 302 and "/login" in page.headers["Location"]
    refused = copied.post(
        answer_path(attempt, slug2), data={**form_answer(question2), "csrf_token": token}
    )
    assert refused.status_code == 302 and "/login" in refused.headers["Location"]
    assert session.scalar(select(func.count()).select_from(Response)) == 1


def _quiz_tab(client: FlaskClient, email: str) -> tuple[int, str]:
    """``email`` logged in with a quiz attempt open: its id and the form's CSRF token."""
    from tests.factories import QUIZ_PAGE, attempt_id_from

    login(client, email)
    auth = AuthActions(client)
    started = auth.post(f"{QUIZ_PAGE}/start", {}, token_from=QUIZ_PAGE)
    attempt = attempt_id_from(started.headers["Location"])
    return attempt, auth.csrf(f"/attempts/{attempt}")


def test_an_answer_sent_after_logging_out_in_another_tab_says_so(app: Flask, ada: str) -> None:
    """The quiz tab's form still carries the old CSRF token; the refusal says that the
    browser is logged out, not only that the form expired (a fresh-eyes tester lost an
    answer to the bare "expired" message)."""
    from tests.factories import answer_path, bundled_questions

    client = app.test_client()
    attempt, token = _quiz_tab(client, ada)
    logout(client)  # in another tab of the same browser
    slug, _question = next(iter(bundled_questions().items()))
    page = client.post(
        answer_path(attempt, slug),
        data={"answer": "x", "csrf_token": token},
        headers={"Referer": f"http://localhost/attempts/{attempt}"},
    )
    assert page.status_code == 400
    text = page.get_data(as_text=True)
    assert "not logged in in this browser" in text and "nothing of this form was saved" in text
    assert "Reload the page" not in text  # one instruction, not two that contradict
    assert f'href="/login?next=/attempts/{attempt}"' in text  # back to the quiz after
    # A login form refused for its token says nothing about logging in again.
    refused = app.test_client().post("/login", data={"email": ada, "password": PASSWORD})
    assert refused.status_code == 400
    assert "not logged in" not in refused.get_data(as_text=True)


def test_an_answer_sent_after_the_login_idled_out_says_it_was_not_saved(
    settings: Settings, engine: Engine, clock: FixedClock, ada: str
) -> None:
    from tests.factories import answer_path, bundled_questions

    app = create_app(settings, engine, clock)
    client = app.test_client()
    attempt, token = _quiz_tab(client, ada)
    clock.advance(timedelta(minutes=settings.session_idle_minutes + 1))
    slug, _question = next(iter(bundled_questions().items()))
    sent = client.post(
        answer_path(attempt, slug),
        data={"answer": "x", "csrf_token": token},
        headers={"Referer": f"http://localhost/attempts/{attempt}"},
    )
    # Back to the quiz page after logging in, not to the answer's POST-only address.
    assert sent.status_code == 302
    assert sent.headers["Location"] == f"/login?next=/attempts/{attempt}"
    page = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert "Your login had ended, so what you sent was not saved" in page


@pytest.mark.parametrize(
    ("referrer", "login_at"),
    [
        ("http://localhost/review?x=1", "/login?next=/review?x%3D1"),
        ("https://elsewhere.example/review", "/login"),  # another site: not followed
        (None, "/login"),  # no referrer: the login goes to the home page
    ],
)
def test_any_form_sent_after_the_login_ended_comes_back_to_a_page_after_login(
    settings: Settings,
    engine: Engine,
    clock: FixedClock,
    ada: str,
    referrer: str | None,
    login_at: str,
) -> None:
    """A POST-only address (the review answer, undo, submit) is never the page to come
    back to: after logging in it would answer 405."""
    app = create_app(settings, engine, clock)
    client = app.test_client()
    _attempt, token = _quiz_tab(client, ada)
    clock.advance(timedelta(minutes=settings.session_idle_minutes + 1))
    headers = {"Referer": referrer} if referrer else {}
    sent = client.post("/review/undo", data={"csrf_token": token}, headers=headers)
    assert sent.status_code == 302 and sent.headers["Location"] == login_at
    client.get(login_at)
    auth = AuthActions(client)
    back = auth.post(login_at, {"email": ada, "password": PASSWORD}, token_from=login_at)
    assert back.status_code == 302
    assert back.headers["Location"] == ("/review?x=1" if "next" in login_at else "/")
    assert client.get(back.headers["Location"]).status_code == 200
