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
