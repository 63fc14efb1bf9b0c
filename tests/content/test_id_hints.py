"""Contract v1.1: a question id holding a word of its own answer is a warning."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from course.cli import main
from course.content.quizzes import read_quiz
from tests.factories import REPO

QUIZ = """\
id: q
title: T
lesson: l
questions:
  - id: which-army
    type: text
    prompt: Which army was swept aside?
    answer: [Kwantung Army]
  - id: q2
    type: choice
    prompt: Which island?
    choices:
      - {text: Sakhalin, correct: true}
      - {text: Hokkaido}
  - id: hokkaido-or-not
    type: choice
    prompt: Which island (a wrong choice's word in the id is no hint)?
    choices:
      - {text: Sakhalin, correct: true}
      - {text: Hokkaido}
  - id: the-war
    type: cloze
    prompt: Fill in.
    text: It was the [[Great Patriotic War]].
  - id: dates-1945
    type: date
    prompt: When?
    answer: 1945-08-09
"""


@pytest.mark.parametrize(
    ("qid", "words"),
    [("which-army", "'army'"), ("the-war", None), ("q2", None), ("hokkaido-or-not", None)],
)
def test_id_words_of_the_answer_warn(qid: str, words: str | None) -> None:
    read = read_quiz("quizzes/q.yaml", QUIZ.encode(), "q")
    assert read.problems == []
    found = [w for w in read.warnings if f"question id '{qid}'" in w.message]
    if words is None:  # "war" is 3 letters; q2 and a wrong choice hint at nothing
        assert found == []
    else:
        assert len(found) == 1 and words in found[0].message
        assert (found[0].line, found[0].col) == (5, 9)


# The bundled quiz's question ids before they were renamed to neutral ones: each holds
# a word of its own answer, so a copy with them put back must warn.
OLD_IDS = {
    "manchuria-garrison": "kwantung-army",
    "north-of-japan": "sakhalin",
    "soviet-name-for-war": "great-patriotic-war",
}


def test_validate_prints_warnings_and_strict_fails(tmp_path: Path) -> None:
    root = tmp_path / "content"
    for part in ("lessons", "quizzes", "media"):
        shutil.copytree(REPO / part, root / part)
    shutil.copy(REPO / "course.yaml", root / "course.yaml")
    quiz = root / "quizzes" / "soviet-union-ww2.yaml"
    text = quiz.read_text(encoding="utf-8")
    for new, old in OLD_IDS.items():
        assert text.count(f"  - id: {new}\n") == 1, new
        text = text.replace(f"  - id: {new}\n", f"  - id: {old}\n")
    quiz.write_text(text, encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(main, ["validate", str(root)])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if ": warning: " in line]
    assert len(lines) == len(OLD_IDS), result.output
    expected = (
        "quizzes/soviet-union-ww2.yaml:120:9: warning: question id "
        "'kwantung-army' contains 'army', 'kwantung'"
    )
    assert any(expected in line for line in lines), result.output
    assert any("'sakhalin' contains 'sakhalin'" in line for line in lines)
    assert any("'great-patriotic-war' contains 'great', 'patriotic'" in line for line in lines)
    strict = runner.invoke(main, ["validate", "--strict", str(root)])
    assert strict.exit_code == 1 and "warning(s) found (--strict)" in strict.output


NUMBERS = """\
id: q
title: T
lesson: l
questions:
  - id: year-1945
    type: number
    prompt: In which year?
    answer: 1945
  - id: toll-27000000
    type: number
    prompt: How many died?
    answer: "27,000,000"
  - id: toll-20000000
    type: number
    prompt: How many died, at least?
    range: [20000000, 27000000]
  - id: invasion-1945
    type: date
    prompt: When?
    answer: 1945-08-09
  - id: answer-1418-days
    type: text
    prompt: How long?
    answer: "1,418 days"
  - id: parallel-38
    type: number
    prompt: Which parallel?
    answer: 38
  - id: step-1944
    type: number
    prompt: In which year (a number of the id that is not the answer)?
    answer: 1945
"""


@pytest.mark.parametrize(
    ("qid", "shared"),
    [
        ("year-1945", "'1945'"),
        ("toll-27000000", "'27000000'"),
        ("toll-20000000", "'20000000'"),
        ("invasion-1945", "'1945'"),
        ("answer-1418-days", "'1418', 'days'"),
        ("parallel-38", None),  # fewer than four digits hint at nothing
        ("step-1944", None),
    ],
)
def test_id_numbers_of_a_number_or_date_answer_warn(qid: str, shared: str | None) -> None:
    read = read_quiz("quizzes/q.yaml", NUMBERS.encode(), "q")
    assert read.problems == []
    found = [w.message for w in read.warnings if f"question id '{qid}'" in w.message]
    if shared is None:
        assert found == []
    else:
        assert len(found) == 1 and f"contains {shared} from its own answer" in found[0], found
