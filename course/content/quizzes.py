"""Quiz YAML → validated definitions and typed :class:`Quiz` objects."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from course.content.diagnostics import Diagnostic
from course.content.hints import id_hints
from course.content.model import (
    FeedbackMode,
    QuestionType,
    Quiz,
    build_question,
    split_cloze,
)
from course.content.reader import Invalid, Reader, convert, plain_data
from course.content.schema import COMMON_FIELDS, QUIZ_FIELDS, TYPE_FIELDS, Field, Kind
from course.content.yamlsafe import Node, YamlError, decode, parse

_CHOICE_FIELDS = (
    Field("text", Kind.TEXT, "Choice text.", required=True),
    Field("correct", Kind.BOOL, "This choice is correct."),
    Field("feedback", Kind.MARKDOWN, "Shown when this choice is picked."),
)


@dataclass
class QuizRead:
    """A quiz read from one file, with the positions of its cross-references."""

    quiz: Quiz | None
    problems: list[Diagnostic]
    # The questions that were valid on their own, so their examples can still be checked
    # when something else in the file is broken.
    partial: Quiz | None = None
    lesson_ref: tuple[str, Node] | None = None
    section_refs: list[tuple[str, Node]] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)
    id_positions: dict[str, tuple[int, int]] = field(default_factory=dict)  # id → line, col


def read_quiz(path: str, data: bytes, default_id: str) -> QuizRead:
    """Validate one quiz file; every problem is reported, nothing half-built."""
    try:
        root, problems = parse(path, decode(path, data))
    except YamlError as exc:
        return QuizRead(None, exc.problems)
    reader = Reader(path)
    reader.problems.extend(problems)
    if root is None:
        reader.problems.append(Diagnostic(path, 1, 1, "quiz file is empty"))
        return QuizRead(None, reader.problems)
    fields = reader.mapping(root, QUIZ_FIELDS, "quiz")
    if fields is None:
        return QuizRead(None, reader.problems)
    values = {k: v for k, (_, v) in fields.items()}
    result = QuizRead(None, reader.problems)
    if "lesson" in fields:
        result.lesson_ref = (values["lesson"], fields["lesson"][0])
    definitions = (
        _questions(reader, fields["questions"][1], result) if "questions" in fields else []
    )
    pick = values.get("pick")
    if pick is not None and definitions and pick > len(definitions):
        node = fields["pick"][0]
        reader.error(node, f"'pick' is {pick} but the quiz has {len(definitions)} questions")
    built = Quiz(
        id=values.get("id", default_id),
        title=values.get("title", ""),
        lesson=values.get("lesson", ""),
        questions=tuple(build_question(d) for d in definitions),
        definitions=tuple(definitions),
        pass_mark=values.get("pass_mark", 0.7),
        attempts=values.get("attempts"),
        feedback=FeedbackMode(values.get("feedback", "immediate")),
        shuffle=values.get("shuffle", False),
        pick=pick,
        review=values.get("review", True),
        path=path,
    )
    result.partial = built
    result.warnings.extend(id_hints(path, built.questions, result.id_positions))
    if not reader.problems and "title" in values and "lesson" in values:
        result.quiz = built
    return result


def _questions(reader: Reader, node: Node, result: QuizRead) -> list[dict[str, Any]]:
    if node.kind != "seq":
        reader.error(node, "'questions' must be a list of questions (each starting with '- id:')")
        return []
    if not node.items:
        reader.error(node, "'questions' is empty; a quiz needs at least one question")
    definitions: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for item in node.items:
        definition = _question(reader, item, result)
        if definition is None:
            continue
        qid = definition["id"]
        if qid in seen:
            reader.error(item, f"duplicate question id '{qid}' (first at line {seen[qid]})")
            continue
        seen[qid] = item.line
        id_node = item.get("id")
        if id_node is not None:
            result.id_positions[qid] = (id_node.line, id_node.col)
        definitions.append(definition)
    return definitions


def _question(reader: Reader, node: Node, result: QuizRead) -> dict[str, Any] | None:
    if node.kind != "map":
        reader.error(node, "each question must be a mapping with id, type and prompt")
        return None
    type_node = node.get("type")
    qtype: QuestionType | None = None
    if (
        type_node is not None
        and type_node.kind == "scalar"
        and type_node.value in set(QuestionType)
    ):
        qtype = QuestionType(type_node.value)
    fields = COMMON_FIELDS + (TYPE_FIELDS[qtype] if qtype else ())
    id_node = node.get("id")
    what = f"question '{id_node.value}'" if id_node is not None else "question"
    if qtype is None:
        # Report the type problem but skip type-specific key checks, which would be noise.
        reader.mapping(_only(node, COMMON_FIELDS), COMMON_FIELDS, what)
        return None
    before = len(reader.problems)
    read = reader.mapping(node, fields, what)
    if read is None:
        return None
    values = {k: v for k, (_, v) in read.items()}
    if "section" in read:
        result.section_refs.append((values["section"], read["section"][0]))
    definition: dict[str, Any] = {k: v for k, v in values.items() if k != "examples"}
    _type_rules(reader, node, qtype, definition, read)
    if "examples" in read:
        definition["examples"] = _examples(reader, read["examples"][1])
    if len(reader.problems) > before or not {"id", "prompt"} <= values.keys():
        return None
    return definition


def _only(node: Node, fields: tuple[Any, ...]) -> Node:
    names = {f.name for f in fields}
    return Node(
        "map", node.line, node.col, pairs=[(k, v) for k, v in node.pairs if k.value in names]
    )


def _type_rules(  # noqa: C901 - one branch per question type
    reader: Reader,
    node: Node,
    qtype: QuestionType,
    d: dict[str, Any],
    read: dict[str, tuple[Node, Any]],
) -> None:
    """Rules that involve several keys of one question."""
    match qtype:
        case QuestionType.CHOICE | QuestionType.MULTI_CHOICE:
            if "choices" in read:
                d["choices"] = _choices(reader, read["choices"][0], d, qtype)
        case QuestionType.TEXT:
            if not d.get("answer") and not d.get("regex"):
                reader.error(node, "text question needs 'answer' or 'regex'")
            for pattern in d.get("regex", []):
                _check_regex(reader, read["regex"][0], pattern)
        case QuestionType.NUMBER:
            if "answer" not in d and "range" not in d:
                reader.error(node, "number question needs 'answer' or 'range'")
            if "tolerance" in d:
                tolerance = d.pop("tolerance")
                d["tolerance"] = tolerance["value"] / (100 if tolerance["relative"] else 1)
                d["relative"] = tolerance["relative"]
        case QuestionType.ORDER:
            if "items" in d and len(d["items"]) < 2:
                reader.error(read["items"][0], "'items' needs at least two items to order")
        case QuestionType.MATCH:
            if "pairs" in d:
                if len(d["pairs"]) < 2:
                    reader.error(read["pairs"][0], "'pairs' needs at least two pairs")
                clash = set(d.get("distractors", [])) & set(d["pairs"].values())
                if clash:
                    reader.error(
                        read["distractors"][0],
                        f"distractor {sorted(clash)[0]!r} is also a right-hand answer",
                    )
        case QuestionType.CLOZE:
            if "text" in d:
                _, blanks = split_cloze(d["text"])
                if not blanks:
                    reader.error(
                        read["text"][0], "cloze 'text' has no blanks; mark them [[answer]]"
                    )
                elif any(not b for b in blanks):
                    reader.error(read["text"][0], "cloze 'text' has an empty blank [[ ]]")
        case QuestionType.TRUE_FALSE | QuestionType.DATE:
            pass


def _check_regex(reader: Reader, node: Node, pattern: str) -> None:
    try:
        re.compile(pattern)
    except re.error as exc:
        reader.error(node, f"regex {pattern!r} does not compile: {exc}")


def _choices(
    reader: Reader, node: Node, d: dict[str, Any], qtype: QuestionType
) -> list[dict[str, Any]]:
    if node.kind != "seq" or len(node.items) < 2:
        reader.error(node, "'choices' must be a list of at least two choices")
        return []
    answers = d.pop("answer", None)
    answer_set = set([answers] if isinstance(answers, str) else answers or [])
    choices: list[dict[str, Any]] = []
    for item in node.items:
        if item.kind == "map":
            read = reader.mapping(item, _CHOICE_FIELDS, "choice")
            if read is None or "text" not in read:
                continue
            choice = {k: v for k, (_, v) in read.items()}
            choice.setdefault("correct", False)
        elif item.kind == "scalar" and not item.is_null:
            choice = {"text": item.value, "correct": False}
        else:
            reader.error(item, "a choice is text or a {text, correct, feedback} mapping")
            continue
        if choice["text"] in answer_set:
            choice["correct"] = True
        if any(c["text"] == choice["text"] for c in choices):
            reader.error(item, f"choice {choice['text']!r} is listed twice")
        choices.append(choice)
    for missing in sorted(answer_set - {c["text"] for c in choices}):
        reader.error(node, f"answer {missing!r} is not one of the choices")
    correct = sum(1 for c in choices if c["correct"])
    if qtype is QuestionType.CHOICE and correct != 1:
        reader.error(
            node,
            f"a choice question needs exactly one correct choice; it has {correct} "
            "(set 'answer: <text>' or 'correct: true' on one choice)",
        )
    if qtype is QuestionType.MULTI_CHOICE and correct == 0:
        reader.error(node, "a multi_choice question needs at least one correct choice")
    return choices


def _examples(reader: Reader, node: Node) -> list[dict[str, Any]]:
    """Examples as a list of {response, score} or a map response → score."""
    entries: list[tuple[Node, Node | None, Node]] = []  # (response node, score node, at)
    if node.kind == "map":
        entries = [(k, v, k) for k, v in node.pairs]
    elif node.kind == "seq":
        for item in node.items:
            if item.kind != "map" or item.get("response") is None:
                reader.error(item, "an example is a mapping {response: ..., score: ...}")
                continue
            for key, _ in item.pairs:
                if key.value not in ("response", "score"):
                    reader.error(key, f"unknown key '{key.value}' in example; use response, score")
            entries.append((item.get("response"), item.get("score"), item))  # type: ignore[arg-type]
    else:
        reader.error(
            node, "'examples' must be a list of {response, score} or a map response: score"
        )
        return []
    examples = []
    for response, score_node, at in entries:
        if score_node is None:
            reader.error(at, "example is missing 'score' (a number from 0 to 1)")
            continue
        try:
            score = convert(score_node, Kind.SIMILARITY, "score")
        except Invalid as exc:
            reader.error(score_node, str(exc))
            continue
        examples.append(
            {"response": plain_data(response), "score": score, "line": at.line, "col": at.col}
        )
    return examples
