"""Grade a question's authored ``examples`` with the real grader (``course validate``)."""

from __future__ import annotations

from collections.abc import Callable
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
from course.grading.registry import scorer_for
from course.grading.result import FormatError, ResponseRejected

SCORE_TOLERANCE = 0.01


class ExampleError(Exception):
    """An example is written in a way that cannot be a learner's response."""


def _ids_by_text(options: tuple[Option, ...]) -> dict[str, str]:
    """Option text → id; the first option of a text wins, as a scan in order would."""
    return {option.text: option.id for option in reversed(options)}


def _id_for(ids: dict[str, str], text: Any) -> str:
    found = ids.get(str(text))
    if found is None:
        raise ExampleError(f"{text!r} is not one of the question's options")
    return found


def raw_maker(question: AnyQuestion) -> Callable[[Any], Any]:
    """:func:`to_raw` for one question, with its option lookups built once."""
    match question:
        case ChoiceQuestion():
            choice_ids = _ids_by_text(question.choices)
            return lambda response: _id_for(choice_ids, response)
        case MultiChoiceQuestion():
            multi_ids = _ids_by_text(question.choices)

            def multi(response: Any) -> Any:
                items = response if isinstance(response, list) else [response]
                return [_id_for(multi_ids, t) for t in items]

            return multi
        case OrderQuestion():
            item_ids = _ids_by_text(question.items)

            def order(response: Any) -> Any:
                if not isinstance(response, list):
                    raise ExampleError("an order example is a list of the items")
                return [_id_for(item_ids, t) for t in response]

            return order
        case MatchQuestion():
            left_ids, right_ids = _ids_by_text(question.lefts), _ids_by_text(question.rights)

            def pairs(response: Any) -> Any:
                if not isinstance(response, dict):
                    raise ExampleError("a match example is a map of left → right")
                return {_id_for(left_ids, k): _id_for(right_ids, v) for k, v in response.items()}

            return pairs
        case _:
            return _typed


def _typed(response: Any) -> Any:
    if isinstance(response, bool):
        return str(response).lower()
    return response


def to_raw(question: AnyQuestion, response: Any) -> Any:
    """Translate an example written as the learner sees it into form values."""
    return raw_maker(question)(response)


def check_examples(path: str, quiz: Quiz) -> list[Diagnostic]:
    """Every example whose grade differs from its stated score, as a diagnostic.

    Only the score is compared, so each question's examples go through its scorer
    (:func:`course.grading.registry.scorer_for`, the grader's score without feedback),
    prepared once per question.
    """
    problems: list[Diagnostic] = []
    for question in quiz.questions:
        if not question.examples:
            continue
        raw_of, score_of = raw_maker(question), scorer_for(question)
        for example in question.examples:
            try:
                result = score_of(raw_of(example.response))
            except (ExampleError, ResponseRejected) as exc:
                problems.append(
                    Diagnostic(
                        path,
                        example.line,
                        example.col,
                        f"example {example.response!r} of question "
                        f"'{question.id}' is not a valid response: {exc}",
                    )
                )
                continue
            if isinstance(result, FormatError):
                problems.append(
                    Diagnostic(
                        path,
                        example.line,
                        example.col,
                        f"example {example.response!r} of question "
                        f"'{question.id}' cannot be read: {result.message}",
                    )
                )
                continue
            if abs(result - example.score) > SCORE_TOLERANCE:
                problems.append(
                    Diagnostic(
                        path,
                        example.line,
                        example.col,
                        f"example {example.response!r} of question "
                        f"'{question.id}' scores {result:.4g}, "
                        f"expected {example.score:.4g}",
                    )
                )
    return problems
