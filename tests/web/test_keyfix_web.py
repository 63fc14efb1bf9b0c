"""The answer-key page end to end: flags with evidence and dry runs, apply through the
form (CSRF), a new version served, scores raised with audit rows, nobody lowered unless
the instructor confirms it."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from course.clock import FixedClock
from course.grading.examples import to_raw
from course.services import attempts
from course.services.content_sync import sync_root
from course.store.attempts import Attempt, Response
from course.store.audit import ScoreChange
from course.store.content import ContentFile
from course.web.answers import field_name
from tests.factories import AuthActions, make_class, make_instructor, make_learner, posted
from tests.keyseeds import COURSE_ID, QUIZ_ID, questions, seed_class, simulate, write_root

LEARNERS = 30


@pytest.fixture
def page(
    app: Flask, session: Session, clock: FixedClock, tmp_path: Path
) -> tuple[FlaskClient, str, list[int]]:
    sync_root(session, clock, write_root(tmp_path / "seeded"))
    teacher = make_instructor(session, clock)
    class_id, code = make_class(session, clock, teacher, course=COURSE_ID)
    learners = seed_class(session, clock, code, LEARNERS, seed=3)
    client = AuthActions(app.test_client()).login_as("teacher@example.org")
    return client, f"/teach/classes/{class_id}/quizzes/{QUIZ_ID}", learners


def _form(text: str, question: str) -> dict[str, list[str]]:
    """The apply form of the proposal about ``question`` (its hidden fields)."""
    sections = re.findall(r"<section class=\"card\".*?</section>", text, re.S)
    mine = next(s for s in sections if f"⚑ {question}:" in s)
    fields: dict[str, list[str]] = {}
    for name, value in re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', mine):
        if name != "csrf_token":
            fields.setdefault(name, []).append(html.unescape(value))
    return fields


def _post(client: FlaskClient, path: str, fields: dict[str, list[str]]) -> tuple[int, str]:
    token = AuthActions(client).csrf(path)
    reply = client.post(path, data={**fields, "csrf_token": token})
    return reply.status_code, reply.get_data(as_text=True)


def test_flags_are_listed_and_linked_from_the_analysis(
    page: tuple[FlaskClient, str, list[int]],
) -> None:
    client, base, _ = page
    assert f'href="{base}/keys"' in client.get(base).get_data(as_text=True)
    text = client.get(f"{base}/keys").get_data(as_text=True)
    for fix in (
        "mark &#39;Southern Sakhalin&#39; correct",
        "accept &#39;Zhukov&#39;",
        "answer should be 27000000",
        "answer should be 1944",
        "mark &#39;Sweden&#39; wrong",
        "mark &#39;Britain&#39; correct",
        "pact-tf: check the key and the wording",
    ):
        assert fix in text, fix
    assert "hard-" not in text  # right keys on hard questions: no flag
    assert "Discrimination (strong minus weak mean score)" in text
    assert "Who would change" in text and "learner0" in text


def test_apply_through_the_web(
    page: tuple[FlaskClient, str, list[int]], session: Session, clock: FixedClock
) -> None:
    client, base, learners = page
    keys = client.get(f"{base}/keys").get_data(as_text=True)
    zhukov = _form(keys, "moscow-text")
    no_token = client.post(f"{base}/keys/apply", data=zhukov)
    assert no_token.status_code == 400  # CSRF
    status, done = _post(client, f"{base}/keys/apply", {**zhukov, "note": ["Zhukov is right"]})
    assert status == 200, done
    assert "Key fixed: moscow-text" in done and "0 lowered" in done
    assert "“Zhukov” 0% → 100%" in done  # the example that encoded the old key
    with session.begin():
        stored = session.scalar(
            select(ContentFile.data)
            .where(ContentFile.path == "quizzes/keyseed-quiz.yaml")
            .order_by(ContentFile.revision.desc())
            .limit(1)
        )
        changes = session.scalars(select(ScoreChange)).all()
        assert stored is not None and '["Zhukov", "Georgy Zhukov"]' in stored.decode()
        assert "zhukov.:" not in stored.decode()  # the `wrong` entry equal to it is gone
        assert changes and all(c.new_score > c.old_score for c in changes)
        assert {c.reason for c in changes} == {
            "regrade after key fix: accept 'Zhukov' as the answer shown (Zhukov is right)"
        }
        raised = {c.attempt_id for c in changes}
        owner = session.scalar(select(Attempt.user_id).where(Attempt.id == min(raised)))
    assert owner in learners
    # The learner sees the change and its reason on their results.
    learner = AuthActions(client.application.test_client()).login_as(
        f"learner{learners.index(owner):03d}@example.org"
    )
    results = learner.get(f"/attempts/{min(raised)}/results").get_data(as_text=True)
    # Said once: the kind, then the fix (not "regrade after key fix: regrade after …").
    assert "(regrade after key fix, " in results and "accept &#39;Zhukov&#39;" in results
    assert results.count("regrade after key fix") == 2  # the answer's line, the table
    assert "Graded against the quiz as published on" in results
    assert "; regraded on " in results and " after a key fix." in results
    # The new version is served: a new attempt is graded with it, the stale form is
    # refused, and the report moves on.
    late = make_learner(session, clock, "late@example.org")
    attempt = attempts.start_attempt(session, clock, late.id, COURSE_ID, QUIZ_ID)
    answers = {**simulate(0, 1)[0], "moscow-text": "Zhukov"}
    quiz = questions()
    fields = {field_name(str(n)): to_raw(q, answers[q.id]) for n, q in enumerate(quiz, start=1)}
    attempts.submit_attempt(session, clock, late.id, attempt, posted(fields), fuzz=False)
    with session.begin():
        typed = session.scalar(
            select(Response.score).where(
                Response.attempt_id == attempt, Response.response_text == "Zhukov"
            )
        )
    assert typed == 1.0
    status, _ = _post(client, f"{base}/keys/apply", zhukov)
    assert status == 409
    assert "⚑ moscow-text:" not in client.get(f"{base}/keys").get_data(as_text=True)


def test_lowering_needs_a_confirmation(
    page: tuple[FlaskClient, str, list[int]], session: Session
) -> None:
    client, base, _ = page
    axis = _form(client.get(f"{base}/keys").get_data(as_text=True), "axis-multi")
    status, asked = _post(client, f"{base}/keys/apply", {**axis, "allow_lower": ["1"]})
    assert status == 200 and "Lower scores too?" in asked
    # Worded for this page, and attempts numbered as learners count them.
    assert "goes down if you confirm" in asked and "kept unless you allow it" not in asked
    assert '<td data-label="Attempt">#1</td>' in asked
    with session.begin():
        assert session.scalars(select(ScoreChange)).all() == []  # nothing yet
    confirm = re.search(r"<form .*?Apply and lower these scores", asked, re.S)
    assert confirm is not None
    fields: dict[str, list[str]] = {}
    for name, value in re.findall(
        r'<input type="hidden" name="(\w+)" value="([^"]*)"', confirm.group(0)
    ):
        if name != "csrf_token":
            fields.setdefault(name, []).append(html.unescape(value))
    assert fields["confirm_lower"] == ["1"]
    status, done = _post(client, f"{base}/keys/apply", fields)
    assert status == 200 and "Key fixed: axis-multi" in done
    # Learners by name with their email beside it, attempts by their number.
    row = re.search(r"<tbody><tr><td>(.*?)</td><td>(.*?)</td>", done)
    assert row is not None and row.group(2) == "#1"
    name, email = re.fullmatch(
        r'(.+) <span class="meta">(.+@example\.org)</span>', row.group(1)
    ).groups()  # type: ignore[union-attr]
    assert name and "@" not in name and email.startswith("learner")
    with session.begin():
        changes = session.scalars(select(ScoreChange)).all()
    assert any(c.new_score < c.old_score for c in changes)
    assert any(c.new_score > c.old_score for c in changes)


def test_bad_forms_get_clear_errors(page: tuple[FlaskClient, str, list[int]]) -> None:
    client, base, _ = page
    axis = _form(client.get(f"{base}/keys").get_data(as_text=True), "axis-multi")
    for bad, status in (
        ({**axis, "kind": ["nonsense"]}, 400),
        ({**axis, "question_id": ["x"]}, 400),
        ({**axis, "choice": ["Norway"]}, 400),
        ({**axis, "value": ["a\x00b"]}, 400),
    ):
        got, text = _post(client, f"{base}/keys/apply", bad)
        assert got == status, text
        assert "Traceback" not in text
