"""Fuzz every route of the app with hostile input: never a server error (THREATS 45, 46).

Walks ``app.url_map`` (every rule and method) as an anonymous visitor, a learner with an
open and a finished attempt, an instructor with a class and an admin, with real CSRF
tokens (and sometimes a missing or forged one). Path segments, query arguments and form
fields get NUL bytes, lone surrogates, Unicode digits, huge and 30-digit numbers, very
long strings, ``%00`` and ``../`` as well as real ids and slugs. Every response must be
below 500; all 5xx are collected and reported at the end.

The budget is ``COURSE_FUZZ_REQUESTS`` (default 2,000 per database, fixed seed);
``make fuzz`` runs 100,000 with a random seed.
"""

from __future__ import annotations

import os
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from html import unescape
from typing import Any
from urllib.parse import quote

from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter, PathConverter

from course.clock import FixedClock
from course.services import classes
from course.services.authz import Actor
from course.store.users import Role
from tests.factories import (
    PASSWORD,
    REPO,
    USING_PG,
    AuthActions,
    answer_path,
    attempt_id_from,
    bundled_questions,
    form_answer,
    make_class,
    make_user,
)
from tests.factories import field as field_name

BUDGET = int(os.environ.get("COURSE_FUZZ_REQUESTS", "2000"))
PER_EXAMPLE = 10
COURSE = "ww2-soviet-union"
QUIZ_SLUG = "soviet-union-ww2-quiz"
LESSON_SLUG = "soviet-union-ww2"
QUESTIONS = bundled_questions()

NASTY = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "%00",
    "\ud800",
    "x\udfffy",
    "²",
    "٣",
    "１２",
    "⁴2",
    "9" * 5000,
    "1" * 30,
    "-1",
    "0",
    "+1",
    "1e309",
    "NaN",
    "inf",
    "../../etc/passwd",
    "..",
    "/",
    "\\",
    "//evil.example",
    "x" * 2_100,
    "y" * 10_001,
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "\r\nSet-Cookie: a=b",
    "😀",
    "\u202e",
    "true",
    "false",
    "2026-13-45",
    "2026-12-01T18:00",
    "quiz:" + QUIZ_SLUG,
    "lesson:../x",
    "admin",
    "publish",
]
NUMBERS = ["0", "1", "2", "3", "1" * 30, "2147483648", "99999999999", "٣", "²", "-1", "007"]
MEDIA_PATHS = ["media/map.png", "../../etc/passwd.png", "media/%00.png", "docs/screenshots/a.png"]
EXTRA_FIELDS = [
    "code",
    "confidence",
    "course_id",
    "due",
    "filename",
    "name",
    "new_per_day",
    "reviews_per_day",
    "open",
    "reps",
    "role",
    "target",
    "text",
    "action",
    "email",
    "password",
    "display_name",
    "timezone",
    "remember",
    "current",
    "new",
    "confirm",
    "user_id",
    "score",
    "q[a][b]",
    "\x00",
]


@dataclass
class World:
    """Actors and the real ids and names the fuzz mixes with hostile ones."""

    app: Flask
    clients: dict[str, FlaskClient]
    tokens: dict[str, str]
    ids: list[str]
    names: list[str]
    fields: list[str]
    clock: FixedClock
    forms: dict[str, list[str]] = field(default_factory=dict)
    counts: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)


def _login(app: Flask, email: str, world_counts: Counter[str]) -> tuple[FlaskClient, str]:
    client = AuthActions(app.test_client()).login_as(email)
    world_counts["requests"] += 2
    return client, AuthActions(client).csrf("/account")


def build_world(app: Flask, session: Session, clock: FixedClock) -> World:
    counts: Counter[str] = Counter()
    people = {
        name: make_user(session, clock, f"fuzz-{name}@example.org", display_name=name, role=role)
        for name, role in [
            ("learner", Role.LEARNER),
            ("instructor", Role.INSTRUCTOR),
            ("admin", Role.ADMIN),
        ]
    }
    teacher = Actor(people["instructor"].id, Role.INSTRUCTOR)
    class_id, code = make_class(session, clock, teacher, "Fuzz class", COURSE)
    classes.join(session, clock, Actor(people["learner"].id, Role.LEARNER), code)
    clients, tokens = {"anonymous": app.test_client()}, {}
    tokens["anonymous"] = AuthActions(clients["anonymous"]).csrf("/login")
    for name in people:
        clients[name], tokens[name] = _login(app, f"fuzz-{name}@example.org", counts)
    learner = clients["learner"]
    quiz = f"/courses/{COURSE}/quizzes/{QUIZ_SLUG}"
    finished = attempt_id_from(
        AuthActions(learner).post(f"{quiz}/start", {}, token_from=quiz).location
    )
    for qid, question in QUESTIONS.items():
        learner.post(
            answer_path(finished, qid),
            data={**form_answer(question), "csrf_token": tokens["learner"]},
        )
    learner.post(f"/attempts/{finished}/submit", data={"csrf_token": tokens["learner"]})
    opened = attempt_id_from(
        AuthActions(learner).post(f"{quiz}/start", {}, token_from=quiz).location
    )
    counts["requests"] += len(QUESTIONS) + 6
    ids = sorted(
        {str(i) for i in (finished, opened, class_id, *[p.id for p in people.values()])}
        | {str(i) for i in range(1, 40)}
    )
    names = [COURSE, LESSON_SLUG, QUIZ_SLUG, code, *QUESTIONS, "media/map.png"]
    fields = sorted(
        {name for q in QUESTIONS.values() for name in form_answer(q)}
        | {field_name(qid) for qid in QUESTIONS}
        | {f"q-{qid}" for qid in QUESTIONS}
        | set(EXTRA_FIELDS)
        | _template_field_names()
    )
    clock.advance(timedelta(days=5))  # reviews are due: the review form appears
    world = World(app, clients, tokens, ids, names, fields, clock, counts=counts)
    pages = [
        "/",
        f"/courses/{COURSE}/",
        f"/courses/{COURSE}/lessons/{LESSON_SLUG}",
        quiz,
        f"/attempts/{opened}",
        f"/attempts/{finished}/results",
        "/review",
        "/classes",
        "/account",
        "/teach",
        f"/teach/classes/{class_id}",
        f"/teach/courses/{COURSE}/author",
        "/admin/users",
        "/login",
        "/signup",
    ]
    for actor in ("anonymous", "learner", "admin"):
        for page in pages:
            _learn_forms(world, actor, page)
    assert {"quiz.answer", "review.answer", "teach.create", "classes.join"} <= set(world.forms)
    return world


def _learn_forms(world: World, actor: str, path: str) -> None:
    """Which fields each form of ``path`` posts, keyed by the endpoint it posts to."""
    html = world.clients[actor].get(path).get_data(as_text=True)
    world.counts["requests"] += 1
    adapter = world.app.url_map.bind("localhost")
    for attributes, inner in re.findall(r"<form([^>]*)>(.*?)</form>", html, re.S):
        action = re.search(r'action="([^"]*)"', attributes)
        target = unescape(action.group(1)) if action else path
        try:
            endpoint, _ = adapter.match(target.split("?")[0], method="POST")
        except HTTPException:
            continue
        known = set(world.forms.get(endpoint, []))
        world.forms[endpoint] = sorted(known | set(re.findall(r'name="([^"]+)"', inner)))


def _template_field_names() -> set[str]:
    names: set[str] = set()
    for template in (REPO / "templates").rglob("*.html"):
        names |= set(re.findall(r'name="([^"{]+)"', template.read_text(encoding="utf-8")))
    return names - {"viewport"}


def routes(app: Flask) -> list[tuple[Any, str]]:
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((rule, method))
    return found


def encode(text: str, safe: str = "") -> str:
    return quote(text, safe=safe, errors="surrogatepass")


def segment(data: st.DataObject, world: World, converter: Any) -> str:
    if isinstance(converter, IntegerConverter):
        raw = data.draw(
            st.sampled_from(world.ids + NUMBERS) | st.integers(-(2**70), 2**70).map(str)
        )
        return encode(raw)
    real = st.sampled_from(world.names)
    if isinstance(converter, PathConverter):
        nasty = st.sampled_from([*MEDIA_PATHS, *NASTY])
        return encode(data.draw(real | nasty | st.text(max_size=30)), safe="/")
    return encode(data.draw(real | st.sampled_from(NASTY) | st.text(max_size=40)))


def value(data: st.DataObject, world: World) -> str:
    return data.draw(
        st.sampled_from(NASTY)
        | st.sampled_from(NASTY)
        | st.sampled_from(world.names + world.ids + NUMBERS)
        | st.text(max_size=60)
        | st.integers(-(2**80), 2**80).map(str)
    )


def one_request(data: st.DataObject, world: World, table: list[tuple[Any, str]]) -> None:
    rule, method = data.draw(st.sampled_from(table))
    actor = data.draw(st.sampled_from(sorted(world.clients)))
    client = world.clients[actor]
    path = rule.rule
    for name, converter in rule._converters.items():
        placeholder = re.compile(r"<(?:[^:<>]+:)?" + re.escape(name) + r">")
        drawn = segment(data, world, converter)
        path = placeholder.sub(lambda _m, text=drawn: text, path, count=1)
    query = data.draw(
        st.lists(
            st.tuples(st.sampled_from(["sort", "answered", "bom", "next", "\x00"]), st.just("")),
            max_size=2,
        )
    )
    if query:
        path += "?" + "&".join(f"{encode(k)}={encode(value(data, world))}" for k, _ in query)
    body = None
    if method == "POST":
        known = [n for n in world.forms.get(rule.endpoint, []) if n != "csrf_token"]
        names = [n for n in known if data.draw(st.integers(0, 4)) > 0]  # most of its fields
        names += data.draw(st.lists(st.sampled_from(world.fields), max_size=2))
        pairs = [(n, value(data, world)) for n in names]
        token = data.draw(
            st.sampled_from([world.tokens[actor]] * 8 + ["", "forged", world.tokens["admin"]])
        )
        if token:
            pairs.append(("csrf_token", token))
        body = "&".join(f"{encode(k)}={encode(v)}" for k, v in pairs)
    started = time.perf_counter()
    response = client.open(
        path,
        method=method,
        data=body,
        content_type="application/x-www-form-urlencoded" if body is not None else None,
    )
    world.counts["requests"] += 1
    world.counts[f"{response.status_code // 100}xx"] += 1
    world.counts["seconds_x1000"] += int((time.perf_counter() - started) * 1000)
    if response.status_code >= 500:
        world.failures.append(
            f"{response.status_code} {actor} {method} {path[:200]!r} {body!r:.300}"
        )
    response.close()
    if rule.endpoint in {"auth.logout", "auth.delete_account", "auth.account", "auth.login"}:
        _relog(world, actor)


def _relog(world: World, actor: str) -> None:
    """Log a fuzzed-out actor back in; a login throttle tripped by the fuzz's own wrong
    passwords is waited out on the app's clock."""
    if actor == "anonymous":
        world.tokens["anonymous"] = AuthActions(world.clients["anonymous"]).csrf("/login")
        world.counts["requests"] += 1
        return
    check = world.clients[actor].get("/account")
    world.counts["requests"] += 1
    if check.status_code == 200:
        return
    for _ in range(5):
        client = world.app.test_client()
        token = AuthActions(client).csrf("/login")
        page = client.post(
            "/login",
            data={"email": f"fuzz-{actor}@example.org", "password": PASSWORD, "csrf_token": token},
        )
        world.counts["requests"] += 2
        if page.status_code == 302:
            world.clients[actor], world.tokens[actor] = client, AuthActions(client).csrf("/account")
            world.counts["requests"] += 1
            return
        world.clock.advance(timedelta(hours=2))


def test_fuzz_every_route_without_server_errors(
    app: Flask, session: Session, clock: FixedClock
) -> None:
    world = build_world(app, session, clock)
    table = routes(app)
    assert len(table) >= 40  # every rule and method of the app

    @settings(
        max_examples=max(1, BUDGET // PER_EXAMPLE),
        deadline=None,
        database=None,
        derandomize="COURSE_FUZZ_REQUESTS" not in os.environ,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(st.data())
    def fuzz(data: st.DataObject) -> None:
        for _ in range(PER_EXAMPLE):
            one_request(data, world, table)

    fuzz()
    database = "postgresql" if USING_PG else "sqlite"
    statuses = {k: v for k, v in sorted(world.counts.items()) if k.endswith("xx")}
    print(
        f"\nfuzz on {database}: {world.counts['requests']} requests, "
        f"{len(world.failures)} x 5xx, statuses of the hostile ones {statuses} "
        "(the rest log actors in and fetch forms), "
        f"{world.counts['seconds_x1000'] / 1000:.1f} s in the app"
    )
    assert world.counts["requests"] >= BUDGET
    assert not world.failures, "\n".join(world.failures[:30])
