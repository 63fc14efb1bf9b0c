"""An import that would not pass `course validate` writes nothing (docs/interop.md): the
lesson named with --lesson must exist in the root, whether the root has other lessons,
no lesson, or no lessons/ folder at all."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from course.cli import main
from tests.factories import REPO

GIFT = "::capital::Which city was the Soviet capital? {=Moscow ~Kyiv ~Minsk}\n"
XML = """<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="shortanswer">
    <name><text>capital</text></name>
    <questiontext format="html"><text>Which city was the Soviet capital?</text></questiontext>
    <answer fraction="100"><text>Moscow</text></answer>
  </question>
</quiz>
"""
COMMANDS = [("import-gift", "motion.gift", GIFT), ("import-moodle-xml", "motion.xml", XML)]


def _roots(tmp_path: Path) -> dict[str, Path]:
    empty = tmp_path / "empty"
    empty.mkdir()
    only_quizzes = tmp_path / "only-quizzes"
    (only_quizzes / "quizzes").mkdir(parents=True)
    other_lesson = tmp_path / "other-lesson"
    (other_lesson / "lessons").mkdir(parents=True)
    shutil.copy(REPO / "lessons" / "soviet-union-ww2.md", other_lesson / "lessons")
    return {"empty": empty, "only-quizzes": only_quizzes, "other-lesson": other_lesson}


@pytest.mark.parametrize(("command", "name", "text"), COMMANDS)
@pytest.mark.parametrize("kind", ["empty", "only-quizzes", "other-lesson"])
def test_a_missing_lesson_is_refused_before_writing(
    tmp_path: Path, command: str, name: str, text: str, kind: str
) -> None:
    source = tmp_path / name
    source.write_text(text, encoding="utf-8")
    root = _roots(tmp_path)[kind]
    before = sorted(p.relative_to(root) for p in root.rglob("*"))
    result = CliRunner().invoke(
        main, [command, str(source), "--root", str(root), "--lesson", "motion"]
    )
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)
    assert f"no lesson 'motion' in {root}" in result.output
    assert "Wrote" not in result.output
    assert sorted(p.relative_to(root) for p in root.rglob("*")) == before
    if kind != "other-lesson":
        assert "it has no lesson yet" in result.output


@pytest.mark.parametrize(("command", "name", "text"), COMMANDS)
def test_a_quiz_that_fails_in_its_root_is_not_written(
    tmp_path: Path, command: str, name: str, text: str
) -> None:
    """A root with a problem of its own (a lesson without a title) and a quiz that
    already has the id `motion` in another file: the import would add a duplicate id,
    so it writes nothing; the root's own problem is not blamed on it."""
    source = tmp_path / name
    source.write_text(text, encoding="utf-8")
    root = tmp_path / "root"
    (root / "lessons").mkdir(parents=True)
    (root / "quizzes").mkdir()
    shutil.copy(REPO / "lessons" / "soviet-union-ww2.md", root / "lessons")
    (root / "lessons" / "broken.md").write_text("---\nid: broken\n---\n\nNo title.\n")
    (root / "quizzes" / "old.yaml").write_text(
        "id: motion\ntitle: Old\nlesson: soviet-union-ww2\nquestions:\n"
        "  - id: a\n    type: true_false\n    prompt: Yes?\n    answer: true\n"
    )
    result = CliRunner().invoke(
        main, [command, str(source), "--root", str(root), "--lesson", "soviet-union-ww2"]
    )
    assert result.exit_code == 1, result.output
    assert "nothing was written" in result.output
    assert "duplicate quiz id 'motion'" in result.output
    assert "missing required key 'title'" not in result.output
    assert str(root) in result.output and "course-import-" not in result.output
    assert not (root / "quizzes" / "motion.yaml").exists()


def test_an_import_into_a_root_with_its_own_problems_still_writes(tmp_path: Path) -> None:
    """Problems the root had before are reported after writing, as before."""
    source = tmp_path / "motion.gift"
    source.write_text(GIFT, encoding="utf-8")
    root = tmp_path / "root"
    (root / "lessons").mkdir(parents=True)
    shutil.copy(REPO / "lessons" / "soviet-union-ww2.md", root / "lessons")
    (root / "lessons" / "broken.md").write_text("---\nid: broken\n---\n\nNo title.\n")
    result = CliRunner().invoke(
        main, ["import-gift", str(source), "--root", str(root), "--lesson", "soviet-union-ww2"]
    )
    assert result.exit_code == 1, result.output
    assert "Wrote" in result.output and "missing required key 'title'" in result.output
    assert (root / "quizzes" / "motion.yaml").is_file()
