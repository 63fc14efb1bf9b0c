"""Form fields → answers, per question type: the only code that knows the field names.

Field names: ``q-<key>`` holds the value(s) of choice, multi_choice, true_false, text,
number and date; ``q-<key>-<option id>`` the position of an order item or the
right-hand option of a match item; ``q-<key>-<n>`` cloze blank n. The key is the
question's opaque key in the page (its position in the attempt), never the author's
slug, which can hint the answer. Nothing here decides meaning: wrong shapes reach the
grader, which rejects them. templates/_question.html writes the same names.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from werkzeug.datastructures import MultiDict

from course.content.model import (
    AnyQuestion,
    ClozeQuestion,
    MatchQuestion,
    MultiChoiceQuestion,
    OrderQuestion,
)
from course.grading.result import FormatError
from course.inputs import parse_int
from course.services.posted import Kept

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


class FormAnswers:
    """The answers of a posted form (services.posted.Answers), read through ``get``."""

    def __init__(self, get: FormGetter) -> None:
        self._get = get

    @classmethod
    def of(cls, form: MultiDict[str, str]) -> FormAnswers:
        return cls(form.getlist)

    @classmethod
    def of_fields(cls, fields: Mapping[str, list[str]]) -> FormAnswers:
        """Answers over plain field → values (saved drafts)."""
        return cls(lambda name: list(fields.get(name, [])))

    def restored(self, kept: Mapping[str, list[str]]) -> FormAnswers:
        return FormAnswers.of_fields(kept)

    def is_blank(self, question: AnyQuestion, key: str) -> bool:
        return all(not "".join(self._get(name)).strip() for name in field_names(question, key))

    def kept(self, question: AnyQuestion, key: str) -> Kept:
        fields = {name: list(self._get(name)) for name in field_names(question, key)}
        return {name: values for name, values in fields.items() if "".join(values).strip()}

    def response(self, question: AnyQuestion, key: str) -> Any | FormatError:
        get, name = self._get, field_name(key)
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
