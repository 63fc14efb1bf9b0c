"""Answer-key fixes as values: what to change in one question's key, and the question
as it would be with the change (to regrade stored responses in a dry run).

The same fixes are written into the quiz file by :mod:`course.content.keyedit` when an
instructor applies one; here they only build the changed question object.
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass

from course.content.model import (
    AnyQuestion,
    ChoiceQuestion,
    DateQuestion,
    MultiChoiceQuestion,
    NumberQuestion,
    PartialDate,
    TextQuestion,
)
from course.grading.normalize import format_date, parse_number, text_key


class FixKind(enum.StrEnum):
    ACCEPT_TEXT = "accept_text"  # add ``value`` to a text question's accepted answers
    # ``value`` becomes a text question's first (shown) answer; the old ones stay accepted
    # (the key check's fix: the strong learners' answer is the right one).
    PREFER_TEXT = "prefer_text"
    MARK_CHOICES = "mark_choices"  # exactly ``choices`` are the correct ones
    SET_ANSWER = "set_answer"  # a number or date question's answer becomes ``value``


class FixError(ValueError):
    """The fix does not fit the question (wrong type, unknown choice, unreadable value)."""


@dataclass(frozen=True)
class KeyFix:
    kind: FixKind
    value: str = ""
    choices: tuple[str, ...] = ()

    def describe(self, question: AnyQuestion) -> str:
        """The fix in an instructor's words: "accept 'Zhukov'", "answer should be 1944"."""
        match self.kind:
            case FixKind.ACCEPT_TEXT:
                return f"accept '{self.value}'"
            case FixKind.PREFER_TEXT:
                return f"accept '{self.value}' as the answer shown"
            case FixKind.SET_ANSWER:
                return f"answer should be {self.value}"
            case FixKind.MARK_CHOICES:
                before = {c.text for c in getattr(question, "choices", ()) if c.correct}
                after = set(self.choices)
                parts = [f"mark '{t}' correct" for t in self.choices if t not in before]
                parts += [f"mark '{t}' wrong" for t in sorted(before - after)]
                return "; ".join(parts) or "no change"


def fixed_question(question: AnyQuestion, fix: KeyFix) -> AnyQuestion:
    """The question with ``fix`` applied (ids of choices unchanged).

    Raises:
        FixError: the fix does not apply to this question.
    """
    match fix.kind, question:
        case ((FixKind.ACCEPT_TEXT | FixKind.PREFER_TEXT), TextQuestion()):
            if not fix.value.strip():
                raise FixError("the answer to accept is empty")
            key = text_key(fix.value, question.matcher.case_sensitive)
            answers = (*question.matcher.answers, fix.value)
            if fix.kind is FixKind.PREFER_TEXT:
                answers = (fix.value, *question.matcher.answers)
            matcher = dataclasses.replace(question.matcher, answers=answers)
            wrong = tuple(
                w
                for w in question.wrong
                if text_key(w.text, question.matcher.case_sensitive) != key
            )
            return dataclasses.replace(question, matcher=matcher, wrong=wrong)
        case FixKind.MARK_CHOICES, ChoiceQuestion() | MultiChoiceQuestion():
            texts = {c.text for c in question.choices}
            unknown = [t for t in fix.choices if t not in texts]
            if unknown:
                raise FixError(f"{unknown[0]!r} is not one of the choices")
            if not fix.choices or (isinstance(question, ChoiceQuestion) and len(fix.choices) != 1):
                raise FixError("a choice question has exactly one correct choice")
            choices = tuple(
                dataclasses.replace(c, correct=c.text in fix.choices) for c in question.choices
            )
            return dataclasses.replace(question, choices=choices)
        case FixKind.SET_ANSWER, NumberQuestion():
            number = parse_number(fix.value, question.unit)
            if number is None or question.range is not None:
                raise FixError(f"cannot set the answer of this number question to {fix.value!r}")
            return dataclasses.replace(question, answer=number)
        case FixKind.SET_ANSWER, DateQuestion():
            try:
                when = PartialDate.from_iso(fix.value)
            except ValueError as exc:
                raise FixError(str(exc)) from exc
            return dataclasses.replace(question, answer=when)
    raise FixError(f"a '{fix.kind}' fix does not apply to a {question.type} question")


def date_text(date: PartialDate) -> str:
    """A date as a quiz file writes it (ISO, at its precision)."""
    return str(date) if date.year >= 1000 else format_date(date)
