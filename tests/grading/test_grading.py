"""Grading tables per question type: the contract's worked examples and many more."""

from __future__ import annotations

from typing import Any

import pytest

from course.content.model import AnyQuestion, PartialDate, build_question
from course.grading.examples import to_raw
from course.grading.normalize import AmbiguousDate, normalize_text, parse_date, parse_number
from course.grading.registry import correct_answer, grade_response
from course.grading.result import FormatError, Grade, ResponseRejected


def q(**definition: Any) -> AnyQuestion:
    definition.setdefault("id", "q")
    definition.setdefault("prompt", "P")
    return build_question(definition)


def score(question: AnyQuestion, response: Any) -> float | str:
    result = grade_response(question, to_raw(question, response))
    return result.message if isinstance(result, FormatError) else result.score


CHOICE = q(
    type="choice",
    choices=[
        {"text": "Tokyo", "correct": True},
        {"text": "Berlin", "correct": False, "feedback": "No."},
        {"text": "Harbin", "correct": False},
    ],
)
MULTI = q(
    type="multi_choice",
    choices=[
        {"text": "A", "correct": True},
        {"text": "B", "correct": True},
        {"text": "C", "correct": True},
        {"text": "D", "correct": False},
    ],
)
TF = q(type="true_false", answer=False)
TEXT = q(
    type="text",
    answer=["Kwantung Army", "Guandong Army"],
    fuzzy=0.85,
    wrong={"Imperial Guard": "Stayed in Japan."},
)
TEXT_EXACT = q(type="text", answer=["Stalin"])
TEXT_CASE = q(type="text", answer=["NaCl"], case_sensitive=True)
TEXT_REGEX = q(type="text", regex=[r"(?:the\s+)?38(?:th)?\s+parallel"])
NUMBER = q(type="number", answer=38)
NUMBER_TOL = q(type="number", answer=100, tolerance=0.05, relative=True)
NUMBER_ABS = q(type="number", answer=3.14, tolerance=0.01)
NUMBER_RANGE = q(type="number", range=[20_000_000, 25_000_000])
NUMBER_UNIT = q(type="number", answer=5, unit="km")
DATE = q(type="date", answer="1945-08-09", accept=["1945-08-08"], partial=True)
DATE_MONTH = q(type="date", answer="1945-08")
DATE_YEAR = q(type="date", answer="1945")
DATE_TOL = q(type="date", answer="1941-12-07", tolerance_days=1)
ORDER = q(type="order", items=["a", "b", "c", "d"])
MATCH = q(type="match", pairs={"x": "1", "y": "2", "z": "3", "w": "4"}, distractors=["5"])
CLOZE = q(
    type="cloze", text="The [[Great Patriotic War]] ended in [[1945]] and [[Cold War|cold-war]]."
)

TABLE: list[tuple[str, AnyQuestion, Any, float | str]] = [
    ("choice right", CHOICE, "Tokyo", 1.0),
    ("choice wrong", CHOICE, "Berlin", 0.0),
    ("multi exact", MULTI, ["A", "B", "C"], 1.0),
    ("multi two of three", MULTI, ["A", "B"], 2 / 3),
    ("multi one wrong pick", MULTI, ["A", "B", "D"], 1 / 3),
    ("multi floored", MULTI, ["A", "D"], 0.0),
    ("multi only wrong", MULTI, ["D"], 0.0),
    ("true false right", TF, False, 1.0),
    ("true false text", TF, "FALSE", 1.0),
    ("true false wrong", TF, True, 0.0),
    ("text exact", TEXT, "Kwantung Army", 1.0),
    ("text case spacing punctuation", TEXT, "  kwantung   ARMY. ", 1.0),
    ("text leading the", TEXT, "The Kwantung Army", 1.0),
    ("text alternative", TEXT, "Guandong Army", 1.0),
    ("text fuzzy near miss", TEXT, "Kwangtung Army", 1.0),
    ("text far", TEXT, "Red Army", 0.0),
    ("text diacritics", TEXT_EXACT, "Stálin", 1.0),
    ("text no fuzzy", TEXT_EXACT, "Stalim", 0.0),
    ("text punctuation", TEXT_EXACT, "stalin.", 1.0),
    ("text case sensitive wrong", TEXT_CASE, "nacl", 0.0),
    ("text case sensitive right", TEXT_CASE, "NaCl", 1.0),
    ("regex", TEXT_REGEX, "the 38th parallel", 1.0),
    ("regex case", TEXT_REGEX, "38TH Parallel", 1.0),
    ("regex no", TEXT_REGEX, "39th parallel", 0.0),
    ("number plain", NUMBER, "38", 1.0),
    ("number decimal", NUMBER, "38.0", 1.0),
    ("number wrong", NUMBER, "39", 0.0),
    ("number words", NUMBER_RANGE, "20 million", 1.0),
    ("number commas", NUMBER_RANGE, "25,000,000", 1.0),
    ("number exponent", NUMBER_RANGE, "2.2e7", 1.0),
    ("number below range", NUMBER_RANGE, "19,999,999", 0.0),
    ("number relative tolerance", NUMBER_TOL, "104.9", 1.0),
    ("number outside tolerance", NUMBER_TOL, "106", 0.0),
    ("number abs tolerance", NUMBER_ABS, "3.15", 1.0),
    ("number fraction", q(type="number", answer=0.5), "1/2", 1.0),
    ("number unit", NUMBER_UNIT, "5 km", 1.0),
    (
        "number not a number",
        NUMBER,
        "thirty-eight degrees",
        "“thirty-eight degrees” is not a number; write it like 42, 3.5, 1,200,000, "
        "1.2 million or twenty.",
    ),
    ("date contract 1", DATE, "9 August 1945", 1.0),
    ("date contract 2", DATE, "1945-08-08", 1.0),
    ("date contract 3", DATE, "August 1945", 0.5),
    ("date contract 4", DATE, "1944", 0.0),
    ("date us order", DATE, "Aug 9, 1945", 1.0),
    ("date ordinal", DATE, "9th of August 1945", 1.0),
    ("date wrong day same year", DATE, "12 May 1945", 0.5),
    (
        "date ambiguous",
        DATE,
        "08/09/1945",
        "“08/09/1945” could mean 8 September 1945 or 9 August 1945; please write it as "
        "8 September 1945 or 9 August 1945 (day, month name, year). This costs no attempt.",
    ),
    ("date unambiguous numeric", DATE, "8/30/1945", 0.5),
    ("date month precision", DATE_MONTH, "9 August 1945", 1.0),
    ("date month only", DATE_MONTH, "Aug 1945", 1.0),
    ("date year answer", DATE_YEAR, "1945", 1.0),
    ("date no partial", DATE_MONTH, "1945", 0.0),
    ("date tolerance", DATE_TOL, "8 December 1941", 1.0),
    ("date outside tolerance", DATE_TOL, "9 December 1941", 0.0),
    (
        "date garbage",
        DATE,
        "yesterday",
        "“yesterday” is not a date we can read; write it like 14 July 1789, July 1789 or 1789.",
    ),
    ("order right", ORDER, ["a", "b", "c", "d"], 1.0),
    ("order one moved", ORDER, ["b", "a", "c", "d"], 0.75),
    ("order reversed", ORDER, ["d", "c", "b", "a"], 0.25),
    ("match all", MATCH, {"x": "1", "y": "2", "z": "3", "w": "4"}, 1.0),
    ("match half", MATCH, {"x": "2", "y": "1", "z": "3", "w": "4"}, 0.5),
    ("match distractor", MATCH, {"x": "5", "y": "2", "z": "3", "w": "4"}, 0.75),
    ("match partial answer", MATCH, {"x": "1"}, 0.25),
    ("cloze all", CLOZE, ["Great Patriotic War", "1945", "cold war"], 1.0),
    ("cloze alternative", CLOZE, ["great patriotic war", "1945", "Cold-War"], 1.0),
    ("cloze partial", CLOZE, ["Great War", "1945", "Cold War"], 2 / 3),
    ("cloze none", CLOZE, ["x", "y", "z"], 0.0),
]


@pytest.mark.parametrize(
    ("name", "question", "response", "expected"), TABLE, ids=[t[0] for t in TABLE]
)
def test_grading_table(
    name: str, question: AnyQuestion, response: Any, expected: float | str
) -> None:
    result = score(question, response)
    if isinstance(expected, str):
        assert result == expected
    else:
        assert result == pytest.approx(expected)


def feedback_of(question: AnyQuestion, response: Any) -> list[str]:
    result = grade_response(question, to_raw(question, response))
    assert isinstance(result, Grade)
    return [f.text for f in result.feedback]


def test_feedback_teaches() -> None:
    assert "No." in feedback_of(CHOICE, "Berlin")
    assert "Stayed in Japan." in feedback_of(TEXT, "imperial guard")
    assert any("Close — check the spelling" in f for f in feedback_of(TEXT, "Kwangtung Army"))
    assert any("2 of 3 correct choices" in f for f in feedback_of(MULTI, ["A", "B"]))
    assert any("The year is right" in f for f in feedback_of(DATE, "August 1945"))
    assert any("3 of 4 items" in f for f in feedback_of(ORDER, ["b", "a", "c", "d"]))
    assert any(
        "2 of 4 pairs" in f for f in feedback_of(MATCH, {"x": "2", "y": "1", "z": "3", "w": "4"})
    )
    assert any("Blank 2, 3 right" in f for f in feedback_of(CLOZE, ["x", "1945", "cold war"]))


def test_points_scale_score() -> None:
    question = q(
        type="multi_choice",
        points=4,
        choices=[{"text": "A", "correct": True}, {"text": "B", "correct": True}, {"text": "C"}],
    )
    result = grade_response(question, to_raw(question, ["A"]))
    assert isinstance(result, Grade) and (result.points, result.max_points) == (2.0, 4.0)


@pytest.mark.parametrize(
    ("question", "raw"),
    [
        (CHOICE, "o-forged"),
        (CHOICE, ["o1", "o2"]),
        (MULTI, ["nope"]),
        (MULTI, {"a": "b"}),
        (TF, "maybe"),
        (TEXT, ["a", "b"]),
        (TEXT, "x" * 100_000),
        (TEXT, {"nested": {"deep": 1}}),
        (ORDER, ["x"]),
        (MATCH, "string"),
        (MATCH, {"forged": "1"}),
        (CLOZE, ["only one"]),
        (CLOZE, "x" * 3000),
        (NUMBER, ["1"] * 5),
    ],
)
def test_forged_or_malformed_rejected(question: AnyQuestion, raw: Any) -> None:
    with pytest.raises(ResponseRejected):
        grade_response(question, raw)


def test_catastrophic_regex_is_time_bounded() -> None:
    import time

    question = q(type="text", regex=[r"(a+)+$"])
    started = time.perf_counter()
    assert score(question, "a" * 40 + "!") == 0.0
    assert time.perf_counter() - started < 2


def test_correct_answer_texts() -> None:
    assert correct_answer(CHOICE) == "Tokyo"
    assert correct_answer(DATE) == "9 August 1945"
    assert correct_answer(NUMBER_RANGE) == "20,000,000 to 25,000,000"
    assert correct_answer(CLOZE) == "Great Patriotic War / 1945 / Cold War"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("20,000,000", 2e7),
        ("20 million", 2e7),
        ("2.5e7", 2.5e7),
        ("1/2", 0.5),
        ("-3.5", -3.5),
        ("−4", -4.0),
        ("12k", 12_000),
        ("1.5 billion", 1.5e9),
        ("20 000 000", 2e7),
        ("7.", 7.0),
        ("abc", None),
        ("1/0", None),
        ("", None),
        ("1e999", None),
    ],
)
def test_parse_number(text: str, value: float | None) -> None:
    assert parse_number(text) == value


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("9 August 1945", PartialDate(1945, 8, 9)),
        ("Aug 9, 1945", PartialDate(1945, 8, 9)),
        ("1945-08-09", PartialDate(1945, 8, 9)),
        ("August 1945", PartialDate(1945, 8)),
        ("1945", PartialDate(1945)),
        ("Sept. 1939", PartialDate(1939, 9)),
        ("31 February 1945", None),
        ("13/13/1945", None),
        ("25/12/1941", PartialDate(1941, 12, 25)),
        ("05/05/1945", PartialDate(1945, 5, 5)),
    ],
)
def test_parse_date(text: str, value: PartialDate | None) -> None:
    assert parse_date(text) == value


def test_ambiguous_date() -> None:
    with pytest.raises(AmbiguousDate):
        parse_date("08/09/1945")


def test_normalize_text() -> None:
    assert normalize_text("  The  Great Patriotic-War!! ") == "great patrioticwar"
    assert normalize_text("Café") == "cafe"


AUSTRIA = q(
    type="text",
    answer=["Austria"],
    fuzzy=0.8,
    wrong={"Australia": "That is the continent.", "Prussia": "Not a country by then."},
)


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        ("Austria", 1.0),
        ("Austira", 1.0),  # a typo of the answer, nearer to it than to any wrong one
        ("Australia", 0.0),  # a known wrong answer is never a typo of the right one
        ("australia!", 0.0),
        ("Austalia", 0.0),  # nearer to the wrong answer than to the right one
        ("Austrlia", 0.0),
        ("Prusia", 0.0),
    ],
)
def test_a_known_wrong_answer_beats_the_spelling_tolerance(response: str, expected: float) -> None:
    assert score(AUSTRIA, response) == expected


def test_a_known_wrong_answer_within_the_tolerance_gets_its_feedback() -> None:
    grade = grade_response(AUSTRIA, to_raw(AUSTRIA, "Australia"))
    assert isinstance(grade, Grade)
    assert grade.score == 0.0
    assert "That is the continent." in [f.text for f in grade.feedback]


@pytest.mark.parametrize(
    ("answer", "typed"),
    [
        ("Łódź", "Lodz"),
        ("ŁÓDŹ", "lodz"),
        ("Øresund", "Oresund"),
        ("Đorđe", "Dorde"),
        ("Ærø", "Aero"),
        ("Kırıkkale", "Kirikkale"),
        ("Straße", "Strasse"),
        ("Œuvre", "oeuvre"),
        ("Þingvellir", "Thingvellir"),
        ("Ðakovo", "Dakovo"),
        ("Wałęsa", "Walesa"),
    ],
)
def test_strokes_and_ligatures_fold_like_accents(answer: str, typed: str) -> None:
    # Either way round: the answer as the key, or as what the learner typed.
    assert score(q(type="text", answer=[answer]), typed) == 1.0
    assert score(q(type="text", answer=[typed]), answer) == 1.0
    assert score(q(type="cloze", text=f"In [[{answer}]]."), [typed]) == 1.0
    assert normalize_text(answer) == normalize_text(typed).lower()


def test_folded_letters_keep_their_case_when_case_counts() -> None:
    assert normalize_text("Ærø", case_sensitive=True) == "Aero"
    assert normalize_text("ÆRØ", case_sensitive=True) == "AERO"
    assert normalize_text("Łódź", case_sensitive=True) == "Lodz"
    sensitive = q(type="text", answer=["Ærø"], case_sensitive=True)
    assert score(sensitive, "Aero") == 1.0 and score(sensitive, "aero") == 0.0


def test_folded_letters_apply_to_wrong_answers_and_whole_words() -> None:
    question = q(
        type="text",
        answer=["Gdańsk"],
        extra_words=True,
        wrong={"Łódź": "Łódź is inland."},
    )
    assert score(question, "the city of Gdansk") == 1.0
    assert score(question, "Gdansk or Lodz") == 0.0
    grade = grade_response(question, to_raw(question, "Lodz"))
    assert isinstance(grade, Grade)
    assert "Łódź is inland." in [f.text for f in grade.feedback]
