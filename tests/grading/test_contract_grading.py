"""Contract v1.1 in the grader: punctuation removed, extra_words, misconceptions, and
learners' numbers as people write them."""

from __future__ import annotations

from typing import Any

import pytest

from course.content.model import AnyQuestion, build_question
from course.content.numbers import read_number
from course.grading.examples import to_raw
from course.grading.registry import grade_response
from course.grading.result import FeedbackKind, FormatError, Grade


def q(**definition: Any) -> AnyQuestion:
    definition.setdefault("id", "q")
    definition.setdefault("prompt", "P")
    return build_question(definition)


def grade(question: AnyQuestion, response: Any) -> Grade | FormatError:
    return grade_response(question, to_raw(question, response))


def score(question: AnyQuestion, response: Any) -> float | str:
    result = grade(question, response)
    return result.message if isinstance(result, FormatError) else result.score


# --- text: punctuation removed, spacing never counts -----------------------------------

USSR = q(type="text", answer=["USSR"])
CHIANG = q(type="text", answer=["Chiang Kai-shek"])
STALIN_S = q(type="text", answer=["Stalin's"])


@pytest.mark.parametrize(
    ("question", "response", "expected"),
    [
        (USSR, "U.S.S.R.", 1.0),
        (USSR, "u.s.s.r", 1.0),
        (USSR, "U S S R", 1.0),
        (q(type="text", answer=["U.S.S.R."]), "USSR", 1.0),
        (CHIANG, "Chiang Kaishek", 1.0),
        (CHIANG, "Chiang Kai shek", 1.0),
        (CHIANG, "chiang  kai–shek", 1.0),
        (CHIANG, "Chiang", 0.0),
        (q(type="text", answer=["Stalin"]), "Stalins", 0.0),
        (STALIN_S, "Stalins", 1.0),
        (STALIN_S, "Stalin’s", 1.0),
        (q(type="text", answer=["Stalin"]), "Stalin!", 1.0),
    ],
)
def test_punctuation_removed_and_spacing_ignored(
    question: AnyQuestion, response: str, expected: float
) -> None:
    assert score(question, response) == expected


def test_wrong_answer_feedback_matches_without_punctuation() -> None:
    question = q(type="text", answer=["Molotov"], wrong={"U.S.A.": "Not a signatory."})
    result = grade(question, "USA")
    assert isinstance(result, Grade) and result.score == 0
    assert [f.text for f in result.feedback if f.kind is FeedbackKind.WRONG] == ["Not a signatory."]


# --- extra_words -----------------------------------------------------------------------

EXTRA = q(
    type="text",
    answer=["Stalin", "Chiang Kai-shek"],
    extra_words=True,
    wrong={"Trotsky": "He was in exile.", "Stalin Line": "That is a line of forts."},
)


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        ("Joseph Stalin", 1.0),
        ("it was Stalin, I think", 1.0),
        ("Generalissimo Chiang Kai shek", 1.0),
        ("Stalinist", 0.0),  # whole words only
        ("Chiang", 0.0),
        ("Kai-shek Chiang", 0.0),  # in order
        ("Stalin or Trotsky", 0.0),  # it also holds a wrong answer
        ("the Stalin Line", 0.0),
    ],
)
def test_extra_words(response: str, expected: float) -> None:
    assert score(EXTRA, response) == expected


def test_extra_words_off_by_default() -> None:
    assert score(q(type="text", answer=["Stalin"]), "Joseph Stalin") == 0.0


def test_extra_words_wrong_answer_gets_its_feedback() -> None:
    result = grade(EXTRA, "Stalin or Trotsky")
    assert isinstance(result, Grade)
    assert "He was in exile." in [f.text for f in result.feedback]


# --- misconceptions on grades ----------------------------------------------------------


def test_grades_name_the_misconception_shown() -> None:
    choice = q(
        type="choice",
        choices=[
            {"text": "Non-aggression pact", "correct": True},
            {"text": "Alliance", "misconception": "pact-was-alliance"},
        ],
    )
    picked = grade(choice, "Alliance")
    assert isinstance(picked, Grade) and picked.misconception == "pact-was-alliance"
    right = grade(choice, "Non-aggression pact")
    assert isinstance(right, Grade) and right.misconception is None

    multi = q(
        type="multi_choice",
        choices=[
            {"text": "A", "correct": True},
            {"text": "B", "misconception": "b-too"},
        ],
    )
    both = grade(multi, ["A", "B"])
    assert isinstance(both, Grade) and both.misconception == "b-too"

    text = q(
        type="text",
        answer=["Molotov"],
        wrong={
            "Ribbentrop": {"feedback": "He signed for Germany.", "misconception": "sides"},
            "Zhukov": {"misconception": "generals"},
        },
    )
    wrong = grade(text, "ribbentrop")
    assert isinstance(wrong, Grade) and wrong.misconception == "sides"
    assert "He signed for Germany." in [f.text for f in wrong.feedback]
    silent = grade(text, "Zhukov")
    assert isinstance(silent, Grade) and silent.misconception == "generals"
    assert [f.kind for f in silent.feedback] == [FeedbackKind.INCORRECT]


# --- learners' numbers -----------------------------------------------------------------

PARALLEL = q(type="number", answer=38, unit="° north")
DEAD = q(type="number", range=[20_000_000, 27_000_000])
DAYS = q(type="number", answer=1418, unit="days")
RATIO = q(type="number", answer=1.4, tolerance=0.05)


@pytest.mark.parametrize(
    ("question", "response", "expected"),
    [
        (PARALLEL, "38th", 1.0),
        (PARALLEL, "the 38th", 1.0),
        (PARALLEL, "38° N", 1.0),
        (PARALLEL, "38°N", 1.0),
        (PARALLEL, "38 ° north", 1.0),
        (PARALLEL, "thirty-eighth", 1.0),
        (PARALLEL, "thirty-eight", 1.0),
        (PARALLEL, "39th", 0.0),
        (DEAD, "twenty million", 1.0),
        (DEAD, "about 20 million", 1.0),
        (DEAD, "~20m", 1.0),
        (DEAD, "roughly 25 million", 1.0),
        (DEAD, "around 27,000,000", 1.0),
        (DEAD, "twenty-seven million", 1.0),
        (DEAD, "about 10 million", 0.0),
        (DAYS, "1418", 1.0),
        (DAYS, "1,418 days", 1.0),
        (DAYS, "one thousand four hundred and eighteen", 1.0),
        (RATIO, "1.418", 1.0),  # a decimal where the answer is about 1.4
    ],
)
def test_learners_numbers(question: AnyQuestion, response: str, expected: float) -> None:
    assert score(question, response) == expected


@pytest.mark.parametrize(
    ("question", "response", "advice"),
    [
        (DAYS, "1.418", "If you meant 1,418, write 1,418 or 1418"),
        (DAYS, "1.418 days", "If you meant 1,418, write 1,418 or 1418"),
        (DEAD, "20.000.000", "in English write it 20,000,000"),
        (RATIO, "1,4", "write 1.4"),
    ],
)
def test_numbers_written_another_way_get_advice_not_a_wrong_mark(
    question: AnyQuestion, response: str, advice: str
) -> None:
    result = grade(question, response)
    assert isinstance(result, FormatError)
    assert advice in result.message and "This costs no attempt." in result.message


def test_advice_does_not_depend_on_the_exact_answer() -> None:
    """Only the answer's scale decides, so probing with dots reveals nothing more."""
    near = q(type="number", answer=1500, unit="days")
    assert isinstance(grade(near, "1.418"), FormatError)
    assert isinstance(grade(DAYS, "1.999"), FormatError)


def test_reading_reports_hedges() -> None:
    reading = read_number("about 20 million")
    assert reading is not None and reading.hedged and reading.value == 20_000_000
    exact = read_number("20 million")
    assert exact is not None and exact.exact


@pytest.mark.parametrize(
    "text", ["five six", "twenty thirty", "lots", "38th parallel", "1 234,5", "million"]
)
def test_not_numbers(text: str) -> None:
    assert read_number(text) is None


@pytest.mark.parametrize("typed", ["40%", "40 percent", "40 per cent", "40 pct", "40percent"])
@pytest.mark.parametrize("unit", ["%", "percent"])
def test_a_percentage_reads_however_the_sign_is_written(typed: str, unit: str) -> None:
    """draft-quiz turns "about 40 percent" into unit '%': learners write it either way."""
    reading = read_number(typed, unit)
    assert reading is not None and reading.value == 40.0
