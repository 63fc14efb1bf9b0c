"""Properties every grader keeps, over the bundled quiz and generated responses."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from course.content.loader import load_root
from course.content.model import (
    AnyQuestion,
    ChoiceQuestion,
    ClozeQuestion,
    DateQuestion,
    MatchQuestion,
    MultiChoiceQuestion,
    NumberQuestion,
    OrderQuestion,
    TextQuestion,
    TrueFalseQuestion,
)
from course.content.numbers import read_number
from course.grading.normalize import contains_words, normalize_text, text_key
from course.grading.registry import grade_response
from course.grading.result import FormatError, Grade, ResponseRejected

BUNDLE, _ = load_root(Path(__file__).resolve().parents[2])
assert BUNDLE is not None
QUESTIONS: list[AnyQuestion] = [q for quiz in BUNDLE.quizzes for q in quiz.questions]


def correct_raw(question: AnyQuestion) -> Any:
    match question:
        case ChoiceQuestion():
            return next(c.id for c in question.choices if c.correct)
        case MultiChoiceQuestion():
            return [c.id for c in question.choices if c.correct]
        case TrueFalseQuestion():
            return str(question.answer).lower()
        case TextQuestion():
            return question.matcher.answers[0]
        case NumberQuestion():
            return str(question.range[0] if question.range else question.answer)
        case DateQuestion():
            return str(question.answer)
        case OrderQuestion():
            return [i.id for i in question.items]
        case MatchQuestion():
            return dict(question.pairs)
        case ClozeQuestion():
            return [b.answers[0] for b in question.blanks]


def random_raw(question: AnyQuestion, rnd: random.Random, text: str) -> Any:
    match question:
        case ChoiceQuestion():
            return rnd.choice(question.choices).id
        case MultiChoiceQuestion():
            return [c.id for c in question.choices if rnd.random() < 0.5] or [
                question.choices[0].id
            ]
        case OrderQuestion():
            ids = [i.id for i in question.items]
            rnd.shuffle(ids)
            return ids
        case MatchQuestion():
            return {left.id: rnd.choice(question.rights).id for left in question.lefts}
        case ClozeQuestion():
            return [text[: i + 3] for i in range(len(question.blanks))]
        case TrueFalseQuestion():
            return rnd.choice(["true", "false"])
        case _:
            return text


def test_correct_response_scores_one() -> None:
    for question in QUESTIONS:
        result = grade_response(question, correct_raw(question))
        assert isinstance(result, Grade) and result.score == 1.0, question.id


@settings(max_examples=300, deadline=None)
@given(
    index=st.integers(0, len(QUESTIONS) - 1), seed=st.integers(0, 2**32), text=st.text(max_size=60)
)
def test_score_in_unit_interval_and_deterministic(index: int, seed: int, text: str) -> None:
    question = QUESTIONS[index]
    raw = random_raw(question, random.Random(seed), text)
    first = grade_response(question, raw)
    second = grade_response(question, raw)
    assert first == second
    if isinstance(first, Grade):
        assert 0.0 <= first.score <= 1.0
        assert first.points == round(first.score * question.points, 6)


@settings(max_examples=200, deadline=None)
@given(
    index=st.integers(0, len(QUESTIONS) - 1),
    raw=st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=30),
        lambda inner: (
            st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4)
        ),
        max_leaves=10,
    ),
)
def test_arbitrary_input_never_crashes(index: int, raw: Any) -> None:
    try:
        result = grade_response(QUESTIONS[index], raw)
    except ResponseRejected:
        return
    assert isinstance(result, Grade | FormatError)
    if isinstance(result, Grade):
        assert 0.0 <= result.score <= 1.0


@settings(max_examples=100, deadline=None)
@given(seed=st.integers(0, 2**32))
def test_display_order_never_changes_a_score(seed: int) -> None:
    """Choices picked as a set, and match answers given in any order, score the same."""
    rnd = random.Random(seed)
    for question in QUESTIONS:
        if isinstance(question, MultiChoiceQuestion):
            picked = [c.id for c in question.choices if rnd.random() < 0.5] or [
                question.choices[0].id
            ]
            shuffled = picked[:]
            rnd.shuffle(shuffled)
            assert grade_response(question, picked) == grade_response(question, shuffled)
        if isinstance(question, MatchQuestion):
            answer = {left.id: rnd.choice(question.rights).id for left in question.lefts}
            items = list(answer.items())
            rnd.shuffle(items)
            assert grade_response(question, answer) == grade_response(question, dict(items))


# --- contract v1.1: numbers as people write them, text compared without punctuation ----


_WORDS = st.lists(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8), max_size=4
)


@given(n=st.integers(0, 10**12))
def test_grouped_hedged_and_ordinal_integers_read_back(n: int) -> None:
    for written in (f"{n:,}", f"{n:_}", str(n), f"{n}th", f"{n:,} ", f"+{n}"):
        reading = read_number(written)
        assert reading is not None and reading.value == n and reading.exact, written
    for hedge in ("about", "around", "~", "approximately", "roughly"):
        reading = read_number(f"{hedge} {n:,}")
        assert reading is not None and reading.value == n and reading.hedged


@given(n=st.integers(1, 999), scale=st.sampled_from([("thousand", 10**3), ("million", 10**6)]))
def test_scale_words_multiply(n: int, scale: tuple[str, int]) -> None:
    word, factor = scale
    reading = read_number(f"{n} {word}")
    assert reading is not None and reading.value == n * factor


@given(n=st.integers(1000, 10**12))
def test_dots_between_thousands_are_never_a_silent_value(n: int) -> None:
    reading = read_number(f"{n:,}".replace(",", "."))
    assert reading is not None and not reading.exact
    # Either advice (several groups) or a second reading that is the intended number.
    assert reading.advice is not None or reading.grouped == n


@given(text=st.text(max_size=40))
def test_text_key_ignores_punctuation_and_spacing(text: str) -> None:
    key = text_key(text)
    assert text_key(key) == key
    assert normalize_text(normalize_text(text)) == normalize_text(text)
    spaced = " ".join(text)
    dotted = ".".join(text.split(" "))
    assert text_key(spaced) in (key, text_key(" ".join(key)))
    assert text_key(dotted) == text_key(text.replace(" ", ""))


@given(before=_WORDS, after=_WORDS, answer=_WORDS.filter(bool))
def test_extra_words_finds_the_answer_among_other_words(
    before: list[str], after: list[str], answer: list[str]
) -> None:
    phrase = " ".join(answer)
    assert contains_words(" ".join([*before, phrase, *after]), phrase)
    assert contains_words(" ".join([*before, phrase.upper() + ".", *after]), phrase)
