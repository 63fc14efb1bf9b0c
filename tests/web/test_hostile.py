"""Hostile and odd input through the app (THREATS 20, 45, 46, 55, 56): refused with a
clear 400 or 404, never a 500, with what the learner typed shown back."""

from __future__ import annotations

import logging
import re
from html import unescape

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from course.clock import FixedClock
from course.inputs import parse_int
from course.store.attempts import Response
from course.store.users import Role
from course.web.teach import safe_filename
from tests.factories import (
    KEYS,
    PASSWORD,
    AuthActions,
    attempt_id_from,
    bundled_questions,
    make_user,
)

QUIZ = "/courses/ww2-soviet-union/quizzes/soviet-union-ww2-quiz"


@pytest.fixture
def learner(app: Flask) -> FlaskClient:
    client = app.test_client()
    AuthActions(client).signup("hostile@example.org")
    return client


def start_attempt(client: FlaskClient) -> int:
    start = AuthActions(client).post(f"{QUIZ}/start", {}, token_from=QUIZ)
    return attempt_id_from(start.headers["Location"])


def responses(session: Session) -> int:
    with session.begin():
        return session.scalar(select(func.count()).select_from(Response)) or 0


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12", 12),
        (" 7 ", 7),
        ("0", 0),
        ("²", None),
        ("٣", None),
        ("-1", None),
        ("1e3", None),
        ("+5", None),
        ("9" * 5000, None),
        ("1" * 30, None),
        ("", None),
        (None, None),
        ("2147483648", None),
    ],
)
def test_parse_int_takes_ascii_digits_in_range_only(raw: str | None, expected: int | None) -> None:
    assert parse_int(raw) == expected


def test_nul_in_a_text_answer_is_400_and_the_answer_is_shown_back(
    learner: FlaskClient, session: Session
) -> None:
    """THREATS 45: the typed answer comes back in a form, nothing is stored."""
    attempt = start_attempt(learner)
    token = AuthActions(learner).csrf(f"/attempts/{attempt}")
    page = learner.post(
        f"/attempts/{attempt}/questions/{KEYS['manchuria-garrison']}",
        data={f"q-{KEYS['manchuria-garrison']}": "Kwantung\x00 Army", "csrf_token": token},
    )
    html = unescape(page.get_data(as_text=True))
    assert page.status_code == 400
    assert "contains a NUL byte" in html and f"'q-{KEYS['manchuria-garrison']}'" in html
    assert re.search(
        rf'<textarea[^>]*name="q-{KEYS["manchuria-garrison"]}"[^>]*>Kwantung\ufffd Army<', html
    )
    assert 'name="csrf_token"' in html  # it can be sent again as it is
    assert responses(session) == 0


def test_nul_in_cloze_blanks_and_class_names_is_400(app: Flask, learner: FlaskClient) -> None:
    attempt = start_attempt(learner)
    cloze = AuthActions(learner).post(
        f"/attempts/{attempt}/questions/{KEYS['soviet-name-for-war']}",
        {f"q-{KEYS['soviet-name-for-war']}-0": "Great\x00"},
        token_from=f"/attempts/{attempt}",
    )
    assert cloze.status_code == 400
    joined = AuthActions(learner).post("/classes/join", {"code": "AB\x00CD"}, token_from="/classes")
    assert joined.status_code == 400 and "NUL" in joined.get_data(as_text=True)


def test_unstorable_text_in_paths_and_queries(learner: FlaskClient) -> None:
    for path in (
        "/courses/ww2%00/",
        "/courses/ww2-soviet-union/lessons/soviet%00",
        f"{QUIZ}%00",
        "/join/AB%00CD",
        "/media/ww2-soviet-union/media/map%00.png",
        "/media/ww2-soviet-union/%00",
        "/courses/" + "x" * 5000 + "/",
    ):
        page = learner.get(path)
        assert page.status_code == 404, path
        assert "Traceback" not in page.get_data(as_text=True)
    page = learner.get("/teach/classes/1?sort=name%00")
    assert page.status_code == 400


@pytest.mark.parametrize(
    "segment", ["1" * 30, "99999999999", "2147483648", "%D9%A3", "%C2%B2", "-1", "1e3"]
)
def test_ids_outside_the_column_are_404(learner: FlaskClient, segment: str) -> None:
    """THREATS 45: 30-digit and non-ASCII-digit ids never reach the database."""
    for path in (f"/attempts/{segment}", f"/attempts/{segment}/results", f"/review/{segment}"):
        method = learner.post if path.startswith("/review/") else learner.get
        assert method(path).status_code in (404, 405), path
    token = AuthActions(learner).csrf("/review")
    page = learner.post(f"/review/{segment}", data={"reps": "0", "csrf_token": token})
    assert page.status_code == 404


@pytest.mark.parametrize("value", ["²", "٣", "9" * 5000, "1" * 30, "-3", "1001"])
def test_review_limits_refuse_odd_digits(learner: FlaskClient, value: str) -> None:
    page = AuthActions(learner).post(
        "/review/settings", {"new_per_day": value}, token_from="/review"
    )
    assert page.status_code == 302
    follow = learner.get("/review").get_data(as_text=True)
    assert "whole numbers from 0 to 1000" in follow


@pytest.mark.parametrize("reps", ["²", "٣", "9" * 5000])
def test_review_answer_refuses_odd_reps(learner: FlaskClient, reps: str) -> None:
    page = AuthActions(learner).post("/review/1", {"reps": reps}, token_from="/review")
    assert page.status_code == 302  # "that review form was incomplete"


def test_order_positions_in_unicode_digits_are_a_format_error(learner: FlaskClient) -> None:
    attempt = start_attempt(learner)
    token = AuthActions(learner).csrf(f"/attempts/{attempt}")
    order = bundled_questions()["sequence"]
    fields = {f"q-{KEYS['sequence']}-{item.id}": "²" for item in order.items}  # type: ignore[attr-defined]
    page = learner.post(
        f"/attempts/{attempt}/questions/{KEYS['sequence']}", data={**fields, "csrf_token": token}
    )
    assert page.status_code == 400
    assert "position from 1 to" in page.get_data(as_text=True)


def test_oversized_answers_are_refused_before_grading(
    learner: FlaskClient, session: Session
) -> None:
    """THREATS 20: a 1 MB answer is 400 with the limit named; 10,000 values are 413."""
    attempt = start_attempt(learner)
    token = AuthActions(learner).csrf(f"/attempts/{attempt}")
    page = learner.post(
        f"/attempts/{attempt}/questions/{KEYS['manchuria-garrison']}",
        data={f"q-{KEYS['manchuria-garrison']}": "a" * 1_000_000, "csrf_token": token},
    )
    assert page.status_code == 400
    assert "the limit is 10,000" in page.get_data(as_text=True)
    many = learner.post(
        f"/attempts/{attempt}/questions/{KEYS['interned']}",
        data={f"q-{KEYS['interned']}": [str(i) for i in range(10_000)], "csrf_token": token},
    )
    assert many.status_code == 413 and "the limit is 1,000" in many.get_data(as_text=True)
    nested = learner.post(
        f"/attempts/{attempt}/questions/{KEYS['manchuria-garrison']}",
        data={"q[a][b][c][d]" * 50: "x", "csrf_token": token},
    )
    assert nested.status_code in (302, 400)
    assert responses(session) <= 1


def test_fields_longer_than_their_column_are_400(
    app: Flask, session: Session, clock: FixedClock
) -> None:
    """THREATS 46 (non-login fields): the limit is named, on SQLite and PostgreSQL alike."""
    make_user(session, clock, "teach@example.org", display_name="T", role=Role.INSTRUCTOR)
    client = logged_in(app, "teach@example.org")
    page = AuthActions(client).post(
        "/teach/classes",
        {"course_id": "ww2-soviet-union", "name": "n" * 121},
        token_from="/teach",
    )
    assert page.status_code == 400 and "1 to 120 characters" in page.get_data(as_text=True)
    long_course = AuthActions(client).post(
        "/teach/classes", {"course_id": "c" * 5000, "name": "ok"}, token_from="/teach"
    )
    assert long_course.status_code in (400, 404)
    code = AuthActions(client).post("/classes/join", {"code": "Z" * 20_000}, token_from="/classes")
    assert code.status_code == 400 and "the limit is 10,000" in code.get_data(as_text=True)
    target = AuthActions(client).post(
        "/teach/classes/1/assignments",
        {"target": "quiz:" + "s" * 5000, "due": "2026-12-01T18:00"},
        token_from="/teach",
    )
    assert target.status_code in (400, 404)


def logged_in(app: Flask, email: str) -> FlaskClient:
    return AuthActions(app.test_client()).login_as(email)


def test_security_events_are_one_line_without_secrets(
    app: Flask, learner: FlaskClient, session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    """THREATS 56: CSRF refusal, IDOR probe, upload refusal: one line each, no secrets."""
    caplog.set_level(logging.INFO)
    attempt = start_attempt(learner)
    secret_answer = "my-secret-answer-text"
    learner.post(
        f"/attempts/{attempt}/questions/{KEYS['manchuria-garrison']}",
        data={f"q-{KEYS['manchuria-garrison']}": secret_answer, "csrf_token": "forged"},
    )
    other = app.test_client()
    AuthActions(other).signup("other@example.org")
    other.get(f"/attempts/{attempt}")  # someone else's attempt
    other.get(f"/attempts/{attempt}/results")
    AuthActions(other).post(
        "/teach/classes", {"name": "x", "course_id": "ww2-soviet-union"}, token_from="/"
    )
    other.post("/login", data={"email": "x" * (3 * 1024 * 1024)})
    events = [r for r in caplog.records if r.name == "course.security"]
    kinds = [re.search(r"event=(\S+)", r.getMessage()).group(1) for r in events]  # type: ignore[union-attr]
    assert "csrf_refused" in kinds
    assert kinds.count("id_not_found") >= 2
    assert "access_refused" in kinds
    assert "upload_refused" in kinds
    everything = "\n".join(r.getMessage() for r in caplog.records)
    for secret in (secret_answer, "hostile@example.org", "other@example.org", PASSWORD):
        assert secret not in everything
    session_cookie = learner.get_cookie("session")
    assert session_cookie is not None and session_cookie.value not in everything
    for record in events:
        assert "\n" not in record.getMessage()


def test_private_pages_are_not_stored_and_download_names_are_safe(
    app: Flask, learner: FlaskClient, session: Session, clock: FixedClock
) -> None:
    """THREATS 55: results, account pages and exports are no-store; file names are clean."""
    attempt = start_attempt(learner)
    AuthActions(learner).post(f"/attempts/{attempt}/submit", {}, token_from="/")
    for path in (f"/attempts/{attempt}/results", "/account", f"/attempts/{attempt}"):
        page = learner.get(path)
        assert "no-store" in page.headers.get("Cache-Control", ""), path
    make_user(session, clock, "t55@example.org", display_name="T", role=Role.INSTRUCTOR)
    teacher = logged_in(app, "t55@example.org")
    made = AuthActions(teacher).post(
        "/teach/classes",
        {"course_id": "ww2-soviet-union", "name": 'a"b\r\n../c'},
        token_from="/teach",
    )
    class_path = made.headers["Location"]
    for export in ("gradebook.csv", "responses.csv"):
        download = teacher.get(f"{class_path}/{export}")
        disposition = download.headers["Content-Disposition"]
        assert download.status_code == 200 and "no-store" in download.headers["Cache-Control"]
        assert re.fullmatch(r'attachment; filename="[A-Za-z0-9._-]+"', disposition), disposition
    with learner.get("/static/style.css") as static:
        assert "no-store" not in static.headers.get("Cache-Control", "")
    assert safe_filename('a"b\r\n../c.csv') == "a_b_._c.csv"
    assert safe_filename("../..") == "download"
