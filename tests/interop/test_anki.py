"""Anki decks, read back the way Anki reads them: the .apkg is a zip holding a SQLite
collection (``collection.anki2``) whose ``notes`` table has the fields and tags."""

from __future__ import annotations

import io
import sqlite3
import sys
import zipfile
from html import escape
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy.orm import Session

from course.cli import main
from course.clock import FixedClock
from course.errors import PermissionDenied
from course.grading.registry import correct_answer
from course.interop import source
from course.interop.anki import AnkiNote, build_package, note_guid
from course.interop.source import InteropUnavailable
from course.services import decks
from course.services.authz import Actor
from tests.factories import (
    COURSE,
    PASSWORD,
    AuthActions,
    bundled_questions,
    course_question_total,
    make_class,
    make_instructor,
    make_learner,
    take_quiz,
)


def read_notes(data: bytes, tmp_path: Path) -> list[tuple[str, list[str], list[str]]]:
    """(guid, fields, tags) of every note in an .apkg."""
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        assert "collection.anki2" in package.namelist()
        target = tmp_path / "collection.anki2"
        target.write_bytes(package.read("collection.anki2"))
    with sqlite3.connect(target) as db:
        rows = db.execute("select guid, flds, tags from notes order by sfld").fetchall()
    return [(g, f.split("\x1f"), t.split()) for g, f, t in rows]


def test_package_round_trip(tmp_path: Path) -> None:
    notes = [
        AnkiNote("c/q/a", "<p>Front A</p>", "<p>Back A</p>", ("course::c", "lesson::one two")),
        AnkiNote("c/q/b", "<p>Front B</p>", "<p>Back B</p>", ("course::c",)),
    ]
    first = read_notes(build_package("c", "Deck", notes), tmp_path)
    assert [(g, f[2]) for g, f, _ in first] == [
        (note_guid("c/q/a"), "c/q/a"),
        (note_guid("c/q/b"), "c/q/b"),
    ]
    assert first[0][1][:2] == ["<p>Front A</p>", "<p>Back A</p>"]
    assert first[0][2] == ["course::c", "lesson::one_two"]
    (tmp_path / "again").mkdir()
    again = read_notes(build_package("c", "Deck", notes), tmp_path / "again")
    assert [g for g, _, _ in again] == [
        g for g, _, _ in first
    ]  # stable: Anki updates, not duplicates


def test_learner_deck_holds_only_their_review_items(
    session: Session, clock: FixedClock, synced: None, tmp_path: Path
) -> None:
    learner = make_learner(session, clock)
    make_learner(session, clock, "other@example.org")
    take_quiz(session, clock, learner.id)
    deck = decks.learner_deck(session, learner, None, "https://school.example/")
    notes = read_notes(deck.data, tmp_path)
    questions = bundled_questions()
    assert deck.notes == len(notes) == len(questions)
    for guid, (front, back, key), tags in notes:
        course, _quiz, slug = key.split("/")
        assert course == COURSE and guid == note_guid(key)
        assert f"course::{COURSE}" in tags and any(t.startswith("lesson::") for t in tags)
        assert "https://school.example/courses/" in back
        question = questions[slug]
        expected = correct_answer(question)
        assert escape(expected) in back
        if question.type.value in ("text", "number", "date", "cloze"):
            assert escape(expected) not in front  # the answer is on the back only
    empty = decks.learner_deck(
        session, Actor(make_learner(session, clock, "new@example.org").id, learner.role), None, "/"
    )
    assert empty.notes == 0


def test_course_deck_is_for_the_course_authors(
    session: Session, clock: FixedClock, synced: None, tmp_path: Path
) -> None:
    teacher = make_instructor(session, clock)
    with pytest.raises(PermissionDenied):  # teaches no class of the course yet
        decks.course_deck(session, teacher, COURSE, "/")
    make_class(session, clock, teacher)
    deck = decks.course_deck(session, teacher, COURSE, "/")
    assert deck.notes == course_question_total()
    learner = make_learner(session, clock)
    with pytest.raises(PermissionDenied):
        decks.course_deck(session, learner, COURSE, "/")


def test_downloads_on_the_web(auth: AuthActions, session: Session, clock: FixedClock) -> None:
    make_class(session, clock, make_instructor(session, clock))
    teacher = auth.browser()
    teacher.login("teacher@example.org", PASSWORD)
    page = teacher.client.get(f"/teach/courses/{COURSE}/anki.apkg")
    assert page.status_code == 200 and page.data[:2] == b"PK"
    assert page.headers["Content-Disposition"] == f'attachment; filename="{COURSE}-course.apkg"'
    learner = auth.browser()
    learner.signup("kim@example.org")
    assert learner.client.get(f"/teach/courses/{COURSE}/anki.apkg").status_code == 403
    assert learner.client.get("/account/review.apkg").status_code == 200
    # A course they teach no class of (here: none at all) is not theirs to export.
    assert teacher.client.get("/teach/courses/nope/anki.apkg").status_code == 403


def test_cli_export_anki(
    tmp_path: Path, database_url: str, synced: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("COURSE_INSTANCE", str(tmp_path / "instance"))
    out = tmp_path / "deck.apkg"
    result = CliRunner().invoke(main, ["export-anki", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert len(read_notes(out.read_bytes(), tmp_path)) == course_question_total()


def test_a_missing_library_gives_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """genanki, markdownify and bs4 load on first use: without them the app still starts
    and the feature says what is missing."""
    monkeypatch.setitem(sys.modules, "genanki", None)
    with pytest.raises(InteropUnavailable, match="genanki"):
        build_package("c", "Deck", [])
    monkeypatch.setitem(sys.modules, "markdownify", None)
    source._converter_class.cache_clear()
    try:
        with pytest.raises(InteropUnavailable, match="reinstall"):
            source.html_to_markdown("<b>x</b>")
    finally:
        source._converter_class.cache_clear()
    assert CliRunner().invoke(main, ["--help"]).exit_code == 0
