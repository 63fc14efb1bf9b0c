"""The score-only path of ``course validate`` agrees with the full grader, response by response.

``check_examples`` grades authored examples through :func:`scorer_for` (the grader's
score, prepared once per question, without feedback). Every outcome must be the one
:func:`grade_response` gives: the same score, the same FormatError message, the same
ResponseRejected message; and the diagnostics must be those of grading each example
with the full grader. Checked on every bundled question (its examples and variations of
them), on generated questions that use every matching option, and on arbitrary input.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course.content.diagnostics import Diagnostic
from course.content.loader import load_root
from course.content.model import (
    AnyQuestion,
    ClozeQuestion,
    DateQuestion,
    NumberQuestion,
    Quiz,
    TextQuestion,
    build_question,
)
from course.grading.examples import SCORE_TOLERANCE, ExampleError, check_examples, to_raw
from course.grading.registry import grade_response, scorer_for
from course.grading.result import FormatError, ResponseRejected

BUNDLE, _ = load_root(Path(__file__).resolve().parents[2])
assert BUNDLE is not None
QUESTIONS: list[AnyQuestion] = [q for quiz in BUNDLE.quizzes for q in quiz.questions]

Outcome = tuple[str, Any]


def graded(question: AnyQuestion, raw: Any) -> Outcome:
    """What the full grader says, reduced to what the score-only path can say."""
    try:
        result = grade_response(question, raw)
    except ResponseRejected as exc:
        return ("rejected", str(exc))
    if isinstance(result, FormatError):
        return ("format", result.message)
    return ("score", result.score)


def scored(question: AnyQuestion, raw: Any) -> Outcome:
    try:
        result = scorer_for(question)(raw)
    except ResponseRejected as exc:
        return ("rejected", str(exc))
    if isinstance(result, FormatError):
        return ("format", result.message)
    return ("score", result)


def variations(response: Any) -> list[Any]:
    """The response as authored and as a learner might mistype or reformat it."""
    if isinstance(response, list):
        return [response, response[::-1], response[:-1], [*response, response[0]], []]
    if isinstance(response, dict):
        items = list(response.items())
        return [response, dict(items[:-1]), dict(items[::-1]), {}]
    text = str(response)
    bumped = "".join(str((int(c) + 1) % 10) if c.isdigit() else c for c in text)
    return [
        response,
        text.upper(),
        f"  {text}. ",
        text[:-1],
        text + "x",
        "the " + text,
        "about " + text,
        text.replace(" ", ""),
        text.replace(",", ""),
        bumped,
        "",
    ]


def assert_same(question: AnyQuestion, response: Any) -> None:
    try:
        raw = to_raw(question, response)
    except ExampleError:
        return
    want, got = graded(question, raw), scored(question, raw)
    assert got == want, (question.id, response)
    # The same float, not just an equal one (0.0 and -0.0 print differently).
    assert repr(got) == repr(want), (question.id, response)


def test_every_bundled_example_and_its_variations_score_as_graded() -> None:
    checked = 0
    for question in QUESTIONS:
        for example in question.examples:
            for response in variations(example.response):
                assert_same(question, response)
                checked += 1
    assert checked > 1000


GENERATED: list[dict[str, Any]] = [
    {"type": "text", "answer": ["Kwantung Army", "Guandong Army"], "fuzzy": 0.85},
    {"type": "text", "answer": ["NaCl"], "case_sensitive": True},
    {"type": "text", "regex": [r"(?:the\s+)?38(?:th)?\s+parallel"], "answer": ["38th"]},
    {"type": "text", "answer": ["Stalin"], "extra_words": True, "wrong": {"Trotsky": "No."}},
    {
        "type": "text",
        "answer": ["Zhukov"],
        "wrong": {"Konev": {"feedback": "No.", "misconception": "m"}},
        "fuzzy": 0.7,
    },
    {"type": "cloze", "text": "The [[Volga|Волга]] at [[Stalingrad]].", "fuzzy": 0.8},
    {"type": "cloze", "text": "[[A]] [[b]] [[C|c]]", "case_sensitive": True},
    {"type": "number", "answer": 38},
    {"type": "number", "answer": 100, "tolerance": 0.05, "relative": True},
    {"type": "number", "answer": 3.14, "tolerance": 0.01},
    {"type": "number", "range": [20_000_000, 25_000_000]},
    {"type": "number", "answer": 1418},
    {"type": "number", "answer": 5, "unit": "km"},
    {"type": "number", "answer": 0},
    {"type": "date", "answer": "1945-08-09", "accept": ["1945-08-08"], "partial": True},
    {"type": "date", "answer": "1945-08"},
    {"type": "date", "answer": "1941"},
    {"type": "date", "answer": "1941-06-22", "tolerance_days": 3},
    {"type": "date", "answer": "1940-02-29", "partial": True},
]
RESPONSES = [
    "Kwantung Army",
    "kwantung armee",
    "Guandong",
    "NaCl",
    "nacl",
    "the 38th parallel",
    "38 parallel",
    "Comrade Stalin did",
    "Stalin and Trotsky",
    "Trotsky",
    "Zhukov",
    "Zhukow",
    "Konev",
    "38",
    "thirty-eight",
    "38th",
    "about 38",
    "1.418",
    "1,418",
    "1.418.000",
    "1,5",
    "104",
    "106",
    "3.149",
    "22 million",
    "2.2e7",
    "5 km",
    "5km",
    "0",
    "-0",
    "9 August 1945",
    "August 9, 1945",
    "8/8/1945",
    "08/09/1945",
    "August 1945",
    "1945",
    "1945-08-07",
    "20 June 1941",
    "26 June 1941",
    "1941",
    "29 February 1940",
    "February 1940",
    "",
    "   ",
    "x" * 2_001,
]


@pytest.mark.parametrize("definition", GENERATED, ids=lambda d: str(d["type"]))
def test_generated_questions_score_as_graded(definition: dict[str, Any]) -> None:
    question = build_question({"id": "g", "prompt": "P", **definition})
    for response in RESPONSES:
        if isinstance(question, ClozeQuestion):
            count = len(question.blanks)
            for blanks in ([response] * count, [response] + [""] * (count - 1)):
                assert_same(question, blanks)
        else:
            assert_same(question, response)


@settings(max_examples=300, deadline=None)
@given(index=st.integers(0, len(QUESTIONS) - 1), text=st.text(max_size=40))
def test_any_typed_response_scores_as_graded(index: int, text: str) -> None:
    question = QUESTIONS[index]
    if isinstance(question, TextQuestion | NumberQuestion | DateQuestion):
        assert_same(question, text)
    elif isinstance(question, ClozeQuestion):
        assert_same(question, [text] * len(question.blanks))


@settings(max_examples=300, deadline=None)
@given(
    index=st.integers(0, len(QUESTIONS) - 1),
    raw=st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=20),
        lambda inner: (
            st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4)
        ),
        max_leaves=8,
    ),
)
def test_arbitrary_raw_input_is_scored_or_refused_as_graded(index: int, raw: Any) -> None:
    """Raw form values, not examples: the scorer refuses exactly what the grader refuses."""
    question = QUESTIONS[index]
    assert scored(question, raw) == graded(question, raw)


def reference_check(path: str, quiz: Quiz) -> list[Diagnostic]:
    """The diagnostics of grading every example with the full grader (the old loop)."""
    problems: list[Diagnostic] = []
    for question in quiz.questions:
        for example in question.examples:
            where = (path, example.line, example.col)
            said = f"example {example.response!r} of question '{question.id}'"
            try:
                result = grade_response(question, to_raw(question, example.response))
            except (ExampleError, ResponseRejected) as exc:
                problems.append(Diagnostic(*where, f"{said} is not a valid response: {exc}"))
                continue
            if isinstance(result, FormatError):
                problems.append(Diagnostic(*where, f"{said} cannot be read: {result.message}"))
            elif abs(result.score - example.score) > SCORE_TOLERANCE:
                problems.append(
                    Diagnostic(
                        *where,
                        f"{said} scores {result.score:.4g}, expected {example.score:.4g}",
                    )
                )
    return problems


def test_bundled_quizzes_give_the_diagnostics_of_the_full_grader() -> None:
    for quiz in BUNDLE.quizzes:
        assert check_examples(quiz.path, quiz) == reference_check(quiz.path, quiz) == []


def _quiz(*definitions: dict[str, Any]) -> Quiz:
    questions = tuple(
        build_question({"id": f"q{i}", "prompt": "P", **d}) for i, d in enumerate(definitions)
    )
    return Quiz("broken", "Broken", "lesson", questions, tuple(definitions))


def _examples(*pairs: tuple[Any, float]) -> list[dict[str, Any]]:
    return [{"response": r, "score": s, "line": i + 3, "col": 7} for i, (r, s) in enumerate(pairs)]


BROKEN = _quiz(
    {
        "type": "choice",
        "choices": [{"text": "A", "correct": True}, {"text": "B"}],
        "examples": _examples(("A", 1), ("B", 1), ("C", 0), (["A", "B"], 1), (True, 0)),
    },
    {
        "type": "multi_choice",
        "choices": [{"text": "A", "correct": True}, {"text": "B", "correct": True}, {"text": "C"}],
        "examples": _examples((["A"], 1), (["A", "A"], 1), (["A", "C"], 0), ("B", 0.5), ([], 0)),
    },
    {"type": "true_false", "answer": True, "examples": _examples((True, 0), ("maybe", 1))},
    {
        "type": "text",
        "answer": ["Moscow"],
        "fuzzy": 0.8,
        "examples": _examples(("Moskow", 0), ("", 0), (12, 1), (["a", "b"], 0)),
    },
    {
        "type": "number",
        "answer": 1418,
        "examples": _examples(("1.418", 1), ("1,5", 1), ("lots", 0), ("1418", 0)),
    },
    {
        "type": "date",
        "answer": "1945-08-09",
        "partial": True,
        "examples": _examples(("08/09/1945", 1), ("1945", 1), ("31 June 1945", 0), ("Aug", 0)),
    },
    {
        "type": "order",
        "items": ["a", "b", "c"],
        "examples": _examples(
            (["c", "b", "a"], 1), (["a", "b"], 1), ("a", 1), (["a", "x", "b"], 0)
        ),
    },
    {
        "type": "match",
        "pairs": {"x": "1", "y": "2"},
        "distractors": ["3"],
        "examples": _examples(({"x": "2", "y": "1"}, 1), ({"x": "1"}, 1), (["x"], 0), ({}, 0)),
    },
    {
        "type": "cloze",
        "text": "[[a]] and [[b]]",
        "examples": _examples((["a", "c"], 1), (["a"], 1), ("a", 0), (["", ""], 0)),
    },
)


def test_broken_examples_give_the_diagnostics_of_the_full_grader() -> None:
    found = check_examples("quizzes/broken.yaml", BROKEN)
    assert found == reference_check("quizzes/broken.yaml", BROKEN)
    # Each kind of diagnostic is among them, so the comparison above compares something.
    messages = " | ".join(d.message for d in found)
    for part in ("is not a valid response", "cannot be read", "scores 0, expected 1"):
        assert part in messages
    assert len(found) >= 20
