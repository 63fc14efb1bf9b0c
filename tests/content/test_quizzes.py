"""Quiz validation: every rule of the contract, reported with its position."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from course.content.loader import load_root
from course.content.model import ChoiceQuestion, QuestionType, TextQuestion
from course.content.quizzes import read_quiz
from course.services.content_sync import validate_root

LESSON = """---
title: A lesson
---
## The war with Japan
Text.
"""


def quiz(body: str) -> str:
    return "title: T\nlesson: l\nquestions:\n" + textwrap.indent(
        textwrap.dedent(body).lstrip("\n"), "  "
    )


def make_root(tmp_path: Path, quiz_text: str, lesson: str = LESSON) -> Path:
    (tmp_path / "lessons").mkdir(exist_ok=True)
    (tmp_path / "quizzes").mkdir(exist_ok=True)
    (tmp_path / "lessons" / "l.md").write_text(lesson, encoding="utf-8")
    (tmp_path / "quizzes" / "q.yaml").write_text(quiz_text, encoding="utf-8")
    return tmp_path


def errors(tmp_path: Path, quiz_text: str) -> list[str]:
    bundle, report = validate_root(make_root(tmp_path, quiz_text))
    assert (bundle is None) == bool(report.problems)
    return report.lines()


CASES = [
    (
        "unknown key with hint",
        quiz("""
        - id: a
          type: text
          prompt: P
          answr: x
        """),
        "q.yaml:7:5: unknown key 'answr' in question 'a'; did you mean 'answer'?",
    ),
    (
        "missing required",
        quiz("""
        - id: a
          type: true_false
          prompt: P
        """),
        "q.yaml:4:5: question 'a' is missing required key 'answer'",
    ),
    (
        "unknown type",
        quiz("""
        - id: a
          type: multichoice
          prompt: P
        """),
        "unknown question type 'multichoice'; did you mean 'multi_choice'?",
    ),
    (
        "no correct choice",
        quiz("""
        - id: a
          type: choice
          prompt: P
          choices: [x, y]
        """),
        "a choice question needs exactly one correct choice; it has 0",
    ),
    (
        "two correct choices",
        quiz("""
        - id: a
          type: choice
          prompt: P
          choices: [{text: x, correct: true}, {text: y, correct: true}]
        """),
        "it has 2",
    ),
    (
        "empty order",
        quiz("""
        - id: a
          type: order
          prompt: P
          items: []
        """),
        "'items' needs at least two items",
    ),
    (
        "duplicate ids",
        quiz("""
        - id: a
          type: true_false
          prompt: P
          answer: true
        - id: a
          type: true_false
          prompt: Q
          answer: false
        """),
        "q.yaml:8:5: duplicate question id 'a' (first at line 4)",
    ),
    (
        "yaml 1.1 boolean",
        quiz("""
        - id: a
          type: true_false
          prompt: P
          answer: yes
        """),
        "write true or false",
    ),
    (
        "bad section",
        quiz("""
        - id: a
          type: true_false
          prompt: P
          answer: true
          section: the-war-with-japn
        """),
        "section 'the-war-with-japn' is not a heading anchor of lesson 'l'; did you mean "
        "`the-war-with-japan`?",
    ),
    (
        "answer not a choice",
        quiz("""
        - id: a
          type: choice
          prompt: P
          answer: z
          choices: [x, y]
        """),
        "answer 'z' is not one of the choices",
    ),
    (
        "bad regex",
        quiz("""
        - id: a
          type: text
          prompt: P
          regex: ['(']
        """),
        "does not compile",
    ),
    (
        "example mismatch",
        quiz("""
        - id: a
          type: date
          prompt: P
          answer: 1945-08-09
          examples:
            "1944": 1
        """),
        "q.yaml:9:7: example '1944' of question 'a' scores 0, expected 1",
    ),
    (
        "example not a choice",
        quiz("""
        - id: a
          type: choice
          prompt: P
          answer: x
          choices: [x, y]
          examples: {z: 1}
        """),
        "example 'z' of question 'a' is not a valid response",
    ),
    (
        "bad pass mark",
        "title: T\nlesson: l\npass_mark: 180%\nquestions: []\n",
        "'pass_mark' must be between 0 and 1",
    ),
    (
        "lesson missing",
        "title: T\nlesson: nope\nquestions:\n- {id: a, type: true_false, "
        "prompt: P, answer: true}\n",
        "q.yaml:2:9: lesson 'nope' does not exist (lessons: l)",
    ),
    (
        "bad date",
        quiz("""
        - id: a
          type: date
          prompt: P
          answer: 1945-02-30
        """),
        "has day 30; that month has 28 days",
    ),
    (
        "cloze no blank",
        quiz("""
        - id: a
          type: cloze
          prompt: P
          text: no blanks here
        """),
        "has no blanks",
    ),
    (
        "pick too large",
        "title: T\nlesson: l\npick: 5\nquestions:\n- {id: a, type: true_false, "
        "prompt: P, answer: true}\n",
        "'pick' is 5 but the quiz has 1 questions",
    ),
]


@pytest.mark.parametrize(("name", "text", "expected"), CASES, ids=[c[0] for c in CASES])
def test_validation_errors(tmp_path: Path, name: str, text: str, expected: str) -> None:
    found = errors(tmp_path, text)
    assert any(expected in line for line in found), found


def test_every_problem_reported_at_once(tmp_path: Path) -> None:
    text = quiz("""
        - id: a
          type: text
          prompt: P
          answr: x
        - id: b
          type: choice
          prompt: Q
          choices: [x, y]
        """)
    found = errors(tmp_path, text)
    assert len(found) >= 3  # unknown key, text needs answer, no correct choice


def test_yaml11_surprises_stay_text(tmp_path: Path) -> None:
    text = quiz("""
        - id: a
          type: choice
          prompt: P
          answer: "No"
          choices: [Yes, No, on, "012", 1e3]
        - id: b
          type: text
          prompt: P
          answer: [NO, 012, 1e3, off]
        """)
    bundle, report = load_root(make_root(tmp_path, text))
    assert bundle is not None, report.lines()
    choice, typed = bundle.quizzes[0].questions
    assert isinstance(choice, ChoiceQuestion) and isinstance(typed, TextQuestion)
    assert [c.text for c in choice.choices] == ["Yes", "No", "on", "012", "1e3"]
    assert [c.correct for c in choice.choices] == [False, True, False, False, False]
    assert typed.matcher.answers == ("NO", "012", "1e3", "off")


def test_defaults_and_percent(tmp_path: Path) -> None:
    text = (
        "title: T\nlesson: l\npass_mark: 85%\nquestions:\n- {id: a, type: true_false, "
        "prompt: P, answer: false}\n"
    )
    bundle, _ = load_root(make_root(tmp_path, text))
    assert bundle is not None
    q = bundle.quizzes[0]
    assert (q.id, q.pass_mark, q.attempts, q.feedback.value, q.review) == (
        "q",
        0.85,
        None,
        "immediate",
        True,
    )
    assert q.questions[0].type is QuestionType.TRUE_FALSE and q.questions[0].points == 1


def test_read_quiz_refuses_custom_tag() -> None:
    read = read_quiz("q.yaml", b"title: !!python/object/apply:os.system [ls]\n", "q")
    assert read.quiz is None and "is not allowed" in str(read.problems[0])


def test_bundled_course_is_valid() -> None:
    bundle, report = validate_root(Path(__file__).resolve().parents[2])
    assert bundle is not None, report.lines()
    types = {q.type for quiz in bundle.quizzes for q in quiz.questions}
    assert types == set(QuestionType)
    assert sum(len(q.questions) for q in bundle.quizzes) >= 15
    assert all(q.examples for quiz in bundle.quizzes for q in quiz.questions)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '"A [[]] B [[c]]"',
            "q.yaml:7:11: cloze 'text' has an empty blank [[ ]] (blank 1 of 2); write its "
            "answer inside: [[answer]]",
        ),
        (
            '"A [[ | ]] B [[c]]"',
            "q.yaml:7:11: cloze 'text' has an empty blank [[ ]] (blank 1 of 2)",
        ),
        (
            '"A [[b]] and [[e"',
            "q.yaml:7:11: cloze 'text' has '[[' with no closing ']]', at 'and [[e'; close "
            "the blank: [[answer]]",
        ),
        ("A [[e", "q.yaml:7:11: cloze 'text' has '[[' with no closing ']]', at 'A [[e'"),
        (
            "A e]] and [[f]]",
            "q.yaml:7:11: cloze 'text' has ']]' with no opening '[[', at 'A e]] and'",
        ),
        (
            "|\n            A [[b\n            c]] and [[d]]",
            "q.yaml:7:11: cloze 'text' has a blank that runs over a line break",
        ),
    ],
)
def test_cloze_blank_typos_are_errors(tmp_path: Path, text: str, expected: str) -> None:
    found = errors(
        tmp_path,
        quiz(f"""
        - id: a
          type: cloze
          prompt: P
          text: {text}
        """),
    )
    assert len(found) == 1 and found[0].split("/")[-1].startswith(expected), found


def test_an_empty_blank_does_not_swallow_the_next(tmp_path: Path) -> None:
    from course.content.model import split_cloze

    assert split_cloze("A [[]] B [[c]]") == (("A ", " B ", ""), ((), ("c",)))


def test_a_wrong_answer_equal_to_the_answer_once_strokes_fold_is_an_error(tmp_path: Path) -> None:
    found = errors(
        tmp_path,
        quiz("""
        - id: a
          type: text
          prompt: P
          answer: Łódź
          wrong: {Lodz: no}
        """),
    )
    assert any("wrong answer 'Lodz' is the accepted answer 'Łódź'" in f for f in found), found


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ('"true"', "q.yaml:7:13: 'answer' is the quoted text 'true'; write true without quotes"),
        ("'False'", "q.yaml:7:13: 'answer' is the quoted text 'False'; write false without"),
        ("maybe", "q.yaml:7:13: 'answer' must be true or false, not 'maybe'"),
    ],
)
def test_a_quoted_boolean_says_to_unquote_it(tmp_path: Path, answer: str, expected: str) -> None:
    found = errors(
        tmp_path,
        quiz(f"""
        - id: a
          type: true_false
          prompt: P
          answer: {answer}
        """),
    )
    assert len(found) == 1 and found[0].split("/")[-1].startswith(expected), found


def test_a_count_below_one_says_so(tmp_path: Path) -> None:
    text = "title: T\nlesson: l\nattempts: -2\nquestions:\n- {id: a, type: true_false, "
    found = errors(tmp_path, text + "prompt: P, answer: true}\n")
    assert [f.split("/")[-1] for f in found] == [
        "q.yaml:3:11: 'attempts' must be at least 1, not -2"
    ]


def test_a_list_item_problem_is_reported_at_the_item(tmp_path: Path) -> None:
    found = errors(
        tmp_path,
        quiz("""
        - id: a
          type: order
          prompt: P
          items:
            - one
            - two
            - one
        """),
    )
    assert [f.split("/")[-1] for f in found] == [
        "q.yaml:10:9: 'items' lists 'one' twice (first at line 8)"
    ]
