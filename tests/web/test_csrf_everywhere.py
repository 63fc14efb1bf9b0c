"""THREATS 51: every state-changing route refuses a missing or a foreign CSRF token.

The table is the app's own URL map: every rule that takes POST (login and logout
included) is posted as a logged-in administrator (who may reach them all) once without a
token and once with a token taken from another browser's session. Each must answer 400
and change nothing in the database. A route added later is walked without editing this
test; a route that must do without CSRF would have to be named here and argued for.
"""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from course.clock import FixedClock
from course.services.accounts import create_user
from course.store.models import Base
from course.store.users import Role

PASSWORD = "csrf walk password"
EXEMPT: set[str] = set()  # no state-changing route goes without CSRF
EXPIRED = "The form had expired or was sent from another page"
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _token(client: FlaskClient, path: str = "/login") -> str:
    match = TOKEN.search(client.get(path).get_data(as_text=True))
    assert match, path
    return match.group(1)


def _logged_in(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    page = client.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf_token": _token(client)}
    )
    assert page.status_code == 302
    return client


def _post_paths(app: Flask) -> list[tuple[str, str]]:
    """(endpoint, a concrete path) for every rule taking POST, ids filled with 1."""
    paths = []
    for rule in app.url_map.iter_rules():
        if "POST" not in (rule.methods or set()) or rule.endpoint in EXEMPT:
            continue
        values = dict.fromkeys(rule.arguments, "1")
        path = rule.rule
        for name, value in values.items():
            path = re.sub(rf"<(?:[a-z]+:)?{name}>", value, path)
        paths.append((rule.endpoint, path))
    return sorted(paths)


def _row_counts(session: Session) -> dict[str, int]:
    with session.begin():
        return {
            table.name: session.scalar(select(func.count()).select_from(table)) or 0
            for table in Base.metadata.sorted_tables
            if table.name not in {"user_sessions", "throttle_counters"}  # logins touch these
        }


def test_every_post_route_refuses_missing_and_foreign_tokens(
    app: Flask, session: Session, clock: FixedClock
) -> None:
    create_user(session, clock, "admin@example.org", PASSWORD, "Ada", Role.ADMIN)
    create_user(session, clock, "other@example.org", PASSWORD, "Oto", Role.LEARNER)
    admin = _logged_in(app, "admin@example.org")
    foreign = _token(_logged_in(app, "other@example.org"), "/account")
    routes = _post_paths(app)
    assert len(routes) >= 20, routes  # the walk really covers the app
    assert {"auth.login", "auth.logout", "quiz.answer", "teach.create"} <= {e for e, _ in routes}
    before = _row_counts(session)
    refused = []
    for endpoint, path in routes:
        for label, data in (("missing", {}), ("foreign", {"csrf_token": foreign})):
            page = admin.post(path, data={**data, "role": "admin", "name": "x"})
            if page.status_code == 400 and EXPIRED in page.get_data(as_text=True):
                refused.append((endpoint, label))
            else:
                pytest.fail(f"{endpoint} {path} with a {label} token: {page.status_code}")
    assert len(refused) == 2 * len(routes)
    assert _row_counts(session) == before
    assert admin.get("/account").status_code == 200  # still logged in: logout was refused too
