"""Precise edits of one question's answer key in a quiz file's YAML text.

A key fix (``services.keyfix``) changes a few values of one question and nothing else:
the rest of the file, its comments, quoting and layout stay as the author wrote them.
The file is composed (never constructed) by PyYAML, whose nodes carry the character
offsets of their start and end; each edit replaces, inserts or deletes exactly those
characters. Inserted values are written as JSON scalars and flow collections, which
YAML reads as the same text in any context (so ``"No"`` stays the text "No").

The result is not trusted: the caller validates it like any other edit before
anything is stored. An edit this module cannot make safely raises :class:`EditError`
with a message for the author ("edit the file by hand").
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from course.content.texts import text_key


class EditError(Exception):
    """The edit cannot be made automatically; the message says what to do instead."""


@dataclass(frozen=True)
class _Edit:
    start: int
    end: int
    text: str


def quote(value: str) -> str:
    """A YAML scalar that reads back as exactly ``value`` in any context."""
    return json.dumps(value, ensure_ascii=False)


def number_text(value: float) -> str:
    """A number as an author writes it: ``1944``, ``0.5``, ``20000000``."""
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _compose(text: str) -> MappingNode:
    try:
        # compose builds nodes only (no objects, no tags resolved into code); the file
        # was validated by the safe loader before it was stored.
        root = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        raise EditError(f"the quiz file cannot be read as YAML: {exc}") from exc
    if not isinstance(root, MappingNode):
        raise EditError("the quiz file is not a mapping")
    return root


def _get(node: MappingNode, key: str) -> tuple[ScalarNode, Node] | None:
    for k, v in node.value:
        if isinstance(k, ScalarNode) and k.value == key:
            return k, v
    return None


def _scalar(node: Node | None) -> str | None:
    return node.value if isinstance(node, ScalarNode) else None


def quiz_id(text: str) -> str | None:
    """The ``id`` a quiz file declares (None: none, or not readable)."""
    try:
        root = _compose(text)
    except EditError:
        return None
    found = _get(root, "id")
    return _scalar(found[1]) if found else None


def _question(root: MappingNode, question_id: str) -> MappingNode:
    found = _get(root, "questions")
    if found is None or not isinstance(found[1], SequenceNode):
        raise EditError("the quiz file has no list of questions")
    for item in found[1].value:
        if isinstance(item, MappingNode):
            ident = _get(item, "id")
            if ident is not None and _scalar(ident[1]) == question_id:
                return item
    raise EditError(f"the quiz file has no question '{question_id}'")


def _end(node: Node) -> int:
    """The offset just after a node's own text (block collections end at their last
    descendant, not at the start of whatever follows them)."""
    if isinstance(node, MappingNode) and not node.flow_style and node.value:
        return _end(node.value[-1][1])
    if isinstance(node, SequenceNode) and not node.flow_style and node.value:
        return _end(node.value[-1])
    return int(node.end_mark.index)


def _replace(text: str, node: Node, new: str) -> _Edit:
    start, end = int(node.start_mark.index), _end(node)
    if end > start and text[end - 1] == "\n":  # a block scalar keeps its line break
        new += "\n"
    return _Edit(start, end, new)


def _line_start(text: str, index: int) -> int:
    return text.rfind("\n", 0, index) + 1


def _line_end(text: str, index: int) -> int:
    """The offset of the line break ending the line that holds ``index`` (or EOF)."""
    found = text.find("\n", index)
    return len(text) if found < 0 else found


def _last_content(text: str, node: Node) -> int:
    """Offset just after the node's last character that is not a line break."""
    end = _end(node)
    while end > 0 and text[end - 1] in "\r\n":
        end -= 1
    return end


def _insert_pair(text: str, mapping: MappingNode, key: str, value: str) -> _Edit:
    """Add ``key: value`` to a mapping (block: a new line after its last line)."""
    if mapping.flow_style:
        close = int(mapping.end_mark.index) - 1  # the "}"
        sep = ", " if mapping.value else ""
        return _Edit(close, close, f"{sep}{key}: {value}")
    if not mapping.value:
        raise EditError("cannot add to an empty mapping")
    column = int(mapping.value[0][0].start_mark.column)
    last = _line_end(text, _last_content(text, mapping))
    newline = "\r\n" if text[last - 1 : last] == "\r" else "\n"
    at = last - 1 if newline == "\r\n" else last
    return _Edit(at, at, f"{newline}{' ' * column}{key}: {value}")


def _delete_pair(text: str, mapping: MappingNode, index: int) -> _Edit:
    """Remove the ``index``-th pair of a block mapping, whole lines."""
    if mapping.flow_style:
        raise EditError("cannot remove an entry of a one-line {…} mapping automatically")
    key, value = mapping.value[index]
    start = _line_start(text, int(key.start_mark.index))
    if index + 1 < len(mapping.value):
        end = _line_start(text, int(mapping.value[index + 1][0].start_mark.index))
    else:
        end = _line_end(text, _last_content(text, value))
        end = min(end + 1, len(text))
    return _Edit(start, end, "")


def _apply(text: str, edits: Sequence[_Edit]) -> str:
    ordered = sorted(edits, key=lambda e: (e.start, e.end), reverse=True)
    for a, b in zip(ordered[1:], ordered, strict=False):
        if a.end > b.start:
            raise EditError("overlapping edits")
    for edit in ordered:
        text = text[: edit.start] + edit.text + text[edit.end :]
    return text


def _strings(node: Node) -> list[str] | None:
    """A scalar or a list of scalars as strings (None: something else)."""
    if isinstance(node, ScalarNode):
        return [node.value]
    if isinstance(node, SequenceNode) and all(isinstance(i, ScalarNode) for i in node.value):
        return [str(i.value) for i in node.value]
    return None


def _flow_list(values: Sequence[str]) -> str:
    return "[" + ", ".join(quote(v) for v in values) + "]"


# --- The fixes ----------------------------------------------------------------------


def accept_text(text: str, question_id: str, answer: str, *, first: bool = False) -> str:
    """Add ``answer`` to a text question's accepted answers; a ``wrong`` entry that
    compares equal to it (case, punctuation, spacing ignored) is removed. ``first``:
    it goes before the others, so pages show it as the answer (the others stay accepted)."""
    if not answer.strip():
        raise EditError("the answer to accept is empty")
    root = _compose(text)
    question = _question(root, question_id)
    edits: list[_Edit] = []
    found = _get(question, "answer")
    if found is None:
        edits.append(_insert_pair(text, question, "answer", quote(answer)))
    else:
        current = _strings(found[1])
        if current is None:
            raise EditError("'answer' is neither text nor a list of texts; edit it by hand")
        if any(text_key(a) == text_key(answer) for a in current if text_key(answer)):
            raise EditError(f"{answer!r} is already accepted")
        answers = [answer, *current] if first else [*current, answer]
        edits.append(_replace(text, found[1], _flow_list(answers)))
    wrong = _get(question, "wrong")
    if wrong is not None and isinstance(wrong[1], MappingNode):
        mapping = wrong[1]
        hits = [
            i
            for i, (k, _v) in enumerate(mapping.value)
            if isinstance(k, ScalarNode) and text_key(k.value) == text_key(answer)
        ]
        if hits and len(hits) == len(mapping.value):
            index = question.value.index(wrong)
            edits.append(_delete_pair(text, question, index))
        else:
            edits.extend(_delete_pair(text, mapping, i) for i in hits)
    return _apply(text, edits)


def set_answer(text: str, question_id: str, value: str) -> str:
    """Replace a number or date question's ``answer`` with ``value`` (written plain when
    it is a plain number or an ISO date, quoted otherwise)."""
    root = _compose(text)
    question = _question(root, question_id)
    found = _get(question, "answer")
    if found is None or not isinstance(found[1], ScalarNode):
        raise EditError("the question has no single 'answer' to change; edit it by hand")
    plain = re.fullmatch(r"-?\d+(\.\d+)?|\d{4}(-\d{2}(-\d{2})?)?", value) is not None
    return _apply(text, [_replace(text, found[1], value if plain else quote(value))])


def _choice_items(question: MappingNode) -> list[tuple[str, Node]]:
    found = _get(question, "choices")
    if found is None or not isinstance(found[1], SequenceNode):
        raise EditError("the question has no list of choices")
    items: list[tuple[str, Node]] = []
    for item in found[1].value:
        if isinstance(item, ScalarNode):
            items.append((item.value, item))
        elif isinstance(item, MappingNode) and (t := _get(item, "text")) is not None:
            items.append((str(_scalar(t[1])), item))
    return items


def _set_correct(text: str, item: Node, label: str, correct: bool) -> _Edit:
    flag = "true" if correct else "false"
    if isinstance(item, ScalarNode):
        return _replace(text, item, f"{{text: {quote(label)}, correct: {flag}}}")
    assert isinstance(item, MappingNode)
    found = _get(item, "correct")
    if found is not None:
        return _replace(text, found[1], flag)
    return _insert_pair(text, item, "correct", flag)


def _is_marked(item: Node) -> bool:
    if isinstance(item, MappingNode) and (found := _get(item, "correct")) is not None:
        return str(_scalar(found[1])).lower() == "true"
    return False


def mark_choices(text: str, question_id: str, correct: Sequence[str]) -> str:
    """Make exactly the choices ``correct`` (by text) the correct ones of a choice or
    multi_choice question, however the file marks them (``answer:`` or
    ``correct: true``)."""
    root = _compose(text)
    question = _question(root, question_id)
    items = _choice_items(question)
    labels = [label for label, _ in items]
    for wanted in correct:
        if wanted not in labels:
            raise EditError(f"{wanted!r} is not one of the choices")
    if not correct:
        raise EditError("at least one choice must stay correct")
    edits: list[_Edit] = []
    answer = _get(question, "answer")
    if answer is not None:
        listed = _strings(answer[1])
        if listed is None:
            raise EditError("'answer' is neither text nor a list of texts; edit it by hand")
        keep = [c for c in correct if not any(lab == c and _is_marked(n) for lab, n in items)]
        if isinstance(answer[1], ScalarNode) and len(keep) == 1:
            edits.append(_replace(text, answer[1], quote(keep[0])))
        elif keep:
            edits.append(_replace(text, answer[1], _flow_list(keep)))
        else:
            edits.append(_delete_pair(text, question, question.value.index(answer)))
    for label, node in items:
        marked = _is_marked(node)
        if label in correct and not marked and answer is None:
            edits.append(_set_correct(text, node, label, True))
        elif label not in correct and marked:
            edits.append(_set_correct(text, node, label, False))
    return _apply(text, edits)


def set_example_scores(text: str, question_id: str, scores: dict[int, float]) -> str:
    """Set the score of examples by their position in the question's ``examples``."""
    if not scores:
        return text
    root = _compose(text)
    question = _question(root, question_id)
    found = _get(question, "examples")
    if found is None:
        raise EditError("the question has no examples")
    node = found[1]
    targets: list[Node | None] = []
    if isinstance(node, MappingNode):
        targets = [v for _k, v in node.value]
    elif isinstance(node, SequenceNode):
        targets = [
            s[1] if isinstance(item, MappingNode) and (s := _get(item, "score")) else None
            for item in node.value
        ]
    edits = []
    for index, score in scores.items():
        target = targets[index] if 0 <= index < len(targets) else None
        if target is None:
            raise EditError(f"example {index + 1} has no score to change")
        edits.append(_replace(text, target, number_text(score)))
    return _apply(text, edits)


def add_example(text: str, question_id: str, response: str | list[str], score: float) -> str:
    """Add an example (``response`` scoring ``score``) to a question's ``examples``,
    written the way the others are (a ``response: score`` map or a list of items)."""
    root = _compose(text)
    question = _question(root, question_id)
    found = _get(question, "examples")
    if found is None:
        raise EditError("the question has no examples")
    node = found[1]
    if isinstance(node, MappingNode):
        if not isinstance(response, str):
            raise EditError("a list response cannot be a key of the examples map")
        return _apply(text, [_insert_pair(text, node, quote(response), number_text(score))])
    if not isinstance(node, SequenceNode) or not node.value:
        raise EditError("the examples are neither a map nor a list")
    shown = quote(response) if isinstance(response, str) else _flow_list(response)
    item = f"{{response: {shown}, score: {number_text(score)}}}"
    if node.flow_style:
        close = int(node.end_mark.index) - 1  # the "]"
        return _apply(text, [_Edit(close, close, f", {item}")])
    first = int(node.value[0].start_mark.index)
    dash = text.rfind("-", _line_start(text, first), first)
    column = dash - _line_start(text, first)  # where the first item's "-" is
    last = _line_end(text, _last_content(text, node))
    newline = "\r\n" if text[last - 1 : last] == "\r" else "\n"
    at = last - 1 if newline == "\r\n" else last
    return _apply(text, [_Edit(at, at, f"{newline}{' ' * max(column, 0)}- {item}")])
