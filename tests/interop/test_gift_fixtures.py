"""Every question of the 51 public GIFT files (GIFT-grammar-PEG.js, MIT) against the
parse its upstream project expects; then through conversion and `course validate`.

The expected JSON names the two true/false feedbacks ``trueFeedback`` and
``falseFeedback`` by position; Moodle shows the first to a learner who answers wrongly
and the second to one who answers rightly, and so do we (docs/interop.md).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from course.cli import main
from course.interop import gift
from course.interop.convert import Outcome, build_quiz, convert_question
from course.interop.source import (
    NumericAnswer,
    SourceAnswer,
    SourceKind,
    SourceQuestion,
    to_plain,
)
from tests.interop.conftest import SHARED

KINDS = {
    "MC": SourceKind.MULTICHOICE,
    "TF": SourceKind.TRUEFALSE,
    "Short": SourceKind.SHORTANSWER,
    "Numerical": SourceKind.NUMERICAL,
    "Matching": SourceKind.MATCHING,
    "Essay": SourceKind.ESSAY,
    "Description": SourceKind.DESCRIPTION,
}
FILES = sorted(p.stem for p in (SHARED / "gift-peg").glob("*.gift"))


def norm(text: str | None) -> str:
    return " ".join((text or "").split())


def same_text(expected: dict[str, Any] | None, markup: Any) -> None:
    if expected is None:
        assert not markup, markup
        return
    assert markup is not None, expected
    assert norm(markup.text) == norm(expected["text"])
    assert markup.format.value == expected["format"]


def check_answer(expected: dict[str, Any], answer: SourceAnswer) -> None:
    same_text(expected["text"], answer.text)
    if expected["weight"] is None:
        assert answer.weight == (1.0 if expected["isCorrect"] else 0.0)
    else:
        assert answer.weight * 100 == pytest.approx(expected["weight"])
    same_text(expected["feedback"], answer.feedback)


def check_number(expected: dict[str, Any], number: NumericAnswer) -> None:
    if expected.get("type") == "simple":
        assert (number.value, number.tolerance) == (expected["number"], 0)
    elif expected.get("type") == "range":
        assert (number.value, number.tolerance) == (expected["number"], expected["range"])
    elif expected.get("type") == "high-low":
        assert (number.low, number.high) == (expected["numberLow"], expected["numberHigh"])
    else:  # the wildcard '*' of "any other answer"
        assert expected["text"] == "*" and number.value is None


def check_numbers(expected: Any, q: SourceQuestion) -> None:
    if isinstance(expected, dict):
        assert len(q.numbers) == 1 and q.numbers[0].weight == 1.0
        check_number(expected, q.numbers[0])
        return
    assert len(q.numbers) == len(expected)
    for item, number in zip(expected, q.numbers, strict=True):
        check_number(item["text"], number)
        if item["weight"] is not None:
            assert number.weight * 100 == pytest.approx(item["weight"])
        else:
            assert number.weight == (1.0 if item["isCorrect"] else 0.0)
        same_text(item["feedback"], number.feedback)


def check_question(expected: dict[str, Any], q: SourceQuestion) -> None:
    assert q.kind is KINDS[expected["type"]]
    assert q.title == (expected["title"] or "")
    stem = q.stem.text if q.after is None else f"{q.stem.text} _____ {q.after.text}"
    assert norm(stem) == norm(expected["stem"]["text"])
    assert q.stem.format.value == expected["stem"]["format"]
    assert q.idnumber == (expected.get("id") or "")
    assert q.tags == (expected.get("tags") or [])
    if "globalFeedback" in expected:
        same_text(expected["globalFeedback"], q.general_feedback)
    match q.kind:
        case SourceKind.MULTICHOICE | SourceKind.SHORTANSWER:
            assert len(q.answers) == len(expected["choices"])
            for item, answer in zip(expected["choices"], q.answers, strict=True):
                check_answer(item, answer)
        case SourceKind.TRUEFALSE:
            assert q.truth is expected["isTrue"]
            same_text(expected["trueFeedback"], q.wrong_feedback)
            same_text(expected["falseFeedback"], q.right_feedback)
        case SourceKind.NUMERICAL:
            check_numbers(expected["choices"], q)
        case SourceKind.MATCHING:
            assert len(q.pairs) == len(expected["matchPairs"])
            for item, (left, right) in zip(expected["matchPairs"], q.pairs, strict=True):
                same_text(item["subquestion"], left) if item["subquestion"]["text"] else None
                assert right == item["subanswer"]
        case _:
            pass


def check_report(q: SourceQuestion, notes: str, outcome: Outcome) -> None:
    """Whatever the conversion cannot keep is named in the question's report."""
    if q.kind in (SourceKind.ESSAY, SourceKind.DESCRIPTION):
        assert outcome is Outcome.DROPPED
        return
    assert outcome is not Outcome.DROPPED, notes
    for answer in q.answers:
        label = repr(to_plain(answer.text))
        if 0 < answer.weight < 1 and q.single is not False:
            assert label in notes and f"{answer.weight:.0%}" in notes
        if answer.feedback and q.kind is SourceKind.SHORTANSWER and answer.weight >= 1:
            assert "feedback" in notes and label in notes
    if q.kind is SourceKind.TRUEFALSE and (q.right_feedback or q.wrong_feedback):
        assert "feedback" in notes
    if q.kind is SourceKind.NUMERICAL:
        for number in q.numbers:
            if number.feedback:
                assert to_plain(number.feedback)[:30] in notes


@pytest.mark.parametrize("name", FILES)
def test_fixture_agrees_with_upstream_parse(gift_folder: Path, name: str) -> None:
    source = (gift_folder / f"{name}.gift").read_text(encoding="utf-8")
    expected = json.loads((gift_folder / f"{name}.json").read_text(encoding="utf-8"))
    parsed = gift.parse(source)
    assert parsed.errors == []
    categories = [e["title"] for e in expected if e["type"] == "Category"]
    assert parsed.categories == categories
    questions = [e for e in expected if e["type"] != "Category"]
    assert len(parsed.questions) == len(questions)
    for item, q in zip(questions, parsed.questions, strict=True):
        check_question(item, q)
        _, entry = convert_question(q, "q")
        check_report(q, "\n".join(entry.notes), entry.outcome)


def test_all_fixtures_count_and_validate(
    gift_folder: Path, content_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """All 51 files: 100 questions described upstream, each kept, approximated or dropped;
    every written quiz passes `course validate` and its examples."""
    tally: Counter[tuple[str, str]] = Counter()
    total = 0
    for name in FILES:
        expected = json.loads((gift_folder / f"{name}.json").read_text(encoding="utf-8"))
        total += sum(1 for e in expected if e["type"] != "Category")
        parsed = gift.parse((gift_folder / f"{name}.gift").read_text(encoding="utf-8"))
        conversion = build_quiz(
            parsed.questions,
            quiz_id=name.lower().replace("_", "-"),
            lesson="soviet-union-ww2",
            title=name,
        )
        for q, entry in zip(parsed.questions, conversion.entries, strict=True):
            tally[(q.source_type, entry.outcome.value)] += 1
        if conversion.quiz["questions"]:
            path = content_root / "quizzes" / f"{conversion.quiz['id']}.yaml"
            path.write_text(conversion.yaml(), encoding="utf-8")
    assert sum(tally.values()) == total == 100  # and 2 $CATEGORY lines
    result = CliRunner().invoke(main, ["validate", str(content_root)])
    assert result.exit_code == 0, result.output
    with capsys.disabled():
        print("\nGIFT fixtures (source type, outcome): count")
        for key, count in sorted(tally.items()):
            print(f"  {key[0]:12} {key[1]:13} {count}")
