"""GIFT and Moodle XML exports carry only what learners are shown: drafts stay home.

A file exported and imported again becomes a published quiz, so a draft question that
went out would be published by the round trip (docs/quiz-format.md, "Drafts")."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from course.cli import main

LESSON = "soviet-union-ww2"

QUIZ = f"""\
id: mixed
title: Mixed
lesson: {LESSON}
questions:
  - id: capital
    type: choice
    prompt: Which city was the Soviet capital?
    choices:
      - text: Moscow
        correct: true
      - text: Kyiv
  - id: unfinished
    draft: true
    type: text
    prompt: Which river did the Red Army cross first?
    answer: [Dnieper]
"""

ONLY_DRAFT = f"""\
id: only-draft
title: Only a draft
lesson: {LESSON}
questions:
  - id: half-written
    draft: true
    type: true_false
    prompt: Leningrad was besieged.
    answer: true
"""

DRAFT_QUIZ = f"""\
id: draft-quiz
title: A draft quiz
lesson: {LESSON}
draft: true
questions:
  - id: ready-question
    type: true_false
    prompt: Stalingrad lies on the Volga.
    answer: true
"""


def export(command: str, quiz: str, root: Path) -> Result:
    result = CliRunner().invoke(main, [command, quiz, "--root", str(root)])
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture
def root(content_root: Path) -> Path:
    for name, text in (("mixed", QUIZ), ("only-draft", ONLY_DRAFT), ("draft-quiz", DRAFT_QUIZ)):
        (content_root / "quizzes" / f"{name}.yaml").write_text(text, encoding="utf-8")
    assert CliRunner().invoke(main, ["validate", str(content_root)]).exit_code == 0
    return content_root


@pytest.mark.parametrize("command", ["export-gift", "export-moodle-xml"])
def test_draft_questions_are_left_out_and_named(command: str, root: Path) -> None:
    result = export(command, "mixed", root)
    assert "capital" in result.stdout and "Moscow" in result.stdout
    assert "unfinished" not in result.stdout and "Dnieper" not in result.stdout
    assert "1 question(s) exported" in result.stderr
    assert "unfinished (text): not exported: a draft (draft: true)" in result.stderr


@pytest.mark.parametrize("command", ["export-gift", "export-moodle-xml"])
def test_a_quiz_of_drafts_exports_no_question(command: str, root: Path) -> None:
    only = export(command, "only-draft", root)
    assert "half-written" not in only.stdout and "Leningrad" not in only.stdout
    assert "0 question(s) exported" in only.stderr
    assert "half-written (true_false): not exported: a draft" in only.stderr
    whole = export(command, "draft-quiz", root)
    assert "ready-question" not in whole.stdout and "Volga" not in whole.stdout
    assert "ready-question (true_false): not exported: the quiz is a draft" in whole.stderr


def test_a_quiz_of_a_draft_lesson_exports_no_question(root: Path) -> None:
    lesson = root / "lessons" / f"{LESSON}.md"
    text = lesson.read_text(encoding="utf-8")
    lesson.write_text(text.replace("---\n", "---\ndraft: true\n", 1), encoding="utf-8")
    result = export("export-gift", "mixed", root)
    assert "Moscow" not in result.stdout
    assert f"capital (choice): not exported: its lesson '{LESSON}' is a draft" in result.stderr


@pytest.mark.parametrize(
    ("command", "importer", "suffix"),
    [("export-gift", "import-gift", "gift"), ("export-moodle-xml", "import-moodle-xml", "xml")],
)
def test_a_round_trip_publishes_no_draft(
    command: str, importer: str, suffix: str, root: Path
) -> None:
    out = root.parent / f"mixed.{suffix}"
    written = CliRunner().invoke(main, [command, "mixed", "--root", str(root), "-o", str(out)])
    assert written.exit_code == 0, written.output
    back = CliRunner().invoke(
        main, [importer, str(out), "--root", str(root), "--quiz", "again", "--lesson", LESSON]
    )
    assert back.exit_code == 0, back.output
    text = (root / "quizzes" / "again.yaml").read_text(encoding="utf-8")
    assert "capital" in text and "unfinished" not in text and "draft" not in text
