"""Dispatch by question type: parse, then grade. Exhaustive over :class:`QuestionType`."""

from __future__ import annotations

from typing import Any, assert_never

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
from course.formatting import format_number
from course.grading import arrange, choices, date, number, text
from course.grading.normalize import format_date
from course.grading.result import FormatError, Grade, Scorer


def grade_response(question: AnyQuestion, raw: Any) -> Grade | FormatError:
    """Grade a learner's raw response (form values: ids, texts, lists, maps).

    Returns:
        A :class:`Grade`, or a :class:`FormatError` (the response could not be read;
        it costs no attempt).

    Raises:
        ResponseRejected: the response is forged or malformed (unknown ids, wrong
            shape, oversized); it earns nothing.
    """
    match question:
        case ChoiceQuestion():
            picked = choices.parse_choice(question, raw)
            return (
                picked
                if isinstance(picked, FormatError)
                else choices.grade_choice(question, picked)
            )
        case MultiChoiceQuestion():
            many = choices.parse_multi(question, raw)
            return many if isinstance(many, FormatError) else choices.grade_multi(question, many)
        case TrueFalseQuestion():
            value = choices.parse_true_false(question, raw)
            return (
                value
                if isinstance(value, FormatError)
                else choices.grade_true_false(question, value)
            )
        case TextQuestion():
            typed = text.parse_text(question, raw)
            return typed if isinstance(typed, FormatError) else text.grade_text(question, typed)
        case NumberQuestion():
            num = number.parse(question, raw)
            return num if isinstance(num, FormatError) else number.grade(question, num)
        case DateQuestion():
            when = date.parse(question, raw)
            return when if isinstance(when, FormatError) else date.grade(question, when)
        case OrderQuestion():
            order = arrange.parse_order(question, raw)
            return order if isinstance(order, FormatError) else arrange.grade_order(question, order)
        case MatchQuestion():
            pairs = arrange.parse_match(question, raw)
            return pairs if isinstance(pairs, FormatError) else arrange.grade_match(question, pairs)
        case ClozeQuestion():
            blanks = text.parse_cloze(question, raw)
            return blanks if isinstance(blanks, FormatError) else text.grade_cloze(question, blanks)
        case _:
            assert_never(question)


def scorer_for(question: AnyQuestion) -> Scorer:
    """The score :func:`grade_response` gives, prepared once for many responses.

    For callers that compare only the score (``course validate`` grading a question's
    authored examples): no feedback or response text is built, and what depends on the
    question alone (normalized answers, option lookups) is worked out once. The scorer
    returns the same score, the same FormatError, and raises ResponseRejected with the
    same message, as :func:`grade_response` for that question and raw response.
    """
    match question:
        case ChoiceQuestion():
            return choices.choice_scorer(question)
        case MultiChoiceQuestion():
            return choices.multi_scorer(question)
        case TrueFalseQuestion():
            return choices.true_false_scorer(question)
        case TextQuestion():
            return text.text_scorer(question)
        case NumberQuestion():
            return number.scorer(question)
        case DateQuestion():
            return date.scorer(question)
        case OrderQuestion():
            return arrange.order_scorer(question)
        case MatchQuestion():
            return arrange.match_scorer(question)
        case ClozeQuestion():
            return text.cloze_scorer(question)
        case _:
            assert_never(question)


def correct_answer(question: AnyQuestion) -> str:
    """The expected answer as text, shown only after the learner has answered."""
    match question:
        case ChoiceQuestion() | MultiChoiceQuestion():
            return ", ".join(c.text for c in question.choices if c.correct)
        case TrueFalseQuestion():
            return "true" if question.answer else "false"
        case TextQuestion():
            return question.matcher.answers[0] if question.matcher.answers else "(pattern)"
        case NumberQuestion():
            unit = f" {question.unit}" if question.unit else ""
            if question.range is not None:
                low, high = question.range
                return f"{format_number(low)} to {format_number(high)}{unit}"
            return f"{format_number(question.answer)}{unit}"
        case DateQuestion():
            return format_date(question.answer)
        case OrderQuestion():
            return " → ".join(i.text for i in question.items)
        case MatchQuestion():
            left = {o.id: o.text for o in question.lefts}
            right = {o.id: o.text for o in question.rights}
            return "; ".join(f"{left[a]} → {right[b]}" for a, b in question.pairs)
        case ClozeQuestion():
            return " / ".join(b.answers[0] for b in question.blanks)
        case _:
            assert_never(question)
