"""The grading trace explains a grade and never disagrees with it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from course.content.loader import load_root
from course.content.model import (
    AnyQuestion,
    ChoiceQuestion,
    DateQuestion,
    NumberQuestion,
    TextQuestion,
    TrueFalseQuestion,
    build_question,
)
from course.grading.examples import to_raw
from course.grading.registry import grade_response
from course.grading.result import FormatError
from course.grading.trace import Outcome, explain, group_key
from tests.factories import REPO, form_answer


def q(**definition: Any) -> AnyQuestion:
    definition.setdefault("id", "q")
    definition.setdefault("prompt", "P")
    return build_question(definition)


def every_bundled_question() -> list[AnyQuestion]:
    bundle, report = load_root(Path(REPO))
    assert bundle is not None, report.lines()
    return [question for quiz in bundle.quizzes for question in quiz.questions]


def cases() -> list[tuple[AnyQuestion, Any]]:
    """Every bundled question with its authored examples and a right and a wrong answer."""
    found: list[tuple[AnyQuestion, Any]] = []
    for question in every_bundled_question():
        found += [(question, to_raw(question, e.response)) for e in question.examples]
        for right in (True, False):
            fields = form_answer(question, right, key="1")
            found.append((question, _raw(fields)))
    return found


def _raw(fields: dict[str, Any]) -> Any:
    """Form fields (as tests.factories writes them) back to a raw response."""
    if len(fields) == 1 and "q-1" in fields:
        return fields["q-1"]
    if all(name.rsplit("-", 1)[-1].isdigit() for name in fields):  # cloze blanks
        return [fields[name] for name in sorted(fields, key=lambda n: int(n.rsplit("-", 1)[1]))]
    prefix = "q-1-"
    values = {name.removeprefix(prefix): value for name, value in fields.items()}
    if all(v.isdigit() for v in values.values()):  # order: item → position
        return [item for item, _ in sorted(values.items(), key=lambda kv: int(kv[1]))]
    return values  # match: left → right


CASES = cases()


@pytest.mark.parametrize(("question", "raw"), CASES, ids=lambda v: getattr(v, "id", None))
def test_trace_score_is_the_grade(question: AnyQuestion, raw: Any) -> None:
    grade = grade_response(question, raw)
    trace = explain(question, raw)
    if isinstance(grade, FormatError):
        assert trace.score is None and grade.message in trace.verdict
        return
    assert trace.score == grade.score
    assert trace.steps, "a graded response is explained by at least one step"
    matched = any(s.outcome is Outcome.MATCHED for s in trace.steps)
    if isinstance(question, TextQuestion | NumberQuestion | TrueFalseQuestion | ChoiceQuestion):
        # One rule giving credit is exactly what full credit means for these types.
        assert matched == (grade.score >= 1.0), trace
    if isinstance(question, DateQuestion) and grade.score >= 1.0:
        assert matched


def test_cases_cover_right_and_wrong_answers() -> None:
    scores = {grade_response(q_, raw).score for q_, raw in CASES[:40]}  # type: ignore[union-attr]
    assert 0.0 in scores and 1.0 in scores


def test_text_trace_names_the_rules_and_normalized_forms() -> None:
    question = q(type="text", answer=["Sakhalin"], regex=["(?i)sakhalin\\s+island"], fuzzy=0.8)
    trace = explain(question, "  Hokkaidō ")
    assert trace.score == 0.0
    rules = [(s.rule, s.outcome) for s in trace.steps]
    assert rules == [
        ("normalized", Outcome.NOTE),
        ("accepted answer", Outcome.FAILED),
        ("pattern", Outcome.FAILED),
        ("spelling tolerance", Outcome.FAILED),
    ]
    assert "“hokkaido”" in trace.steps[0].compared  # accents and case folded
    near = explain(question, "Sakhalinn")
    assert near.score == 1.0 and near.steps[-1].outcome is Outcome.MATCHED
    assert "needs 80%" in near.steps[-1].compared


def test_number_and_date_traces_show_the_comparison() -> None:
    number = q(type="number", answer=1945, tolerance=1)
    trace = explain(number, "1,947")
    assert trace.score == 0.0
    assert trace.steps[-1].compared == "|1947 − 1945| = 2; allowed 1"
    date = q(type="date", answer="1945-08-09", partial=True)
    half = explain(date, "August 1945")
    assert half.score == 0.5
    assert [s.outcome for s in half.steps][-1] is Outcome.MATCHED  # the right year
    assert "month" in half.steps[0].compared  # read at month precision


def test_unreadable_and_forged_responses() -> None:
    number = q(type="number", answer=3)
    assert explain(number, "lots").score is None
    choice = q(type="choice", choices=[{"text": "A", "correct": True}, {"text": "B"}])
    forged = explain(choice, "not-an-id")
    assert forged.score is None and "malformed" in forged.verdict


@pytest.mark.parametrize(
    ("definition", "a", "b"),
    [
        ({"type": "text", "answer": ["Zhukov"]}, "Marshal  ZHUKOV", "marshal zhukov"),
        ({"type": "number", "answer": 20_000_000}, "20 million", "20,000,000"),
        ({"type": "date", "answer": "1945-08-09"}, "9 August 1945", "August 9, 1945"),
    ],
)
def test_group_key_groups_what_the_grader_reads_alike(
    definition: dict[str, Any], a: str, b: str
) -> None:
    question = q(**definition)
    assert group_key(question, a, a) == group_key(question, b, b)


def test_trace_says_a_known_wrong_answer_beat_the_spelling_tolerance() -> None:
    question = q(type="text", answer=["Austria"], fuzzy=0.8, wrong={"Australia": "No."})
    trace = explain(question, "Australia")
    assert trace.score == 0.0
    tolerance = next(s for s in trace.steps if s.rule == "spelling tolerance")
    assert tolerance.outcome is Outcome.FAILED
    assert "known wrong “Australia” is as close or closer (100%)" in tolerance.compared
