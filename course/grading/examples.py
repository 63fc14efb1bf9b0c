"""Grade a question's authored ``examples`` with the real grader (``course validate``)."""

from __future__ import annotations

from typing import Any

from course.content.diagnostics import Diagnostic
from course.content.model import (
    AnyQuestion,
    ChoiceQuestion,
    MatchQuestion,
    MultiChoiceQuestion,
    Option,
    OrderQuestion,
    Quiz,
)
from course.grading.registry import grade_response
from course.grading.result import FormatError, ResponseRejected

SCORE_TOLERANCE = 0.01


class ExampleError(Exception):
    """An example is written in a way that cannot be a learner's response."""


def _id_for(options: tuple[Option, ...], text: Any) -> str:
    for option in options:
        if option.text == str(text):
            return option.id
    raise ExampleError(f"{text!r} is not one of the question's options")


def to_raw(question: AnyQuestion, response: Any) -> Any:
    """Translate an example written as the learner sees it into form values."""
    match question:
        case ChoiceQuestion():
            return _id_for(question.choices, response)
        case MultiChoiceQuestion():
            items = response if isinstance(response, list) else [response]
            return [_id_for(question.choices, t) for t in items]
        case OrderQuestion():
            if not isinstance(response, list):
                raise ExampleError("an order example is a list of the items")
            return [_id_for(question.items, t) for t in response]
        case MatchQuestion():
            if not isinstance(response, dict):
                raise ExampleError("a match example is a map of left → right")
            return {
                _id_for(question.lefts, k): _id_for(question.rights, v) for k, v in response.items()
            }
        case _:
            if isinstance(response, bool):
                return str(response).lower()
            return response


def check_examples(path: str, quiz: Quiz) -> list[Diagnostic]:
    """Every example whose grade differs from its stated score, as a diagnostic."""
    problems: list[Diagnostic] = []
    for question in quiz.questions:
        for example in question.examples:
            where = (path, example.line, example.col)
            try:
                result = grade_response(question, to_raw(question, example.response))
            except (ExampleError, ResponseRejected) as exc:
                problems.append(
                    Diagnostic(
                        *where,
                        f"example {example.response!r} of question "
                        f"'{question.id}' is not a valid response: {exc}",
                    )
                )
                continue
            if isinstance(result, FormatError):
                problems.append(
                    Diagnostic(
                        *where,
                        f"example {example.response!r} of question "
                        f"'{question.id}' cannot be read: {result.message}",
                    )
                )
                continue
            if abs(result.score - example.score) > SCORE_TOLERANCE:
                problems.append(
                    Diagnostic(
                        *where,
                        f"example {example.response!r} of question "
                        f"'{question.id}' scores {result.score:.4g}, "
                        f"expected {example.score:.4g}",
                    )
                )
    return problems
