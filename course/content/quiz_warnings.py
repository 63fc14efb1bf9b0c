"""Contract v1.1 warnings about one question: values a comment cut short, and examples
that do not try both a right and a wrong response. They never stop loading."""

from __future__ import annotations

from typing import Any

from course.content.diagnostics import Diagnostic
from course.content.model import QuestionType
from course.content.yamlsafe import Node

# Keys whose values learners are graded against: a comment that cuts one is a warning.
_GRADED_KEYS = ("answer", "accept", "items", "pairs", "regex")


def _scalars(node: Node) -> list[Node]:
    if node.kind == "scalar":
        return [node]
    found = [n for item in node.items for n in _scalars(item)]
    for key, value in node.pairs:
        found.extend([key, *_scalars(value)])
    return found


def _graded_nodes(node: Node, qtype: QuestionType) -> list[tuple[str, Node]]:
    """The scalars of a question that learners' answers are compared with."""
    found: list[tuple[str, Node]] = []
    for key, value in node.pairs:
        name = key.value
        if name in _GRADED_KEYS or (name == "text" and qtype is QuestionType.CLOZE):
            found.extend((name, n) for n in _scalars(value))
        elif name == "choices":
            for item in value.items:
                text = item.get("text") if item.kind == "map" else item
                if text is not None:
                    found.append((name, text))
        elif name == "wrong":
            found.extend((name, k) for k, _ in value.pairs)
    return found


def cut_values(path: str, node: Node, qtype: QuestionType) -> list[Diagnostic]:
    """Warn where a ``#`` comment cut a graded value short (contract v1.1)."""
    warnings = []
    for name, scalar in _graded_nodes(node, qtype):
        if scalar.comment is None or not scalar.plain:
            continue
        whole = f"{scalar.value} #{scalar.comment}" if scalar.comment else f"{scalar.value} #"
        read_as = (
            f"'{name}' value is read as {scalar.value!r}: in YAML ' #' after an "
            "unquoted value starts a comment."
        )
        if qtype is QuestionType.TRUE_FALSE:
            # A quoted boolean would be text: the only fix is to move the comment.
            fix = " Put the comment on a line of its own, above the answer"
        else:
            fix = (
                f" If '#{scalar.comment}' is part of it, quote the whole value "
                f'("{whole}"); if it is a comment, put it on a line of its own'
            )
        warnings.append(Diagnostic(path, scalar.line, scalar.col, read_as + fix))
    return warnings


def example_coverage(path: str, node: Node, definition: dict[str, Any]) -> Diagnostic | None:
    """Warn when a question's examples do not try both a right and a wrong response."""
    right = wrong = False
    for example in definition.get("examples", ()):
        if example["score"] >= 1:
            right = True
        else:
            wrong = True
    if right and wrong:
        return None
    missing = []
    if not right:
        missing.append("a right response (score 1)")
    if not wrong:
        missing.append("a wrong one (score below 1)")
    at = node.get("examples") or node.get("id") or node
    qid = definition.get("id", "?")
    return Diagnostic(
        path,
        at.line,
        at.col,
        f"question '{qid}' has no example of {' or '.join(missing)}; add examples "
        "so `course validate` tests that right answers pass and wrong ones do not",
    )
