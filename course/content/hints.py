"""Warnings about question ids that give their answer away.

Ids never reach learners' pages (forms carry opaque keys), but they travel in exports,
logs and instructor pages; an id like ``kwantung-army`` for "Which army…?" also tempts
authors to reuse it where learners could see it. ``course validate`` warns.
"""

from __future__ import annotations

import re

from course.content.diagnostics import Diagnostic
from course.content.model import (
    AnyQuestion,
    ChoiceQuestion,
    ClozeQuestion,
    DateQuestion,
    MultiChoiceQuestion,
    NumberQuestion,
    TextQuestion,
)

MIN_LETTERS = 4  # shorter words ("war", "the", "of") hint at nothing
MIN_DIGITS = 4  # a year or a count gives an answer away; "38" or "12" may be anything
_WORD = re.compile(rf"[^\W\d_]{{{MIN_LETTERS},}}|\d{{{MIN_DIGITS},}}")
_GROUPED = re.compile(r"(?<=\d)[,_ \u00a0\u202f](?=\d{3}(?!\d))")  # 27,000,000


def words(text: str) -> set[str]:
    """The words of at least four letters and the numbers of at least four digits in
    ``text`` (``27,000,000`` read as one number), case-folded."""
    return {w.casefold() for w in _WORD.findall(_GROUPED.sub("", text))}


def _number_text(value: float) -> str:
    """A number as digits, never in exponent form (``27000000``, not ``2.7e+07``)."""
    return str(int(value)) if value.is_integer() else f"{value:.10f}".rstrip("0")


def answer_texts(question: AnyQuestion) -> list[str]:
    """What a learner must give: correct choices' text, or the accepted answers."""
    match question:
        case ChoiceQuestion() | MultiChoiceQuestion():
            return [c.text for c in question.choices if c.correct]
        case TextQuestion():
            return list(question.matcher.answers)
        case NumberQuestion():
            if question.range is not None:
                return [_number_text(bound) for bound in question.range]
            return [_number_text(question.answer)]
        case DateQuestion():
            return [str(d) for d in (question.answer, *question.accept)]
        case ClozeQuestion():
            return [a for blank in question.blanks for a in blank.answers]
        case _:
            return []  # true/false, order and match: the page shows every option anyway


def id_hints(
    path: str, questions: tuple[AnyQuestion, ...], positions: dict[str, tuple[int, int]]
) -> list[Diagnostic]:
    """One warning per question whose id contains a word (or a number of four or more
    digits) of its own answer."""
    found = []
    for question in questions:
        shared = words(question.id.replace("-", " ").replace("_", " ")) & {
            w for text in answer_texts(question) for w in words(text)
        }
        if shared:
            line, col = positions.get(question.id, (1, 1))
            listed = ", ".join(f"'{w}'" for w in sorted(shared))
            found.append(
                Diagnostic(
                    path,
                    line,
                    col,
                    f"question id '{question.id}' contains {listed} from its own answer; "
                    "ids travel in exports and logs, so use a neutral id (e.g. 'q7' or "
                    "a word from the prompt)",
                )
            )
    return found
