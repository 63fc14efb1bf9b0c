"""choice, multi_choice and true_false."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from course.content.model import ChoiceQuestion, MultiChoiceQuestion, TrueFalseQuestion
from course.grading.common import clamp, ids_of, make_grade
from course.grading.result import (
    Feedback,
    FeedbackKind,
    FormatError,
    Grade,
    ResponseRejected,
    Scorer,
)


def parse_choice(question: ChoiceQuestion, raw: Any) -> str | FormatError:
    if raw in (None, "", []):
        return FormatError("Pick one of the choices.")
    ids = ids_of(raw, question.choices, "choice")
    if len(ids) != 1:
        raise ResponseRejected("pick exactly one choice")
    return ids[0]


def grade_choice(question: ChoiceQuestion, picked: str) -> Grade:
    choice = next(c for c in question.choices if c.id == picked)
    feedback = [Feedback(FeedbackKind.CHOICE, choice.feedback)] if choice.feedback else []
    grade = make_grade(question, 1.0 if choice.correct else 0.0, feedback, choice.text)
    return replace(grade, misconception=choice.misconception) if choice.misconception else grade


def choice_scorer(question: ChoiceQuestion) -> Scorer:
    """:func:`parse_choice` then the score of :func:`grade_choice`, without feedback."""
    correct: dict[str, bool] = {}
    for option in question.choices:
        correct.setdefault(option.id, option.correct)  # the first option of an id, as next()

    def score(raw: Any) -> float | FormatError:
        picked = parse_choice(question, raw)
        if isinstance(picked, FormatError):
            return picked
        return 1.0 if correct[picked] else 0.0

    return score


def parse_multi(question: MultiChoiceQuestion, raw: Any) -> list[str] | FormatError:
    if raw in (None, "", []):
        return FormatError("Pick at least one choice.")
    return ids_of(raw, question.choices, "choices")


def grade_multi(question: MultiChoiceQuestion, picked: list[str]) -> Grade:
    chosen = [c for c in question.choices if c.id in set(picked)]
    n_correct = sum(1 for c in question.choices if c.correct)
    right = sum(1 for c in chosen if c.correct)
    wrong = len(chosen) - right
    score = max(0.0, (right - wrong) / n_correct)
    feedback = [Feedback(FeedbackKind.CHOICE, c.feedback) for c in chosen if c.feedback]
    if 0 < score < 1 or (score == 0 and right):
        parts = [f"{right} of {n_correct} correct choices picked"]
        if wrong:
            parts.append(f"{wrong} wrong pick(s) took credit away")
        feedback.append(Feedback(FeedbackKind.PARTIAL, "; ".join(parts) + "."))
    grade = make_grade(question, score, feedback, ", ".join(c.text for c in chosen))
    shown = next((c.misconception for c in chosen if c.misconception and not c.correct), None)
    return replace(grade, misconception=shown) if shown else grade


def multi_scorer(question: MultiChoiceQuestion) -> Scorer:
    """:func:`parse_multi` then the score of :func:`grade_multi`, without feedback."""
    options = [(c.id, c.correct) for c in question.choices]
    n_correct = sum(1 for c in question.choices if c.correct)

    def score(raw: Any) -> float | FormatError:
        picked = parse_multi(question, raw)
        if isinstance(picked, FormatError):
            return picked
        wanted = set(picked)
        chosen = [right for option_id, right in options if option_id in wanted]
        right = sum(1 for r in chosen if r)
        wrong = len(chosen) - right
        return clamp(max(0.0, (right - wrong) / n_correct))

    return score


def parse_true_false(_question: TrueFalseQuestion, raw: Any) -> bool | FormatError:
    if isinstance(raw, list) and len(raw) == 1:
        raw = raw[0]
    if isinstance(raw, bool):
        return raw
    if raw in (None, ""):
        return FormatError("Choose true or false.")
    if isinstance(raw, str) and raw.strip().lower() in ("true", "false"):
        return raw.strip().lower() == "true"
    raise ResponseRejected("answer must be true or false")


def grade_true_false(question: TrueFalseQuestion, value: bool) -> Grade:
    return make_grade(question, 1.0 if value == question.answer else 0.0, [], str(value).lower())


def true_false_scorer(question: TrueFalseQuestion) -> Scorer:
    """:func:`parse_true_false` then the score of :func:`grade_true_false`."""

    def score(raw: Any) -> float | FormatError:
        value = parse_true_false(question, raw)
        if isinstance(value, FormatError):
            return value
        return 1.0 if value == question.answer else 0.0

    return score
