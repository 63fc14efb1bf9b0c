"""A literal '*' in a typed answer keeps its meaning through GIFT and Moodle XML.

Moodle's short-answer matching reads an unescaped '*' as "any text" and '\\*' as the
character itself, so `answer: ["w*v"]` must go out as `w\\*v` (Moodle XML) or
`w\\\\*v` (GIFT, whose own escaping doubles the backslash), and come back as "w*v"."""

from __future__ import annotations

from typing import Any

import pytest

from course.content.quizzes import read_quiz
from course.grading.examples import check_examples
from course.interop import gift, moodle_xml
from course.interop.convert import build_quiz, dump_yaml
from course.interop.export import export_gift, export_moodle_xml
from course.interop.source import SourceQuestion

QUIZ: dict[str, Any] = {
    "id": "q",
    "title": "T",
    "lesson": "l",
    "questions": [
        {
            "id": "wildcard-free",
            "type": "text",
            "prompt": "Type the product in the notation of the lesson.",
            "answer": ["w*v", "a * b"],
            "wrong": {"v*w": "The order matters."},
            "examples": {"w*v": 1, "wxv": 0, "v*w": 0},
        },
        {
            "id": "starred-blank",
            "type": "cloze",
            "prompt": "Fill in the blanks.",
            "text": "The product is written [[x*y]].",
            "examples": [{"response": ["x*y"], "score": 1}, {"response": ["xz"], "score": 0}],
        },
    ],
}


def _quiz() -> Any:
    read = read_quiz("q.yaml", dump_yaml(QUIZ).encode(), "q")
    assert read.problems == [] and read.quiz is not None, read.problems
    return read.quiz


def _back(questions: list[SourceQuestion]) -> dict[str, Any]:
    quiz = build_quiz(questions, quiz_id="q", lesson="l", title="T").quiz
    return {d["id"]: d for d in quiz["questions"]}


def _graded_again(back: dict[str, Any]) -> None:
    """Our examples, written for the literal key, score the same on the re-import."""
    crossed = {
        **QUIZ,
        "questions": [
            {**back[q["id"]], "examples": q["examples"]}
            for q in QUIZ["questions"]
            if q["id"] in back
        ],
    }
    read = read_quiz("q.yaml", dump_yaml(crossed).encode(), "q")
    assert read.problems == [] and read.quiz is not None, read.problems
    assert check_examples("q.yaml", read.quiz) == []


def test_moodle_xml_escapes_the_asterisk_and_reads_it_back() -> None:
    exported = export_moodle_xml(_quiz())
    assert "<text>w\\*v</text>" in exported.text and "<text>a \\* b</text>" in exported.text
    assert "{1:SHORTANSWER:=x\\*y}" in exported.text
    back = _back(moodle_xml.parse(exported.text.encode()).questions)
    text = back["wildcard-free"]
    assert text["type"] == "text" and "regex" not in text
    assert text["answer"] == ["w*v", "a * b"]
    assert text["wrong"] == {"v*w": "The order matters."}
    assert back["starred-blank"]["text"] == "The product is written [[x*y]]."
    _graded_again(back)


def test_gift_escapes_the_asterisk_and_reads_it_back() -> None:
    exported = export_gift(_quiz())
    assert "=w\\\\*v" in exported.text and "=a \\\\* b" in exported.text
    assert "=x\\\\*y" in exported.text  # the one-blank cloze, a GIFT short answer
    parsed = gift.parse(exported.text)
    assert parsed.errors == []
    # What Moodle's GIFT import hands its short-answer question: the escaped star.
    assert [a.text.text for a in parsed.questions[0].answers][:2] == ["w\\*v", "a \\* b"]
    back = _back(parsed.questions)
    text = back["wildcard-free"]
    assert text["type"] == "text" and "regex" not in text
    assert text["answer"] == ["w*v", "a * b"]
    assert back["starred-blank"]["text"].endswith("[[x*y]].")
    _graded_again(back)


@pytest.mark.parametrize(
    ("source", "accepted", "regex"),
    [
        ("Name it. {=w*v}", None, ["w.*v"]),  # Moodle's wildcard stays one
        ("Name it. {=w**v}", None, ["w.*v"]),  # a run of stars is one wildcard
        ("Name it. {=w\\\\*v}", "w*v", None),  # escaped: the character
        ("Name it. {=w\\*v}", "w*v", None),  # GIFT keeps a lone backslash before '*': the same
        ("Name it. {=w\\\\*v =x*}", "w*v", ["x.*"]),
    ],
)
def test_gift_wildcards_and_escaped_stars(
    source: str, accepted: str | None, regex: list[str] | None
) -> None:
    [question] = _back(gift.parse(source).questions).values()
    assert question.get("answer") == accepted
    assert question.get("regex") == regex
