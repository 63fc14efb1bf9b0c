"""Throttles that protect without locking out a classroom (THREATS 1, 13, 42, 43, 44, 46)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from course.clock import FixedClock
from course.services.accounts import LOGIN_PER_ACCOUNT_ADDRESS
from course.services.limits import JOIN_GUESSES
from course.settings import Settings
from course.store.classes import Membership
from course.web.app import create_app
from tests.factories import PASSWORD, AuthActions, make_class, make_instructor, make_user

SCHOOL = "192.0.2.10"  # every learner of the class behind one NAT address
ELSEWHERE = "203.0.113.66"


def browser(app: Flask, address: str) -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def login(client: FlaskClient, email: str, password: str = PASSWORD, **headers: str) -> int:
    return int(AuthActions(client).login(email, password).status_code)


@pytest.fixture
def join_code(session: Session, clock: FixedClock, app: Flask) -> str:
    teacher = make_instructor(session, clock, "t@example.org", display_name="T")
    _, code = make_class(session, clock, teacher, "9B", "ww2-soviet-union")
    return code


def test_a_class_behind_one_address_signs_up_logs_in_and_joins(
    app: Flask, session: Session, clock: FixedClock, join_code: str
) -> None:
    """THREATS 42: 60 learners, one address, 10 minutes, each with a typo or two."""
    start = clock.now()
    for i in range(60):
        client = browser(app, SCHOOL)
        email = f"pupil{i}@example.org"
        page = AuthActions(client).post(
            "/signup", {"email": email, "password": PASSWORD}, token_from="/signup"
        )
        assert page.status_code == 302, (i, page.get_data(as_text=True))
        assert AuthActions(client).post("/logout", {}, token_from="/").status_code == 302
        assert login(client, email, "a mistyped password") == 401
        assert login(client, email) == 302, i
        wrong = AuthActions(client).post(
            "/classes/join", {"code": "WRONGCODE"}, token_from="/classes"
        )
        assert wrong.status_code == 400
        right = AuthActions(client).post(
            "/classes/join", {"code": join_code}, token_from="/classes"
        )
        assert right.status_code == 302, (i, right.get_data(as_text=True))
        clock.advance(timedelta(seconds=9))
    assert clock.now() - start <= timedelta(minutes=10)
    with session.begin():
        assert session.scalar(select(func.count()).select_from(Membership)) == 60


def test_brute_force_slows_only_that_account_from_that_address(
    app: Flask, session: Session, clock: FixedClock
) -> None:
    """THREATS 1 and 43: the attacker gets 429 with a retry time; the owner, from their
    own address, logs in at once; other accounts are unaffected."""
    make_user(session, clock, "owner@example.org", display_name="Owner")
    make_user(session, clock, "other@example.org", display_name="Other")
    attacker = browser(app, ELSEWHERE)
    free = LOGIN_PER_ACCOUNT_ADDRESS.free
    statuses = [login(attacker, "owner@example.org", f"guess {i}") for i in range(free + 1)]
    assert statuses == [401] * free + [429]
    page = AuthActions(attacker).post(
        "/login", {"email": "owner@example.org", "password": PASSWORD}, "/login"
    )
    assert page.status_code == 429
    assert int(page.headers["Retry-After"]) > 0
    assert "Try again in" in page.get_data(as_text=True)
    # The owner was never here before, and still is not slowed down.
    assert login(browser(app, SCHOOL), "owner@example.org") == 302
    assert login(browser(app, ELSEWHERE), "other@example.org") == 302


def test_the_owner_gets_in_during_a_distributed_attack(
    app: Flask, session: Session, clock: FixedClock
) -> None:
    """THREATS 43: guesses from many addresses slow new addresses, never the usual one."""
    make_user(session, clock, "owner@example.org", display_name="Owner")
    assert login(browser(app, SCHOOL), "owner@example.org") == 302  # the usual address
    for i in range(40):
        login(browser(app, f"198.51.100.{i}"), "owner@example.org", f"guess {i}")
    assert login(browser(app, "198.51.100.250"), "owner@example.org", "guess x") == 429
    assert login(browser(app, SCHOOL), "owner@example.org") == 302


def test_forged_forwarded_for_is_ignored_without_trusted_proxies(
    app: Flask, session: Session, clock: FixedClock
) -> None:
    """THREATS 42: with TRUSTED_PROXIES=0 a rotating X-Forwarded-For changes nothing."""
    make_user(session, clock, "owner@example.org", display_name="Owner")
    attacker = browser(app, ELSEWHERE)
    statuses = []
    for i in range(LOGIN_PER_ACCOUNT_ADDRESS.free + 1):
        attacker.environ_base["HTTP_X_FORWARDED_FOR"] = f"10.0.0.{i}"
        statuses.append(login(attacker, "owner@example.org", f"guess {i}"))
    assert statuses[-1] == 429


def test_trusted_proxy_gives_the_real_client_address(
    settings: Settings, engine: Engine, clock: FixedClock, session: Session, synced: None
) -> None:
    """THREATS 42: behind one trusted proxy, learners are told apart by X-Forwarded-For."""
    app = create_app(settings.with_overrides(trusted_proxies=1), engine, clock)
    app.config.update(TESTING=True)
    make_user(session, clock, "owner@example.org", display_name="Owner")
    attacker, owner = browser(app, "10.0.0.2"), browser(app, "10.0.0.2")  # the proxy
    attacker.environ_base["HTTP_X_FORWARDED_FOR"] = ELSEWHERE
    owner.environ_base["HTTP_X_FORWARDED_FOR"] = f"{ELSEWHERE}, {SCHOOL}"  # forged first hop
    for i in range(LOGIN_PER_ACCOUNT_ADDRESS.free):
        assert login(attacker, "owner@example.org", f"guess {i}") == 401
    assert login(attacker, "owner@example.org") == 429
    assert login(owner, "owner@example.org") == 302  # seen as SCHOOL, the proxy's hop


def test_wrong_join_codes_never_block_another_learner(
    app: Flask, session: Session, clock: FixedClock, join_code: str
) -> None:
    """THREATS 13 and 44: guessing is throttled per account, not per address."""
    for name in ("guesser", "friend"):
        make_user(session, clock, f"{name}@example.org", display_name=name)
    guesser, friend = browser(app, SCHOOL), browser(app, SCHOOL)
    assert login(guesser, "guesser@example.org") == 302
    assert login(friend, "friend@example.org") == 302
    statuses = [
        AuthActions(guesser)
        .post("/classes/join", {"code": f"GUESS{i:03d}"}, "/classes")
        .status_code
        for i in range(JOIN_GUESSES.free + 1)
    ]
    assert statuses == [400] * JOIN_GUESSES.free + [429]
    refused = AuthActions(guesser).post("/classes/join", {"code": join_code}, "/classes")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert (
        AuthActions(friend).post("/classes/join", {"code": join_code}, "/classes").status_code
        == 302
    )


@pytest.mark.parametrize("length", [186, 187, 254, 255, 300, 5_000])
def test_long_login_email_gets_400_naming_the_limit(app: Flask, length: int) -> None:
    """THREATS 46 for the login email (a 500 on PostgreSQL before keys were hashed)."""
    email = "a" * (length - len("@example.org")) + "@example.org"
    page = AuthActions(app.test_client()).post(
        "/login", {"email": email, "password": "x" * 12}, "/login"
    )
    if length <= 254:
        assert page.status_code == 401
    else:
        assert page.status_code == 400
        assert "254 characters" in page.get_data(as_text=True)
