"""Draft lessons and quizzes (contract v1.1, ``draft: true``) on the authoring page:
marked there, previewable by the course's authors, never shown to learners or offered
for assignment."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from course.clock import FixedClock
from course.services.authz import Actor
from course.services.content_sync import sync_root
from course.store.users import Role
from tests.factories import COURSE, AuthActions, course_copy, make_class, make_user

AUTHOR = f"/teach/courses/{COURSE}/author"
LESSON = "lessons/secret.md"
QUIZ = "quizzes/secret.yaml"
BODY = "This paragraph is still being written by the author."

DRAFT_LESSON = f"""---
id: secret
title: A lesson not yet ready
draft: true
---

# Work in progress

{BODY}
"""

DRAFT_QUIZ = """id: secret-quiz
title: A quiz not yet ready
lesson: secret
draft: true
questions:
  - id: secret-year
    type: date
    prompt: In which year did the war in Europe end?
    answer: "1945"
    examples:
      "1945": 1
      "1944": 0
"""


@pytest.fixture
def root(synced: None, tmp_path: Path, session: Session, clock: FixedClock) -> Path:
    content = course_copy(tmp_path / "content")
    (content / LESSON).write_text(DRAFT_LESSON, encoding="utf-8")
    (content / QUIZ).write_text(DRAFT_QUIZ, encoding="utf-8")
    result = sync_root(session, clock, content)
    assert "lesson 'secret'" in result.drafts and "quiz 'secret-quiz'" in result.drafts
    return content


@pytest.fixture
def teacher(app: Flask, auth: AuthActions, session: Session, clock: FixedClock) -> AuthActions:
    account = make_user(session, clock, "teacher@example.org", role=Role.INSTRUCTOR)
    make_class(session, clock, Actor(account.id, Role.INSTRUCTOR), "9B", COURSE)
    return auth.on(auth.login_as("teacher@example.org"))


@pytest.fixture
def learner(app: Flask, auth: AuthActions, session: Session, clock: FixedClock) -> AuthActions:
    make_user(session, clock, "learner@example.org")
    return auth.on(auth.login_as("learner@example.org"))


def row_of(html: str, path: str) -> str:
    """The file table's row for ``path``."""
    match = re.search(rf"<tr>\s*<td><code>{re.escape(path)}</code>.*?</tr>", html, re.S)
    assert match, f"no row for {path}"
    return match.group(0)


def preview_url(path: str) -> str:
    return f"/teach/courses/{COURSE}/files/{path}/preview"


def test_author_page_marks_drafts_with_a_preview_link(root: Path, teacher: AuthActions) -> None:
    page = teacher.client.get(AUTHOR)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for path in (LESSON, QUIZ):
        row = row_of(html, path)
        assert '<strong class="draft-mark">draft</strong>' in row, row
        assert f'href="{preview_url(path)}"' in row, row
    published = row_of(html, "lessons/soviet-union-ww2.md")
    assert "draft-mark" not in published
    assert f'href="{preview_url("lessons/soviet-union-ww2.md")}"' in published
    assert "preview" not in row_of(html, "course.yaml").lower()


def test_a_draft_lesson_previews_as_learners_would_see_it(root: Path, teacher: AuthActions) -> None:
    page = teacher.client.get(preview_url(LESSON))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert BODY in html
    assert "Draft — not shown to learners" in html
    assert "Preview of lessons/secret.md: nothing is published." in html


def test_a_draft_quiz_previews_its_question_pages(root: Path, teacher: AuthActions) -> None:
    page = teacher.client.get(preview_url(QUIZ))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "In which year did the war in Europe end?" in html
    assert "Draft" in html and "not shown to learners" in html
    published = teacher.client.get(preview_url("quizzes/soviet-union-ww2.yaml"))
    assert published.status_code == 200
    assert "not shown to learners" not in published.get_data(as_text=True)


def test_the_posted_preview_of_a_draft_carries_the_notice(root: Path, teacher: AuthActions) -> None:
    edit = f"/teach/courses/{COURSE}/files/{LESSON}/edit"
    form = {"text": DRAFT_LESSON, "base": "1", "message": "", "action": "preview"}
    html = teacher.post(edit, form, token_from=edit).get_data(as_text=True)
    assert BODY in html and "Draft" in html and "not shown to learners" in html
    full = teacher.post(edit, {**form, "action": "learner"}, token_from=edit)
    assert full.status_code == 200
    assert "Draft — not shown to learners" in full.get_data(as_text=True)


def test_learners_get_no_preview_and_no_draft_page(
    root: Path, learner: AuthActions, teacher: AuthActions
) -> None:
    for path in (LESSON, QUIZ):
        assert learner.client.get(preview_url(path)).status_code == 403
    assert learner.client.get(f"/courses/{COURSE}/lessons/secret").status_code == 404
    assert learner.client.get(f"/courses/{COURSE}/quizzes/secret-quiz").status_code == 404
    course_page = learner.client.get(f"/courses/{COURSE}/").get_data(as_text=True)
    assert "A lesson not yet ready" not in course_page
    assert "A quiz not yet ready" not in course_page


def test_preview_of_a_file_the_course_does_not_serve_is_404(
    root: Path, teacher: AuthActions
) -> None:
    assert teacher.client.get(preview_url("lessons/nope.md")).status_code == 404
    assert teacher.client.get(preview_url("course.yaml")).status_code == 404


def test_drafts_are_not_offered_for_assignment(
    root: Path, teacher: AuthActions, session: Session
) -> None:
    page = teacher.client.get("/teach").get_data(as_text=True)
    class_id = re.search(r"/teach/classes/(\d+)", page)
    assert class_id, page
    overview = f"/teach/classes/{class_id.group(1)}"
    html = teacher.client.get(overview).get_data(as_text=True)
    targets = re.findall(r'<option value="((?:lesson|quiz):[^"]*)"', html)
    assert "lesson:soviet-union-ww2" in targets
    assert not [t for t in targets if "secret" in t], targets
    for target in ("lesson:secret", "quiz:secret-quiz"):
        refused = teacher.post(
            f"{overview}/assignments",
            {"target": target, "due": "2026-03-01T10:00"},
            token_from=overview,
        )
        assert refused.status_code == 400, target  # as for an unknown lesson or quiz
    listed = teacher.client.get(overview).get_data(as_text=True)
    assert "A lesson not yet ready" not in listed and "A quiz not yet ready" not in listed


def test_preview_when_the_served_course_no_longer_validates_says_why(
    root: Path, teacher: AuthActions
) -> None:
    (root / "media" / "timeline.svg").unlink()  # media stay on disk; a lesson shows it
    path = "lessons/looking-back.md"
    page = teacher.client.get(preview_url(path))
    assert page.status_code == 302
    assert page.headers["Location"].endswith(f"/files/{path}/edit")
    shown = teacher.client.get(page.headers["Location"]).get_data(as_text=True)
    assert f"{path} cannot be previewed" in shown and "timeline.svg" in shown
