"""Nothing a learner typed is lost; nothing on the page gives the answer away.

Covers THREATS 14 (no answer or author's slug in the page before answering), 15
(forged keys), 18 and 49 (a stale tab's second answer: 409, one row) and the
end-of-quiz drafts: saved as the learner goes, restored on reload and on another
device, never graded, and a confirmation before blanks are submitted.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from course.clock import FixedClock
from course.services.content_sync import sync_root
from course.store.attempts import AnswerDraft, Response
from tests.factories import (
    KEYS,
    PASSWORD,
    AuthActions,
    answer_path,
    attempt_id_from,
    bundled_questions,
    course_copy,
    end_mode,
    field,
    form_answer,
    slugs_in,
)

QUIZ = "/courses/ww2-soviet-union/quizzes/soviet-union-ww2-quiz"
END_QUIZ = "/courses/end-course/quizzes/soviet-union-ww2-quiz"
QUESTIONS = bundled_questions()
SLUG_AT = {key: slug for slug, key in KEYS.items()}


@pytest.fixture
def end_quiz(tmp_path: Path, session: Session, clock: FixedClock, app: Flask) -> str:
    """A second course whose quiz gives feedback at the end."""
    sync_root(session, clock, course_copy(tmp_path / "end", "end-course", end_mode))
    return END_QUIZ


def start(client: FlaskClient, quiz: str = QUIZ) -> int:
    page = AuthActions(client).post(f"{quiz}/start", {}, token_from=quiz)
    assert page.status_code == 302, page.get_data(as_text=True)
    return attempt_id_from(page.headers["Location"])


def test_no_slug_in_any_question_page_before_answering(
    client: FlaskClient, auth: AuthActions
) -> None:
    """THREATS 14 / issue 10 §6: forms and URLs carry opaque keys, never the slugs
    (an id like ``kwantung-army`` for "Which army…?" would hint the answer)."""
    auth.signup()
    attempt = start(client)
    pages = 0
    while True:
        html = client.get(f"/attempts/{attempt}").get_data(as_text=True)
        match = re.search(r'action="/attempts/\d+/questions/(\d+)"', html)
        if match is None:
            break
        assert slugs_in(html) == [], match.group(1)
        assert f'name="q-{match.group(1)}"' in html or f'name="q-{match.group(1)}-' in html
        slug = SLUG_AT[match.group(1)]
        answered = auth.post(
            f"/attempts/{attempt}/questions/{match.group(1)}",
            form_answer(QUESTIONS[slug]),
            token_from=f"/attempts/{attempt}",
        )
        assert answered.status_code == 302
        pages += 1
    assert pages == len(QUESTIONS) == 17


def test_no_slug_in_the_end_of_quiz_form(
    client: FlaskClient, auth: AuthActions, end_quiz: str
) -> None:
    auth.signup()
    attempt = start(client, end_quiz)
    html = client.get(f"/attempts/{attempt}").get_data(as_text=True)
    assert html.count("<fieldset") == 17
    assert slugs_in(html) == []
    # Saved answers come back under the same opaque names, still without a slug.
    auth.post(f"/attempts/{attempt}/save", form_answer(QUESTIONS["north-of-japan"]), "/")
    html = client.get(f"/attempts/{attempt}").get_data(as_text=True)
    assert f'name="{field("north-of-japan")}" value="Sakhalin"' in html
    assert slugs_in(html) == []  # what the learner typed shares no text with an id


def test_slug_urls_are_gone(client: FlaskClient, auth: AuthActions, session: Session) -> None:
    """THREATS 15: a slug or a position outside the attempt answers nothing."""
    auth.signup()
    attempt = start(client)
    token = f"/attempts/{attempt}"
    by_slug = auth.post(
        f"/attempts/{attempt}/questions/north-of-japan", {"q-north-of-japan": "x"}, token
    )
    assert by_slug.status_code == 404
    for position in ("0", "18", "99999"):
        outside = auth.post(f"/attempts/{attempt}/questions/{position}", {}, token)
        assert outside.status_code == 400, position
    with session.begin():
        assert session.scalar(select(func.count()).select_from(Response)) == 0


def test_stale_tab_gets_409_and_one_row(app: Flask, session: Session) -> None:
    """THREATS 49 (and 18): tab 1 answers Q; tab 2 posts its old form for Q."""
    tab1 = app.test_client()
    AuthActions(tab1).signup("tabs@example.org")
    attempt = start(tab1)
    tab2 = app.test_client()
    tab2.set_cookie("session", tab1.get_cookie("session").value)  # type: ignore[union-attr]
    old_form = tab2.get(f"/attempts/{attempt}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', old_form)
    assert token is not None
    first = AuthActions(tab1).post(
        answer_path(attempt, "manchuria-invasion"),
        form_answer(QUESTIONS["manchuria-invasion"]),
        f"/attempts/{attempt}",
    )
    assert first.status_code == 302
    stale = tab2.post(
        answer_path(attempt, "manchuria-invasion"),
        data={
            **form_answer(QUESTIONS["manchuria-invasion"], right=False),
            "csrf_token": token.group(1),
        },
    )
    page = stale.get_data(as_text=True)
    assert stale.status_code == 409
    assert "Already answered" in page
    assert f'href="/attempts/{attempt}?answered={KEYS["manchuria-invasion"]}"' in page
    assert "9 August 1945" in page  # the first answer's result, not the stale one
    with session.begin():
        rows = session.scalars(select(Response)).all()
        assert len(rows) == 1 and rows[0].score == 1.0


def test_end_mode_refuses_answers_one_by_one(
    client: FlaskClient, auth: AuthActions, end_quiz: str, session: Session
) -> None:
    """THREATS 14: per-question grading would show the right answer before submit."""
    auth.signup()
    attempt = start(client, end_quiz)
    page = auth.post(
        answer_path(attempt, "north-of-japan"),
        {field("north-of-japan"): "Hokkaido"},
        f"/attempts/{attempt}",
    )
    assert page.status_code == 400
    assert "Sakhalin" not in page.get_data(as_text=True)
    with session.begin():
        assert session.scalar(select(func.count()).select_from(Response)) == 0


def test_save_without_javascript_restores_on_reload_and_elsewhere(
    app: Flask, end_quiz: str, session: Session
) -> None:
    laptop = app.test_client()
    AuthActions(laptop).signup("drafts@example.org")
    attempt = start(laptop, end_quiz)
    answers = {
        **form_answer(QUESTIONS["manchuria-garrison"]),
        **form_answer(QUESTIONS["sequence"]),
        **form_answer(QUESTIONS["interned"]),
    }
    saved = AuthActions(laptop).post(f"/attempts/{attempt}/save", answers, f"/attempts/{attempt}")
    assert saved.status_code == 302 and saved.headers["Location"].endswith(f"/attempts/{attempt}")
    page = laptop.get(f"/attempts/{attempt}").get_data(as_text=True)
    assert "Saved: 3 answers" in page
    assert f'name="{field("manchuria-garrison")}" value="Kwantung Army"' in page
    assert re.search(r'<option value="1" selected>', page)  # an order position restored
    assert "Expected" not in page and 'class="feedback' not in page  # saved, not graded
    phone = app.test_client()  # another device: log in and find the same answers
    AuthActions(phone).post(
        "/login",
        {"email": "drafts@example.org", "password": PASSWORD},
        token_from="/login",
    )
    other = phone.get(f"/attempts/{attempt}").get_data(as_text=True)
    assert f'name="{field("manchuria-garrison")}" value="Kwantung Army"' in other
    # Clearing a field and saving drops its draft; nothing is ever graded by saving.
    cleared = {**answers, field("manchuria-garrison"): ""}
    AuthActions(phone).post(f"/attempts/{attempt}/save", cleared, f"/attempts/{attempt}")
    with session.begin():
        assert session.scalar(select(func.count()).select_from(Response)) == 0
        assert session.scalar(select(func.count()).select_from(AnswerDraft)) == 2


def test_save_with_javascript_returns_json_and_reveals_nothing(
    client: FlaskClient, auth: AuthActions, end_quiz: str
) -> None:
    auth.signup()
    attempt = start(client, end_quiz)
    html = client.get(f"/attempts/{attempt}").get_data(as_text=True)
    assert 'src="/static/drafts.js"' in html and "<script>" not in html  # CSP: no inline
    assert f'data-save-url="/attempts/{attempt}/save"' in html
    token = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert token is not None
    reply = client.post(
        f"/attempts/{attempt}/save",
        data={
            **form_answer(QUESTIONS["north-of-japan"], right=False),
            "csrf_token": token.group(1),
        },
        headers={"Accept": "application/json"},
    )
    assert reply.status_code == 200 and json.loads(reply.data)["saved"] == 1
    no_token = client.post(
        f"/attempts/{attempt}/save",
        data=form_answer(QUESTIONS["north-of-japan"]),
        headers={"Accept": "application/json"},
    )
    assert no_token.status_code == 400


def test_drafts_are_private_and_end_with_the_attempt(app: Flask, end_quiz: str) -> None:
    owner, other = app.test_client(), app.test_client()
    AuthActions(owner).signup("owner@example.org")
    AuthActions(other).signup("other@example.org")
    attempt = start(owner, end_quiz)
    AuthActions(owner).post(
        f"/attempts/{attempt}/save", form_answer(QUESTIONS["north-of-japan"]), "/"
    )
    assert AuthActions(other).post(f"/attempts/{attempt}/save", {}, "/").status_code == 404
    assert other.get(f"/attempts/{attempt}").status_code == 404
    AuthActions(owner).post(f"/attempts/{attempt}/submit", {"confirm_blanks": "1"}, "/")
    late = AuthActions(owner).post(
        f"/attempts/{attempt}/save", form_answer(QUESTIONS["north-of-japan"]), "/"
    )
    # Nothing is saved on a submitted attempt: the tab goes to its results, told why.
    assert late.status_code == 302 and late.headers["Location"].endswith("/results")
    assert "submitted meanwhile" in owner.get(late.headers["Location"]).get_data(as_text=True)


def test_blanks_need_confirmation(
    client: FlaskClient, auth: AuthActions, end_quiz: str, session: Session
) -> None:
    auth.signup()
    attempt = start(client, end_quiz)
    answers: dict[str, object] = {}
    for slug, question in QUESTIONS.items():
        if slug not in ("north-of-japan", "sequence"):
            answers.update(form_answer(question))
    ask = auth.post(f"/attempts/{attempt}/submit", answers, f"/attempts/{attempt}")
    page = ask.get_data(as_text=True)
    assert ask.status_code == 200 and "Submit with unanswered questions?" in page
    assert f"Question {KEYS['north-of-japan']}:" in page and f"Question {KEYS['sequence']}:" in page
    assert "Submit anyway" in page and f'href="/attempts/{attempt}"' in page
    assert slugs_in(page) == []
    with session.begin():
        assert session.scalar(select(func.count()).select_from(Response)) == 0
    back = client.get(f"/attempts/{attempt}").get_data(as_text=True)  # "go back": all kept
    assert f'name="{field("manchuria-garrison")}" value="Kwantung Army"' in back
    done = auth.post(f"/attempts/{attempt}/submit", {"confirm_blanks": "1"}, "/")
    assert done.status_code == 302 and done.headers["Location"].endswith("/results")
    results = client.get(done.headers["Location"]).get_data(as_text=True)
    assert results.count("(no answer)") == 2
    with session.begin():
        assert session.scalar(select(func.count()).select_from(Response)) == 17
        assert session.scalar(select(func.count()).select_from(AnswerDraft)) == 0
