"""`course validate` and `course sync` against files written the way outside authors do."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from course.cli import main
from course.store.content import LessonRow, QuestionRow, QuizRow
from course.store.engine import make_engine, make_sessionmaker

LESSON = """---
title: The war with Japan
{extra}---
## The war with Japan
In August 1945 the Soviet Union invaded Manchuria.
"""

QUIZ = """title: Check
lesson: {lesson}
{extra}questions:
  - id: q1
    type: text
    prompt: Which language?
    answer: C #sharp
    examples: {{"C": 1, "Java": 0}}
  - id: q2
    type: date
    prompt: When?
    answer: 1945-08-09
    section: The war with Japan
    examples: {{"9 August 1945": 1, "1944": 0}}
"""


@pytest.fixture
def runner(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("COURSE_INSTANCE", str(tmp_path / "instance"))
    monkeypatch.setenv("DATABASE_URL", database_url)
    return CliRunner()


def write_root(
    root: Path, *, lesson_extra: str = "", quiz_extra: str = "", second: str | None = None
) -> Path:
    (root / "lessons").mkdir(parents=True, exist_ok=True)
    (root / "quizzes").mkdir(exist_ok=True)
    (root / "lessons" / "war.md").write_text(LESSON.format(extra=lesson_extra), encoding="utf-8")
    (root / "quizzes" / "war.yaml").write_text(
        QUIZ.format(lesson="war", extra=quiz_extra), encoding="utf-8"
    )
    if second is not None:
        (root / "lessons" / "draft.md").write_text(second, encoding="utf-8")
    return root


def test_warnings_follow_errors_and_leave_the_exit_status(
    runner: CliRunner, tmp_path: Path
) -> None:
    root = write_root(tmp_path / "c")
    result = runner.invoke(main, ["validate", str(root)])
    assert result.exit_code == 0, result.output
    quiz = f"{root}/quizzes/war.yaml"
    lines = result.stdout.splitlines()
    assert lines == [
        f"{quiz}:7:13: warning: 'answer' value is read as 'C': in YAML ' #' after an unquoted "
        "value starts a comment. If '#sharp' is part of it, quote the whole value "
        '("C #sharp"); if it is a comment, put it on a line of its own',
        f"{quiz}:13:14: warning: section 'The war with Japan' is a heading's text, not its "
        "anchor; did you mean `the-war-with-japan`? (used; write section: the-war-with-japan)",
    ]
    strict = runner.invoke(main, ["validate", "--strict", str(root)])
    assert strict.exit_code == 1
    assert "2 warning(s) found (--strict)." in strict.stderr


def test_errors_come_before_warnings_and_exit_1(runner: CliRunner, tmp_path: Path) -> None:
    root = write_root(tmp_path / "c", quiz_extra="pass_mark: lots\n")
    result = runner.invoke(main, ["validate", str(root)])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert "must be a number" in lines[0] and ": warning: " not in lines[0]
    assert all(": warning: " in line for line in lines[1:]) and len(lines) == 3
    assert "1 problem(s) found." in result.stderr


def _published(database_url: str) -> tuple[list[str], list[str], list[str]]:
    engine = make_engine(database_url)
    try:
        with make_sessionmaker(engine)() as session:
            lessons = session.scalars(
                select(LessonRow.slug).where(LessonRow.retired_at.is_(None))
            ).all()
            quizzes = session.scalars(select(QuizRow.slug).where(QuizRow.retired_at.is_(None)))
            questions = session.scalars(
                select(QuestionRow.slug).where(QuestionRow.retired_at.is_(None))
            )
            return sorted(lessons), sorted(quizzes.all()), sorted(questions.all())
    finally:
        engine.dispose()


def test_sync_never_publishes_drafts(runner: CliRunner, tmp_path: Path, database_url: str) -> None:
    draft_lesson = "---\ntitle: Copied text\ndraft: true\n---\n## Notes\nSomeone else's words.\n"
    root = write_root(tmp_path / "c", second=draft_lesson)
    quiz = root / "quizzes" / "war.yaml"
    quiz.write_text(
        quiz.read_text(encoding="utf-8")
        + "  - id: q3\n    type: true_false\n    prompt: Draft?\n    answer: true\n"
        "    draft: true\n",
        encoding="utf-8",
    )
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    result = runner.invoke(main, ["sync", str(root)])
    assert result.exit_code == 0, result.output
    assert _published(database_url) == (["war"], ["war"], ["q1", "q2"])
    assert (
        "Not published (draft: true): lesson 'draft', question 'q3' of quiz 'war'." in result.output
    )

    # Marking a published quiz as a draft takes it away from learners at the next sync.
    quiz.write_text(
        quiz.read_text(encoding="utf-8").replace("questions:", "draft: true\nquestions:", 1),
        encoding="utf-8",
    )
    assert runner.invoke(main, ["sync", str(root)]).exit_code == 0
    lessons, quizzes, _ = _published(database_url)
    assert (lessons, quizzes) == (["war"], [])
