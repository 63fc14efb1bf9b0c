"""Inputs that once made `course validate` end in a traceback: each is a problem listed
with its position now. Found by validating mutated copies of the bundled course."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from course.content.diagnostics import Diagnostic
from course.services.content_sync import validate_root

LESSON = "---\ntitle: A lesson\n---\n## Heading\nText.\n"


def problems_of(tmp_path: Path, text: str) -> list[Diagnostic]:
    (tmp_path / "lessons").mkdir()
    (tmp_path / "quizzes").mkdir()
    (tmp_path / "lessons" / "l.md").write_text(LESSON, encoding="utf-8")
    (tmp_path / "quizzes" / "q.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
    bundle, report = validate_root(tmp_path)
    assert bundle is None
    return report.problems


@pytest.mark.parametrize(
    ("first", "second", "keys"),
    [
        ("choice", "order", "choices: [{text: a, correct: true}, b]"),
        ("order", "match", "items: [a, b]"),
        ("true_false", "date", "answer: true"),
        ("date", "number", "answer: 1942-11-19"),
        ("text", "cloze", "answer: x"),
    ],
)
def test_type_given_twice(tmp_path: Path, first: str, second: str, keys: str) -> None:
    problems = problems_of(
        tmp_path,
        f"""\
        title: T
        lesson: l
        questions:
          - id: q1
            type: {first}
            prompt: Which?
            {keys}
            type: {second}
            examples:
              - response: a
                score: 1
        """,
    )
    assert [(p.line, p.col) for p in problems if "duplicate key 'type'" in p.message] == [(8, 5)]


@pytest.mark.parametrize("value", ["e5", "-E3", "+e10"])
def test_exponent_without_digits_before_it(tmp_path: Path, value: str) -> None:
    problems = problems_of(
        tmp_path,
        f"""\
        title: T
        lesson: l
        pass_mark: {value}
        questions:
          - id: q1
            type: number
            prompt: How many?
            answer: 3
            tolerance: {value}
            examples:
              - response: "3"
                score: {value}
        """,
    )
    assert [(p.line, p.col, p.message) for p in problems] == [
        (3, 12, f"'pass_mark' must be a number, not {value!r}"),
        (9, 16, f"'tolerance' must be a number, not {value!r}"),
        (12, 16, f"'score' must be a number, not {value!r}"),
    ]
