"""Form values → raw responses for the grader, per question type.

Field names: ``q-<key>`` holds the value(s) of choice, multi_choice, true_false, text,
number and date; ``q-<key>-<option id>`` the position of an order item or the
right-hand option of a match item; ``q-<key>-<n>`` cloze blank n. The key is the
question's opaque key in the page (its position in the attempt), never the author's
slug, which can hint the answer. Nothing here decides meaning: wrong shapes reach the
grader, which rejects them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from course.content.model import (
    AnyQuestion,
    ClozeQuestion,
    MatchQuestion,
    MultiChoiceQuestion,
    OrderQuestion,
)
from course.grading.result import FormatError
from course.inputs import parse_int

FormGetter = Callable[[str], list[str]]


def field_name(key: str) -> str:
    return f"q-{key}"


def field_names(question: AnyQuestion, key: str) -> list[str]:
    """Every form field that can carry this question's answer."""
    name = field_name(key)
    match question:
        case OrderQuestion():
            return [f"{name}-{o.id}" for o in question.items]
        case MatchQuestion():
            return [f"{name}-{o.id}" for o in question.lefts]
        case ClozeQuestion():
            return [f"{name}-{i}" for i in range(len(question.blanks))]
        case _:
            return [name]


def is_blank(question: AnyQuestion, get: FormGetter, key: str) -> bool:
    """No value at all was given for this question (an unanswered question in a form)."""
    name = field_name(key)
    if isinstance(question, OrderQuestion | MatchQuestion):
        options = question.items if isinstance(question, OrderQuestion) else question.lefts
        return all(not "".join(get(f"{name}-{o.id}")).strip() for o in options)
    if isinstance(question, ClozeQuestion):
        return all(not "".join(get(f"{name}-{i}")).strip() for i in range(len(question.blanks)))
    return not "".join(get(name)).strip()


def raw_from_form(question: AnyQuestion, get: FormGetter, key: str) -> Any | FormatError:
    """The raw response the grader expects, read from form fields."""
    name = field_name(key)
    match question:
        case MultiChoiceQuestion():
            return get(name)
        case OrderQuestion():
            return _order(question, name, get)
        case MatchQuestion():
            return {left.id: _one(get(f"{name}-{left.id}")) for left in question.lefts}
        case ClozeQuestion():
            return [_one(get(f"{name}-{i}")) for i in range(len(question.blanks))]
        case _:
            values = get(name)
            return values if len(values) > 1 else _one(values)


def _one(values: list[str]) -> str:
    return values[0] if values else ""


def _order(question: OrderQuestion, name: str, get: FormGetter) -> Any | FormatError:
    positions: list[tuple[int, str]] = []
    for item in question.items:
        position = parse_int(_one(get(f"{name}-{item.id}")), 1, len(question.items))
        if position is None:
            return FormatError(f"Give every item a position from 1 to {len(question.items)}.")
        positions.append((position, item.id))
    if len({p for p, _ in positions}) != len(positions):
        return FormatError("Use each position once: two items share a position.")
    return [item_id for _, item_id in sorted(positions)]
