"""Sync: versioned by hash, idempotent, all-or-nothing, retire instead of delete."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from course.clock import FixedClock
from course.content.loader import load_root
from course.errors import ContentInvalid
from course.services import content_sync
from course.services.content_sync import sync_root
from course.store.content import ContentVersion, CourseRow, QuestionRevision, QuestionRow
from tests.factories import REPO


@pytest.fixture
def root(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    for part in ("lessons", "quizzes", "media"):
        shutil.copytree(REPO / part, target / part)
    shutil.copy(REPO / "course.yaml", target / "course.yaml")
    return target


def quiz_file(root: Path) -> Path:
    return root / "quizzes" / "soviet-union-ww2.yaml"


def count(session: Session, model: type) -> int:
    with session.begin():
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_sync_is_idempotent(session: Session, clock: FixedClock, root: Path) -> None:
    bundle, report = load_root(root)
    assert bundle is not None, report.lines()
    questions = sum(len(quiz.questions) for quiz in bundle.quizzes)
    first = sync_root(session, clock, root)
    assert first.changed and first.added == len(bundle.lessons) + len(bundle.quizzes) + questions
    second = sync_root(session, clock, root)
    assert not second.changed and second.version_id == first.version_id
    assert count(session, ContentVersion) == 1
    assert count(session, QuestionRevision) == questions


def test_broken_root_changes_nothing(session: Session, clock: FixedClock, root: Path) -> None:
    good = sync_root(session, clock, root)
    quiz_file(root).write_text("title: [unclosed\n", encoding="utf-8")
    with pytest.raises(ContentInvalid) as info:
        sync_root(session, clock, root)
    assert "YAML syntax error" in info.value.lines[0]
    with session.begin():
        course = session.get(CourseRow, "ww2-soviet-union")
        assert course is not None and course.version_id == good.version_id
    assert count(session, ContentVersion) == 1


def test_removed_question_is_retired_and_edit_keeps_id(
    session: Session, clock: FixedClock, root: Path
) -> None:
    sync_root(session, clock, root)
    text = quiz_file(root).read_text(encoding="utf-8")
    start = text.index("  - id: why-remember")
    edited = text[:start].replace(
        "When did the USSR invade Manchuria?",
        "In which month and year did the USSR invade Manchuria?",
    )
    quiz_file(root).write_text(edited, encoding="utf-8")
    result = sync_root(session, clock, root)
    assert result.changed and result.retired == 1 and result.updated >= 1
    with session.begin():
        rows = {q.slug: q for q in session.scalars(select(QuestionRow))}
        assert rows["why-remember"].retired_at == clock.now()
        assert "In which month" in rows["manchuria-invasion"].definition["prompt"]
        revisions = session.scalars(
            select(QuestionRevision).where(
                QuestionRevision.question_id == rows["manchuria-invasion"].id
            )
        ).all()
        assert len(revisions) == 2  # the old wording is kept for regrading
    quiz_file(root).write_text(text, encoding="utf-8")
    sync_root(session, clock, root)
    with session.begin():
        back = session.scalar(select(QuestionRow).where(QuestionRow.slug == "why-remember"))
        assert back is not None and back.retired_at is None


def test_unchanged_resync_skips_validation(
    session: Session, clock: FixedClock, root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = sync_root(session, clock, root)

    def refuse(*args: object) -> None:
        raise AssertionError("an unchanged root was validated again")

    monkeypatch.setattr(content_sync, "validate_root", refuse)
    again = sync_root(session, clock, root)
    assert not again.changed and again.version_id == first.version_id
    assert again.content_hash == first.content_hash and again.course_id == first.course_id


def test_changed_media_is_not_skipped(session: Session, clock: FixedClock, root: Path) -> None:
    first = sync_root(session, clock, root)
    (root / "media" / "timeline.svg").write_text("<svg/>", encoding="utf-8")
    again = sync_root(session, clock, root)
    assert again.changed and again.version_id != first.version_id
    assert count(session, ContentVersion) == 2


def test_moved_root_is_recorded_without_a_new_version(
    session: Session, clock: FixedClock, root: Path
) -> None:
    first = sync_root(session, clock, root)
    moved = root.rename(root.parent / "moved")
    again = sync_root(session, clock, moved)
    assert not again.changed and again.version_id == first.version_id
    with session.begin():
        course = session.get(CourseRow, first.course_id)
        assert course is not None and course.content_root == str(moved.resolve())


def test_unchanged_root_with_drafts_still_names_them(
    session: Session, clock: FixedClock, root: Path
) -> None:
    text = quiz_file(root).read_text(encoding="utf-8")
    quiz_file(root).write_text(text.replace("review: true", "draft: true", 1), encoding="utf-8")
    first = sync_root(session, clock, root)
    again = sync_root(session, clock, root)
    assert first.drafts and again.drafts == first.drafts and not again.changed


def revisions_by_question(session: Session) -> dict[int, list[tuple[int, dict[str, object]]]]:
    with session.begin():
        found: dict[int, list[tuple[int, dict[str, object]]]] = {}
        for rev in session.scalars(select(QuestionRevision).order_by(QuestionRevision.id)):
            found.setdefault(rev.question_id, []).append((rev.version_id, rev.definition))
        return found


def test_each_question_has_its_definitions_as_revisions(
    session: Session, clock: FixedClock, root: Path
) -> None:
    """Bulk inserts: a new question (in a new or an existing quiz) gets exactly one first
    revision, its stored definition; a changed one gets one more; others none."""
    first = sync_root(session, clock, root)
    revisions = revisions_by_question(session)
    with session.begin():
        rows = {q.slug: (q.id, q.definition) for q in session.scalars(select(QuestionRow))}
    assert len(revisions) == len(rows)
    for question_id, definition in rows.values():
        assert revisions[question_id] == [(first.version_id, definition)]
    text = quiz_file(root).read_text(encoding="utf-8")
    start = text.index("  - id: why-remember")
    added = text[start:].replace("id: why-remember", "id: why-remember-again", 1)
    edited = text.replace("When did the USSR invade", "In which month did the USSR invade")
    quiz_file(root).write_text(edited + added, encoding="utf-8")
    second = sync_root(session, clock, root)
    assert second.changed
    revisions = revisions_by_question(session)
    with session.begin():
        now = {q.slug: (q.id, q.definition) for q in session.scalars(select(QuestionRow))}
    assert set(now) == {*rows, "why-remember-again"}
    for slug, (question_id, definition) in now.items():
        if slug == "why-remember-again":
            expected = [(second.version_id, definition)]
        elif slug == "manchuria-invasion":
            expected = [(first.version_id, rows[slug][1]), (second.version_id, definition)]
        else:
            expected = [(first.version_id, definition)]
        assert revisions[question_id] == expected, slug


def test_updated_counts_only_what_changed(session: Session, clock: FixedClock, root: Path) -> None:
    """A publish reports what it changed: one lesson edited is "1 updated", whatever
    the course's other lessons and questions (a fresh-eyes tester saw "6 updated" for
    any one-file publish)."""
    sync_root(session, clock, root)
    lesson = sorted((root / "lessons").glob("*.md"))[0]
    text = lesson.read_text(encoding="utf-8")
    lesson.write_text(text + "\nOne more sentence, added by the test.\n", encoding="utf-8")
    result = sync_root(session, clock, root)
    assert result.changed
    assert (result.added, result.updated, result.retired) == (0, 1, 0)
