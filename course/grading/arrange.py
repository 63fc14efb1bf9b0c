"""order and match: arranging items, with partial credit."""

from __future__ import annotations

from bisect import bisect_left
from typing import Any

from course.content.model import MatchQuestion, OrderQuestion
from course.grading.common import MAX_ITEMS, clamp, ids_of, make_grade
from course.grading.result import (
    Feedback,
    FeedbackKind,
    FormatError,
    Grade,
    ResponseRejected,
    Scorer,
)


def longest_increasing(values: list[int]) -> int:
    """Length of the longest strictly increasing subsequence (patience sorting)."""
    tails: list[int] = []
    for value in values:
        at = bisect_left(tails, value)
        if at == len(tails):
            tails.append(value)
        else:
            tails[at] = value
    return len(tails)


def parse_order(question: OrderQuestion, raw: Any) -> list[str] | FormatError:
    if raw in (None, "", []):
        return FormatError("Put the items in order first.")
    ids = ids_of(raw, question.items, "order")
    if len(ids) != len(question.items):
        raise ResponseRejected("an order must list every item exactly once")
    return ids


def grade_order(question: OrderQuestion, ids: list[str]) -> Grade:
    position = {item.id: i for i, item in enumerate(question.items)}
    in_order = longest_increasing([position[i] for i in ids])
    total = len(question.items)
    feedback = []
    if in_order < total:
        feedback.append(
            Feedback(
                FeedbackKind.PARTIAL,
                f"{in_order} of {total} items are in the right order relative to each other.",
            )
        )
    text = {item.id: item.text for item in question.items}
    return make_grade(question, in_order / total, feedback, " → ".join(text[i] for i in ids))


def order_scorer(question: OrderQuestion) -> Scorer:
    """:func:`parse_order` then the score of :func:`grade_order`, without feedback."""
    position = {item.id: i for i, item in enumerate(question.items)}
    total = len(question.items)

    def score(raw: Any) -> float | FormatError:
        ids = parse_order(question, raw)
        if isinstance(ids, FormatError):
            return ids
        return clamp(longest_increasing([position[i] for i in ids]) / total)

    return score


def parse_match(question: MatchQuestion, raw: Any) -> dict[str, str] | FormatError:
    if not isinstance(raw, dict) or len(raw) > MAX_ITEMS:
        raise ResponseRejected("a match answer maps each left item to a right option")
    lefts = {o.id for o in question.lefts}
    rights = {o.id for o in question.rights}
    answer: dict[str, str] = {}
    for left, right in raw.items():
        if left not in lefts:
            raise ResponseRejected("match answer names an item that is not in this question")
        if right in (None, ""):
            continue
        if not isinstance(right, str) or right not in rights:
            raise ResponseRejected("match answer names an option that is not in this question")
        answer[left] = right
    if not answer:
        return FormatError("Match at least one item first.")
    return answer


def grade_match(question: MatchQuestion, answer: dict[str, str]) -> Grade:
    right = sum(1 for left, target in question.pairs if answer.get(left) == target)
    total = len(question.pairs)
    feedback = []
    if 0 < right < total:
        feedback.append(Feedback(FeedbackKind.PARTIAL, f"{right} of {total} pairs are right."))
    left_text = {o.id: o.text for o in question.lefts}
    right_text = {o.id: o.text for o in question.rights}
    shown = "; ".join(
        f"{left_text[o.id]} → {right_text[answer[o.id]]}" for o in question.lefts if o.id in answer
    )
    return make_grade(question, right / total, feedback, shown)


def match_scorer(question: MatchQuestion) -> Scorer:
    """:func:`parse_match` then the score of :func:`grade_match`, without feedback."""
    pairs = question.pairs
    total = len(pairs)

    def score(raw: Any) -> float | FormatError:
        answer = parse_match(question, raw)
        if isinstance(answer, FormatError):
            return answer
        return clamp(sum(1 for left, target in pairs if answer.get(left) == target) / total)

    return score
