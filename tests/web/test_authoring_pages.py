"""Authoring pages through the app (issue 12): the in-browser editor, each file's
history with diffs and revert, and a restart after a reinstall keeping web edits."""

from __future__ import annotations

import html as html_module
import io
import re
import shutil
import zipfile
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from course.clock import FixedClock
from course.services.authz import Actor
from course.services.content_sync import sync_root
from course.services.setup import initialize
from course.settings import Settings
from course.store.content import CourseRow
from course.store.users import Role
from course.web.app import create_app
from tests.factories import COURSE, AuthActions, course_copy, make_class, make_user

LESSON = "lessons/soviet-union-ww2.md"
QUIZ = "quizzes/soviet-union-ww2.yaml"
LESSON_PAGE = f"/courses/{COURSE}/lessons/soviet-union-ww2"
EDIT = f"/teach/courses/{COURSE}/files/{LESSON}/edit"
HISTORY = f"/teach/courses/{COURSE}/files/{LESSON}/history"
MARK = "A paragraph written in the editor of the browser."


@pytest.fixture
def root(tmp_path: Path, session: Session, clock: FixedClock) -> Path:
    content = course_copy(tmp_path / "content")
    sync_root(session, clock, content)
    return content


@pytest.fixture
def teacher(app: Flask, auth: AuthActions, session: Session, clock: FixedClock) -> AuthActions:
    account = make_user(session, clock, "teacher@example.org", role=Role.INSTRUCTOR)
    make_class(session, clock, Actor(account.id, Role.INSTRUCTOR), "9B", COURSE)
    return auth.on(auth.login_as("teacher@example.org"))


def textarea(html: str) -> str:
    match = re.search(r"<textarea[^>]*>(.*?)</textarea>", html, re.S)
    assert match, "no textarea"
    return html_module.unescape(match.group(1))


def save(teacher: AuthActions, text: str, base: str = "1", action: str = "publish") -> object:
    form = {"text": text, "base": base, "message": "from the editor", "action": action}
    return teacher.post(EDIT, form, token_from=EDIT)


def test_editor_opens_the_served_file_with_line_numbers(teacher: AuthActions, root: Path) -> None:
    page = teacher.client.get(EDIT)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    source = (root / LESSON).read_text(encoding="utf-8")
    assert "id: soviet-union-ww2" in textarea(html)
    lines = source.count("\n") + 1
    assert f"<span>{lines}</span>" in html and 'wrap="off"' in html
    assert 'name="base" value="1"' in html


def test_saving_publishes_a_version_and_errors_keep_the_text(
    teacher: AuthActions, root: Path
) -> None:
    source = (root / LESSON).read_text(encoding="utf-8")
    broken = source.replace("title:", "titel:", 1) + f"\n\n{MARK}\n"
    page = save(teacher, broken)
    html = page.get_data(as_text=True)
    assert page.status_code == 422
    assert MARK in textarea(html)  # nothing typed is lost
    assert 'class="bad"' in html and "titel" in html  # beside its line, and in the gutter
    assert MARK not in teacher.client.get(LESSON_PAGE).get_data(as_text=True)

    done = save(teacher, source + f"\n\n{MARK}\n")
    assert done.status_code == 302
    reopened = teacher.client.get(EDIT).get_data(as_text=True)
    assert "Published lessons/soviet-union-ww2.md as version 2" in reopened
    assert 'name="base" value="2"' in reopened
    assert MARK in teacher.client.get(LESSON_PAGE).get_data(as_text=True)
    assert MARK not in (root / LESSON).read_text(encoding="utf-8")  # the root is never written

    stale = save(teacher, source + "\n\nAn edit from an old tab.\n", base="1")
    html = stale.get_data(as_text=True)
    assert stale.status_code == 409
    assert "changed since you opened it" in html and "An edit from an old tab." in textarea(html)
    # A form without a usable base is refused too, never published over version 2 unseen.
    for base in ("", "abc", "1x"):
        blind = save(teacher, source + "\n\nA blind overwrite.\n", base=base)
        assert blind.status_code == 400, base
        assert "did not say which version" in blind.get_data(as_text=True)
        assert "A blind overwrite." in textarea(blind.get_data(as_text=True))
    assert "A blind overwrite." not in teacher.client.get(LESSON_PAGE).get_data(as_text=True)
    assert 'name="base" value="2"' in teacher.client.get(EDIT).get_data(as_text=True)


def test_history_diff_and_revert(teacher: AuthActions, root: Path) -> None:
    source = (root / LESSON).read_text(encoding="utf-8")
    save(teacher, source + "\n\n<script>alert(1)</script> is text here.\n")
    history = teacher.client.get(HISTORY).get_data(as_text=True)
    assert "teacher@example.org" in history and "from the editor" in history
    assert "(served)" in history and "Bring back version 1" in history
    diff = teacher.client.get(f"/teach/courses/{COURSE}/files/{LESSON}/diff?old=1&new=2").get_data(
        as_text=True
    )
    assert '<span class="add">+&lt;script&gt;alert(1)&lt;/script&gt; is text here.</span>' in diff
    assert "<script>alert" not in diff
    bad = teacher.client.get(f"/teach/courses/{COURSE}/files/{LESSON}/diff?old=x&new=2")
    assert bad.status_code == 400
    missing = teacher.client.get(f"/teach/courses/{COURSE}/files/{LESSON}/diff?old=1&new=9")
    assert missing.status_code == 404

    no_token = teacher.client.post(
        f"/teach/courses/{COURSE}/files/{LESSON}/revert", data={"revision": "1"}
    )
    assert no_token.status_code == 400
    back = teacher.post(
        f"/teach/courses/{COURSE}/files/{LESSON}/revert", {"revision": "1"}, token_from=HISTORY
    )
    assert back.status_code == 302
    history = teacher.client.get(HISTORY).get_data(as_text=True)
    assert (
        "Revert to version 1" in history
        and "Published lessons/soviet-union-ww2.md as version 3" in history
    )
    assert "alert(1)" not in teacher.client.get(LESSON_PAGE).get_data(as_text=True)


def test_restart_after_reinstall_keeps_web_edits(
    teacher: AuthActions,
    root: Path,
    settings: Settings,
    engine: Engine,
    session: Session,
    clock: FixedClock,
) -> None:
    source = (root / LESSON).read_text(encoding="utf-8")
    assert save(teacher, source + f"\n\n{MARK}\n").status_code == 302
    shutil.rmtree(root)  # reinstall: the root comes back pristine
    course_copy(root)
    # `course serve` on the same database: migrate, load only when nothing is loaded.
    initialize(engine, session, clock, root)
    restarted = create_app(settings, engine, clock)
    restarted.config.update(TESTING=True)
    visitor = restarted.test_client()
    assert MARK in visitor.get(LESSON_PAGE).get_data(as_text=True)
    again = AuthActions(visitor).login_as("teacher@example.org")
    archive = zipfile.ZipFile(io.BytesIO(again.get(f"/teach/courses/{COURSE}/content.zip").data))
    assert MARK in archive.read(LESSON).decode()
    assert QUIZ in archive.namelist()


def test_unknown_files_are_404_and_odd_text_is_refused_kept(
    teacher: AuthActions, root: Path
) -> None:
    assert (
        teacher.client.get(f"/teach/courses/{COURSE}/files/lessons/nope.md/edit").status_code == 404
    )
    assert (
        teacher.client.get(f"/teach/courses/{COURSE}/files/../course.yaml/history").status_code
        == 404
    )
    page = save(teacher, "Some text with a NUL \x00 byte.")
    assert page.status_code == 400
    assert "NUL byte" in page.get_data(as_text=True)
    assert "Some text with a NUL" in textarea(page.get_data(as_text=True))


NEW_QUIZ = """id: preview-quiz
title: Previewed quiz
lesson: soviet-union-ww2
questions:
  - id: preview-year
    type: number
    prompt: In which year did the Soviet Union declare war on Japan?
    answer: 1945
    explanation: In August 1945, three months after the war in Europe ended.
    examples:
      - {response: "1945", score: 1}
      - {response: "1941", score: 0}
  - id: preview-city
    type: choice
    prompt: Which city did Soviet airborne troops take on 18 August 1945?
    choices:
      - {text: Harbin, correct: true}
      - Vladivostok
"""
AUTHOR = f"/teach/courses/{COURSE}/author"


def test_preview_shows_the_question_pages_and_the_key_to_the_author_only(
    teacher: AuthActions, root: Path
) -> None:
    form = {"filename": "preview-quiz.yaml", "text": NEW_QUIZ, "action": "preview"}
    page = teacher.post(AUTHOR, form, token_from=AUTHOR)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    # The learners' question markup (the attempt page's macro), without a slug in it…
    assert html.count('<fieldset class="question" id="question-') == 2
    assert 'type="radio" name="q-2"' in html and 'type="text" name="q-1"' in html
    assert "inputmode" not in html  # a number may be typed in words
    # …then the author's key, explanation and graded examples.
    assert "Author only" in html and "<code>preview-year</code>" in html
    assert "Answer: <strong>1945</strong>" in html  # as the results page writes a year
    assert "three months after the war in Europe" in html
    assert html.count("✔</td>") == 2
    assert teacher.client.get(f"/courses/{COURSE}/quizzes/preview-quiz").status_code == 404

    full = teacher.post(AUTHOR, {**form, "action": "learner"}, token_from=AUTHOR)
    html = full.get_data(as_text=True)
    assert full.status_code == 200 and "Preview of quizzes/preview-quiz.yaml" in html
    assert "<h1>Previewed quiz</h1>" in html and "Author only" in html


def test_preview_of_a_lesson_is_the_lesson_page(teacher: AuthActions, root: Path) -> None:
    source = (root / LESSON).read_text(encoding="utf-8") + f"\n\n{MARK}\n"
    page = save(teacher, source, action="learner")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'class="lesson-layout"' in html and MARK in html  # the learners' template
    assert "Preview of lessons/soviet-union-ww2.md: nothing is published." in html
    assert MARK not in teacher.client.get(LESSON_PAGE).get_data(as_text=True)


def test_learners_never_reach_the_preview(app: Flask, auth: AuthActions, root: Path) -> None:
    auth.signup("kim@example.org")
    form = {"filename": "preview-quiz.yaml", "text": NEW_QUIZ, "action": "preview"}
    refused = auth.post(AUTHOR, form, token_from="/")
    assert refused.status_code == 403 and "Harbin" not in refused.get_data(as_text=True)


def test_restart_from_a_root_in_a_new_place_reads_media_there(
    teacher: AuthActions,
    root: Path,
    settings: Settings,
    engine: Engine,
    session: Session,
    clock: FixedClock,
    tmp_path: Path,
) -> None:
    source = (root / LESSON).read_text(encoding="utf-8")
    assert save(teacher, source + f"\n\n{MARK}\n").status_code == 302
    shutil.rmtree(root)  # reinstalled into another folder
    moved = course_copy(tmp_path / "elsewhere")
    initialize(engine, session, clock, moved)
    with session.begin():
        course = session.get(CourseRow, COURSE)
        assert course is not None and course.content_root == str(moved.resolve())
    assert MARK in teacher.client.get(LESSON_PAGE).get_data(as_text=True)
    # Editing still validates (media are looked for in the new root).
    assert save(teacher, source, base="2").status_code == 302
