"""Two tabs on one end-of-quiz attempt never wipe each other's saved answers.

Every save posts the whole form, so a tab shown before another tab saved would replace
that tab's answers with its own blanks. The form carries the drafts' revision; a save
or a submit from a form whose revision is stale is refused (409) with a message to
reload, and nothing of the other tab's is lost.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from course.clock import FixedClock
from course.services.content_sync import sync_root
from course.store.attempts import AnswerDraft, Attempt, AttemptStatus, Response
from tests.factories import (
    AuthActions,
    attempt_id_from,
    bundled_questions,
    course_copy,
    end_mode,
    field,
    form_answer,
)

END_QUIZ = "/courses/end-course/quizzes/soviet-union-ww2-quiz"
QUESTIONS = bundled_questions()
STALE = "this attempt was changed in another tab"


@pytest.fixture
def end_quiz(tmp_path: Path, session: Session, clock: FixedClock, app: Flask) -> str:
    sync_root(session, clock, course_copy(tmp_path / "end", "end-course", end_mode))
    return END_QUIZ


def _form(client: FlaskClient, attempt: int) -> dict[str, str]:
    """The hidden fields of the attempt's form as this tab shows it now."""
    html = client.get(f"/attempts/{attempt}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html)
    revision = re.search(r'name="revision" value="([^"]*)"', html)
    assert token is not None and revision is not None, html
    return {"csrf_token": token.group(1), "revision": revision.group(1)}


def _two_tabs(app: Flask, end_quiz: str) -> tuple[FlaskClient, FlaskClient, int]:
    tab_a = app.test_client()
    AuthActions(tab_a).signup("tabs@example.org")
    started = AuthActions(tab_a).post(f"{end_quiz}/start", {}, token_from=end_quiz)
    attempt = attempt_id_from(started.headers["Location"])
    tab_b = app.test_client()
    tab_b.set_cookie("session", tab_a.get_cookie("session").value)  # type: ignore[union-attr]
    return tab_a, tab_b, attempt


def _saved(session: Session) -> dict[str, Any]:
    with session.begin():
        merged: dict[str, Any] = {}
        for fields in session.scalars(select(AnswerDraft.fields)):
            merged.update(fields)
        return merged


def _as_saved(typed: dict[str, Any]) -> dict[str, list[str]]:
    return {k: v if isinstance(v, list) else [v] for k, v in typed.items()}


A_TYPED = {**form_answer(QUESTIONS["north-of-japan"]), **form_answer(QUESTIONS["interned"])}
B_TYPED = form_answer(QUESTIONS["manchuria-garrison"])


def test_a_stale_tab_cannot_autosave_over_the_other_tabs_answers(
    app: Flask, end_quiz: str, session: Session
) -> None:
    tab_a, tab_b, attempt = _two_tabs(app, end_quiz)
    shown_a, shown_b = _form(tab_a, attempt), _form(tab_b, attempt)
    json_post = {"Accept": "application/json"}
    first = tab_a.post(f"/attempts/{attempt}/save", data={**shown_a, **A_TYPED}, headers=json_post)
    assert first.status_code == 200
    reply = json.loads(first.data)
    assert reply["saved"] == 2 and reply["revision"] != shown_a["revision"]
    stale = tab_b.post(f"/attempts/{attempt}/save", data={**shown_b, **B_TYPED}, headers=json_post)
    assert stale.status_code == 409
    assert STALE in json.loads(stale.data)["error"]
    assert _saved(session) == _as_saved(A_TYPED)  # A's answers kept
    # Tab A goes on saving with the revision its last save replied with.
    again = tab_a.post(
        f"/attempts/{attempt}/save",
        data={**shown_a, "revision": reply["revision"], **A_TYPED, **B_TYPED},
        headers=json_post,
    )
    assert again.status_code == 200 and json.loads(again.data)["saved"] == 3
    # Tab B reloaded shows every saved answer and saves again.
    reloaded = tab_b.get(f"/attempts/{attempt}").get_data(as_text=True)
    assert f'name="{field("north-of-japan")}" value="Sakhalin"' in reloaded
    fresh = _form(tab_b, attempt)
    assert (
        tab_b.post(
            f"/attempts/{attempt}/save", data={**fresh, **A_TYPED, **B_TYPED}, headers=json_post
        ).status_code
        == 200
    )


def test_a_stale_tab_without_javascript_is_refused_and_shown_its_typing(
    app: Flask, end_quiz: str, session: Session
) -> None:
    tab_a, tab_b, attempt = _two_tabs(app, end_quiz)
    shown_a, shown_b = _form(tab_a, attempt), _form(tab_b, attempt)
    assert tab_a.post(f"/attempts/{attempt}/save", data={**shown_a, **A_TYPED}).status_code == 302
    stale = tab_b.post(f"/attempts/{attempt}/save", data={**shown_b, **B_TYPED})
    page = stale.get_data(as_text=True)
    assert stale.status_code == 409
    assert STALE in page and "reload" in page
    assert f'name="{field("manchuria-garrison")}" value="Kwantung Army"' in page
    assert f'name="revision" value="{shown_b["revision"]}"' in page  # still refused
    assert _saved(session) == _as_saved(A_TYPED)


def test_submitting_from_a_stale_tab_grades_nothing_and_keeps_the_other_tabs_answers(
    app: Flask, end_quiz: str, session: Session
) -> None:
    tab_a, tab_b, attempt = _two_tabs(app, end_quiz)
    shown_a, shown_b = _form(tab_a, attempt), _form(tab_b, attempt)
    tab_a.post(f"/attempts/{attempt}/save", data={**shown_a, **A_TYPED})
    stale = tab_b.post(
        f"/attempts/{attempt}/submit", data={**shown_b, **B_TYPED, "confirm_blanks": ""}
    )
    page = stale.get_data(as_text=True)
    assert stale.status_code == 409
    assert STALE in page
    assert f'name="{field("manchuria-garrison")}" value="Kwantung Army"' in page
    assert _saved(session) == _as_saved(A_TYPED)
    with session.begin():
        assert session.scalar(select(func.count()).select_from(Response)) == 0
        opened = session.get(Attempt, attempt)
        assert opened is not None and opened.status is AttemptStatus.OPEN
    # From a fresh form the submit goes through (to the blanks check).
    fresh = _form(tab_b, attempt)
    through = tab_b.post(f"/attempts/{attempt}/submit", data={**fresh, **A_TYPED, **B_TYPED})
    assert through.status_code == 200 and "Submit with unanswered questions?" in through.get_data(
        as_text=True
    )


def test_saving_in_a_tab_after_the_other_tab_submitted_leads_to_the_results(
    app: Flask, end_quiz: str, session: Session
) -> None:
    """It was a dead-end 409 page ("This attempt is already submitted") with only a link
    back to the course."""
    tab_a, tab_b, attempt = _two_tabs(app, end_quiz)
    shown_a, shown_b = _form(tab_a, attempt), _form(tab_b, attempt)
    submitted = tab_a.post(
        f"/attempts/{attempt}/submit", data={**shown_a, **A_TYPED, "confirm_blanks": "1"}
    )
    assert submitted.status_code == 302 and submitted.headers["Location"].endswith("/results")
    late = tab_b.post(f"/attempts/{attempt}/save", data={**shown_b, **B_TYPED})
    assert late.status_code == 302 and late.headers["Location"].endswith(f"/{attempt}/results")
    assert "submitted meanwhile" in tab_b.get(late.headers["Location"]).get_data(as_text=True)
    by_script = tab_b.post(
        f"/attempts/{attempt}/save",
        data={**shown_b, **B_TYPED},
        headers={"Accept": "application/json"},
    )
    assert by_script.status_code == 409 and by_script.get_json()["submitted"] is True
