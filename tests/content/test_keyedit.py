"""Answer-key edits of quiz YAML: only the key's values change, and the result reads
back (through the real quiz reader) as the intended key."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest

from course.content import keyedit
from course.content.model import (
    AnyQuestion,
    ChoiceQuestion,
    DateQuestion,
    MultiChoiceQuestion,
    NumberQuestion,
    TextQuestion,
)
from course.content.quizzes import read_quiz
from tests.factories import REPO

HEAD = "id: q\ntitle: Q\nlesson: l\nquestions:\n"


def _read(text: str, qid: str = "a") -> AnyQuestion:
    quiz = read_quiz("q.yaml", text.encode(), "q").quiz
    assert quiz is not None, read_quiz("q.yaml", text.encode(), "q").problems
    return next(q for q in quiz.questions if q.id == qid)


def _text(body: str) -> str:
    return HEAD + body


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("    answer: Stalin  # the leader\n", ("Stalin", "Zhukov")),
        ("    answer: [Stalin, 'Molotov']\n", ("Stalin", "Molotov", "Zhukov")),
        (
            "    answer:\n      - Stalin\n      - Molotov # him too\n",
            ("Stalin", "Molotov", "Zhukov"),
        ),
        ('    answer: "No"\n', ("No", "Zhukov")),
    ],
)
def test_accept_text_in_every_layout(answer: str, expected: tuple[str, ...]) -> None:
    text = _text(
        "  - id: a\n    type: text\n    prompt: Who?\n"
        + answer
        + "    examples:\n      Zhukov: 0\n  - id: b\n    type: text\n    prompt: P\n"
        "    answer: Zhukov\n"
    )
    edited = keyedit.accept_text(text, "a", "Zhukov")
    question = _read(edited)
    assert isinstance(question, TextQuestion)
    assert question.matcher.answers == expected
    other = _read(edited, "b")
    assert isinstance(other, TextQuestion) and other.matcher.answers == ("Zhukov",)
    assert edited.endswith("    answer: Zhukov\n")  # the next question as it was


def test_accept_text_removes_the_matching_wrong_entry_only() -> None:
    text = _text(
        "  - id: a\n    type: text\n    prompt: Who?\n    answer: Stalin\n"
        "    wrong:\n      zhukov!: A general.\n      Beria: {feedback: No.}\n"
        "    hint: think\n"
    )
    question = _read(keyedit.accept_text(text, "a", "Zhukov"))
    assert isinstance(question, TextQuestion)
    assert [w.text for w in question.wrong] == ["Beria"] and question.hint == "think"
    only = text.replace("      Beria: {feedback: No.}\n", "")
    question = _read(keyedit.accept_text(only, "a", "Zhukov"))
    assert isinstance(question, TextQuestion) and question.wrong == ()
    assert question.hint == "think"


def test_accept_text_keeps_crlf_and_refuses_what_is_accepted() -> None:
    text = _text("  - id: a\n    type: text\n    prompt: Who?\n    answer: Stalin\n")
    crlf = text.replace("\n", "\r\n")
    edited = keyedit.accept_text(crlf, "a", "Zhukov")
    assert "\n" not in edited.replace("\r\n", "")
    question = _read(edited)
    assert isinstance(question, TextQuestion) and question.matcher.answers[-1] == "Zhukov"
    with pytest.raises(keyedit.EditError, match="already accepted"):
        keyedit.accept_text(text, "a", "  stalin. ")
    with pytest.raises(keyedit.EditError, match="no question 'zz'"):
        keyedit.accept_text(text, "zz", "x")


def test_set_answer_of_number_and_date() -> None:
    text = _text(
        "  - id: a\n    type: number\n    prompt: How many?\n    answer: '20 million'\n"
        "  - id: b\n    type: date\n    prompt: When?\n    answer: 1945-08-09 # Manchuria\n"
    )
    number = _read(keyedit.set_answer(text, "a", "2000000"))
    assert isinstance(number, NumberQuestion) and number.answer == 2_000_000
    date = _read(keyedit.set_answer(text, "b", "1944"), "b")
    assert isinstance(date, DateQuestion) and str(date.answer) == "1944"
    assert "# Manchuria" in keyedit.set_answer(text, "b", "1944")


@pytest.mark.parametrize(
    "choices",
    [
        "    answer: Kursk\n    choices: [Kursk, Moscow, Kiev]\n",
        "    choices:\n      - Kursk\n      - {text: Moscow}\n      - text: Kiev\n"
        "        correct: false\n    answer: Kursk\n",
        "    choices:\n      - text: Kursk\n        correct: true\n        feedback: Yes.\n"
        "      - Moscow\n      - {text: Kiev, correct: false}\n",
    ],
)
def test_mark_choices_however_the_key_is_written(choices: str) -> None:
    text = _text("  - id: a\n    type: choice\n    prompt: Where?\n" + choices)
    question = _read(keyedit.mark_choices(text, "a", ["Kiev"]))
    assert isinstance(question, ChoiceQuestion)
    assert [c.text for c in question.choices if c.correct] == ["Kiev"]
    again = _read(keyedit.mark_choices(text, "a", ["Moscow"]))
    assert isinstance(again, ChoiceQuestion)
    assert [c.text for c in again.choices if c.correct] == ["Moscow"]
    multi = text.replace("type: choice", "type: multi_choice")
    both = _read(keyedit.mark_choices(multi, "a", ["Kursk", "Kiev"]))
    assert isinstance(both, MultiChoiceQuestion)
    assert [c.text for c in both.choices if c.correct] == ["Kursk", "Kiev"]


def test_example_scores_in_both_forms() -> None:
    text = _text(
        "  - id: a\n    type: text\n    prompt: Who?\n    answer: Stalin\n"
        "    examples:\n      Stalin: 1\n      Zhukov: 0 # no\n"
        "  - id: b\n    type: text\n    prompt: Who?\n    answer: Stalin\n"
        "    examples:\n      - {response: Stalin, score: 1}\n      - response: Zhukov\n"
        "        score: 0\n"
    )
    edited = keyedit.set_example_scores(text, "a", {1: 1.0})
    edited = keyedit.set_example_scores(edited, "b", {1: 0.5, 0: 0.0})
    a, b = _read(edited, "a"), _read(edited, "b")
    assert [e.score for e in a.examples] == [1.0, 1.0]
    assert [e.score for e in b.examples] == [0.0, 0.5]
    assert "Zhukov: 1 # no" in edited


def test_accept_text_on_a_pattern_only_question_adds_an_answer() -> None:
    text = _text(
        "  - id: a\n    type: text\n    prompt: Who?\n    regex: ['(?i)stalin']\n"
        "    explanation: |\n      Long.\n      Text.\n\n  - id: b\n    type: true_false\n"
        "    prompt: P\n    answer: true\n"
    )
    edited = keyedit.accept_text(text, "a", "Koba")
    question = _read(edited)
    assert isinstance(question, TextQuestion)
    assert question.matcher.answers == ("Koba",) and question.explanation == "Long.\nText.\n"
    assert _read(edited, "b").type == "true_false"


def _unplaced(question: AnyQuestion) -> AnyQuestion:
    """The question without its examples' line numbers (an edit may shift lines)."""
    examples = tuple(dataclasses.replace(e, line=0, col=0) for e in question.examples)
    return dataclasses.replace(question, examples=examples)


def _fix(text: str, question: AnyQuestion) -> tuple[str, Callable[[AnyQuestion], bool]] | None:
    """An edit the question's type allows, and how to recognise its result."""
    match question:
        case TextQuestion():
            return keyedit.accept_text(
                text, question.id, "Zzyzx Road"
            ), lambda q: isinstance(q, TextQuestion) and q.matcher.answers[-1] == "Zzyzx Road"
        case ChoiceQuestion() | MultiChoiceQuestion():
            wrong = next(c.text for c in question.choices if not c.correct)
            return (
                keyedit.mark_choices(text, question.id, [wrong]),
                lambda q: (
                    isinstance(q, ChoiceQuestion | MultiChoiceQuestion)
                    and [c.text for c in q.choices if c.correct] == [wrong]
                ),
            )
        case NumberQuestion() if question.range is None:
            return keyedit.set_answer(
                text, question.id, "12345"
            ), lambda q: isinstance(q, NumberQuestion) and q.answer == 12345
        case DateQuestion():
            return keyedit.set_answer(
                text, question.id, "1812"
            ), lambda q: isinstance(q, DateQuestion) and str(q.answer) == "1812"
    return None


def test_every_bundled_question_takes_the_fixes_of_its_type() -> None:
    """Each edit on the real quiz files reads back as the intended key, and every other
    question of the file reads back unchanged."""
    edited_any = 0
    for path in sorted((REPO / "quizzes").glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        before = read_quiz(path.name, text.encode(), path.stem).quiz
        assert before is not None
        for question in before.questions:
            fixed = _fix(text, question)
            if fixed is None:
                continue
            after = read_quiz(path.name, fixed[0].encode(), path.stem).quiz
            assert after is not None, (path.name, question.id)
            edited_any += 1
            for old, new in zip(before.questions, after.questions, strict=True):
                if old.id == question.id:
                    assert fixed[1](new), (path.name, question.id)
                else:
                    assert _unplaced(old) == _unplaced(new), (path.name, question.id, old.id)
    assert edited_any >= 20


def test_accept_text_first_makes_it_the_shown_answer() -> None:
    text = _text(
        "  - id: a\n    type: text\n    prompt: Who?\n    answer: [Mannerheim Fortress, Line]\n"
        "    examples:\n      Line: 1\n      Mannerheim Line: 0\n"
    )
    edited = keyedit.accept_text(text, "a", "Mannerheim Line", first=True)
    question = _read(edited)
    assert isinstance(question, TextQuestion)
    assert question.matcher.answers == ("Mannerheim Line", "Mannerheim Fortress", "Line")


def test_add_example_in_every_form() -> None:
    text = _text(
        "  - id: a\n    type: number\n    prompt: When?\n    answer: 1989\n"
        '    examples:\n      "1988": 0 # the old key\n'
        "  - id: b\n    type: text\n    prompt: Who?\n    answer: Stalin\n"
        "    examples:\n      - {response: Stalin, score: 1}\n      - response: Zhukov\n"
        "        score: 0\n"
        "  - id: c\n    type: multi_choice\n    prompt: Which?\n    answer: [x, y]\n"
        "    choices: [x, y, z]\n    examples: [{response: [x], score: 0}]\n"
    )
    edited = keyedit.add_example(text, "a", "1989", 1)
    edited = keyedit.add_example(edited, "b", "Joseph Stalin", 0)
    edited = keyedit.add_example(edited, "c", ["x", "y"], 1)
    a, b, c = _read(edited, "a"), _read(edited, "b"), _read(edited, "c")
    assert [(e.response, e.score) for e in a.examples] == [("1988", 0.0), ("1989", 1.0)]
    assert [(e.response, e.score) for e in b.examples][-1] == ("Joseph Stalin", 0.0)
    assert [(e.response, e.score) for e in c.examples][-1] == (["x", "y"], 1.0)
    assert '"1988": 0 # the old key\n      "1989": 1\n' in edited
    with pytest.raises(keyedit.EditError):
        keyedit.add_example(
            _text("  - id: a\n    type: text\n    prompt: P\n    answer: x\n"), "a", "x", 1
        )
