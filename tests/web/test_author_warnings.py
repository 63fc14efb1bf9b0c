"""The web editor shows the same contract v1.1 warnings as `course validate`, beside the
"no problems" verdict, and they never block publishing."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from sqlalchemy.orm import Session

from course.clock import FixedClock
from course.services.authz import Actor
from course.services.content_sync import sync_root
from course.store.users import Role
from tests.factories import COURSE, AuthActions, course_copy, make_class, make_user

QUIZ = """id: harbin-quiz
title: Harbin
lesson: soviet-union-ww2
questions:
  - id: q-harbin
    type: text
    prompt: Which Manchurian city did Soviet airborne troops take on 18 August 1945?
    answer: Harbin
    examples: {"Harbin": 1, "Mukden": 0}
"""


def test_preview_and_publish_show_the_id_warning(
    app: Flask, auth: AuthActions, session: Session, clock: FixedClock, tmp_path: Path
) -> None:
    root = course_copy(tmp_path / "content")
    sync_root(session, clock, root)  # a writable copy of the course
    account = make_user(session, clock, "teacher@example.org", role=Role.INSTRUCTOR)
    make_class(session, clock, Actor(account.id, Role.INSTRUCTOR), "9B", COURSE)
    teacher = auth.on(auth.login_as("teacher@example.org"))
    path = f"/teach/courses/{COURSE}/author"
    form = {"filename": "harbin.yaml", "text": QUIZ}

    page = teacher.post(path, {**form, "action": "preview"}, token_from=path)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "No problems found in harbin.yaml (1 warning below" in html
    assert "Warnings in harbin.yaml" in html and "q-harbin" in html and "harbin" in html

    page = teacher.post(path, {**form, "action": "publish"}, token_from=path)
    assert page.status_code == 302  # a warning never blocks publishing
    html = teacher.client.get(path).get_data(as_text=True)
    assert "Published quizzes/harbin.yaml as version 1: content" in html
    assert "Warning, line 5:" in html
    assert not (root / "quizzes" / "harbin.yaml").exists()  # stored in the database only
