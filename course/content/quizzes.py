"""Quiz YAML → validated definitions and typed :class:`Quiz` objects."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import regex

from course.content.diagnostics import Diagnostic
from course.content.hints import id_hints
from course.content.model import (
    FeedbackMode,
    QuestionType,
    Quiz,
    build_question,
    split_cloze,
)
from course.content.patterns import REGEX_TIMEOUT_SECONDS, compiled, slow_input
from course.content.quiz_warnings import cut_values, example_coverage
from course.content.reader import (
    MERGE_KEY_MESSAGE,
    NUMBER_UNIT,
    Invalid,
    Reader,
    convert,
    default_id_problem,
    plain_data,
    unknown_key_message,
)
from course.content.schema import (
    CHOICE_FIELDS,
    COMMON_FIELDS,
    QUIZ_FIELDS,
    TYPE_FIELDS,
    WRONG_FIELDS,
    Kind,
)
from course.content.texts import text_key
from course.content.yamlsafe import Node, YamlError, decode, parse_recovering

_QUESTION_TYPES = frozenset(t.value for t in QuestionType)
_QUESTION_FIELDS = {qtype: COMMON_FIELDS + TYPE_FIELDS[qtype] for qtype in QuestionType}
# A '#' after a blank after something else on its line: only there can a comment follow
# (and cut) a value. Most files have none, and need no look for cut values.
# "Something else" is anything YAML does not count as a blank or a line break: a
# no-break or other Unicode space is part of the value (Python's \S would skip it).
# A blank written over a line break: the blank pattern stops at line ends.
_SPANNING_BLANK = re.compile(r"\[\[[^\n\]]*\n.*?\]\]", re.DOTALL)
_AFTER_VALUE = re.compile("[^ \t\r\n\x85\u2028\u2029][ \t]+#")


@dataclass
class QuizRead:
    """A quiz read from one file, with the positions of its cross-references."""

    quiz: Quiz | None
    problems: list[Diagnostic]
    # The questions that were valid on their own, so their examples can still be checked
    # when something else in the file is broken.
    partial: Quiz | None = None
    lesson_ref: tuple[str, Node] | None = None
    section_refs: list[tuple[str, Node, str]] = field(default_factory=list)  # section, at, qid
    misconception_refs: list[tuple[str, Node]] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)
    id_positions: dict[str, tuple[int, int]] = field(default_factory=dict)  # id → line, col


def read_quiz(path: str, data: bytes, default_id: str) -> QuizRead:
    """Validate one quiz file; every problem is reported, nothing half-built."""
    try:
        text = decode(path, data)
    except YamlError as exc:
        return QuizRead(None, exc.problems)
    root, problems, broken = parse_recovering(path, text)
    result = _read(path, root, problems, default_id, _AFTER_VALUE.search(text) is not None)
    if broken:
        # Read past a syntax error to report the rest; a key on a blanked line would
        # be reported missing, and examples of a half-read question would mislead.
        result.problems = [p for p in result.problems if "missing required key" not in p.message]
        result.quiz = result.partial = None
    return result


def _read(
    path: str,
    root: Node | None,
    problems: list[Diagnostic],
    default_id: str,
    comments_after_values: bool = True,
) -> QuizRead:
    reader = Reader(path)
    reader.problems.extend(problems)
    if root is None:
        if not problems:  # not when the YAML could not be read: that is reported already
            reader.problems.append(Diagnostic(path, 1, 1, "quiz file is empty"))
        return QuizRead(None, reader.problems)
    fields = reader.mapping(root, QUIZ_FIELDS, "quiz")
    if fields is None:
        return QuizRead(None, reader.problems)
    values = {k: v for k, (_, v) in fields.items()}
    bad_id = default_id_problem(path, values, default_id)
    if bad_id is not None:
        reader.problems.append(bad_id)
    result = QuizRead(None, reader.problems)
    if "lesson" in fields:
        result.lesson_ref = (values["lesson"], fields["lesson"][0])
    definitions = (
        _questions(reader, fields["questions"][1], result, comments_after_values)
        if "questions" in fields
        else []
    )
    pick = values.get("pick")
    published = [d for d in definitions if not d.get("draft")]
    if pick is not None and definitions and pick > len(published):
        node = fields["pick"][0]
        drafts = len(definitions) - len(published)
        note = f" ({drafts} more are drafts)" if drafts else ""
        reader.error(node, f"'pick' is {pick} but the quiz has {len(published)} questions{note}")
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
        draft=values.get("draft", False),
    )
    result.partial = built
    result.warnings.extend(id_hints(path, built.questions, result.id_positions))
    if not reader.problems and "title" in values and "lesson" in values:
        result.quiz = built
    return result


def _questions(
    reader: Reader, node: Node, result: QuizRead, comments_after_values: bool = True
) -> list[dict[str, Any]]:
    if node.kind != "seq":
        reader.error(node, "'questions' must be a list of questions (each starting with '- id:')")
        return []
    if not node.items:
        reader.error(node, "'questions' is empty; a quiz needs at least one question")
    definitions: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for item in node.items:
        definition = _question(reader, item, result, comments_after_values)
        id_node = item.get("id") if item.kind == "map" else None
        qid = id_node.value if id_node is not None and id_node.kind == "scalar" else None
        if qid is not None and qid in seen:
            reader.error(item, f"duplicate question id '{qid}' (first at line {seen[qid]})")
            continue
        if qid is not None:
            seen[qid] = item.line
        if definition is None:
            continue
        qid = definition["id"]
        id_node = item.get("id")
        if id_node is not None:
            result.id_positions[qid] = (id_node.line, id_node.col)
        definitions.append(definition)
    return definitions


def _question(
    reader: Reader, node: Node, result: QuizRead, comments_after_values: bool = True
) -> dict[str, Any] | None:
    if node.kind != "map":
        reader.error(node, "each question must be a mapping with id, type and prompt")
        return None
    type_node = node.get("type")
    qtype: QuestionType | None = None
    if type_node is not None and type_node.kind == "scalar" and type_node.value in _QUESTION_TYPES:
        qtype = QuestionType(type_node.value)
    fields = _QUESTION_FIELDS[qtype] if qtype else COMMON_FIELDS
    id_node = node.get("id")
    what = f"question '{id_node.value}'" if id_node is not None else "question"
    if qtype is None:
        # Report the type problem but skip type-specific key checks, which would be noise
        # (a merge key, which may be what hides the type, is still named).
        _report_merge_keys(reader, node)
        reader.mapping(_only(node, COMMON_FIELDS), COMMON_FIELDS, what)
        return None
    before = len(reader.problems)
    unit = node.get("unit") if qtype is QuestionType.NUMBER else None
    token = NUMBER_UNIT.set(unit.value if unit is not None and unit.kind == "scalar" else None)
    try:
        read = reader.mapping(node, fields, what)
    finally:
        NUMBER_UNIT.reset(token)
    if read is None:
        return None
    values = {k: v for k, (_, v) in read.items()}
    if "section" in read and "id" in values:
        result.section_refs.append((values["section"], read["section"][0], values["id"]))
    if comments_after_values:  # else no value can have been cut by a comment
        result.warnings.extend(cut_values(reader.path, node, qtype))
    definition: dict[str, Any] = {k: v for k, v in values.items() if k != "examples"}
    if "examples" in read:
        definition["examples"] = _examples(reader, read["examples"][1])
    _type_rules(reader, node, qtype, definition, read, result)
    if "wrong" in read:
        definition["wrong"] = _wrong(reader, read["wrong"][0], result)
        _wrong_but_accepted(reader, read["wrong"][0], definition)
    if len(reader.problems) > before or not {"id", "prompt"} <= values.keys():
        return None
    coverage = example_coverage(reader.path, node, definition)
    if coverage is not None:
        result.warnings.append(coverage)
    if values.get("type") != qtype.value:
        # 'type' given twice (reported as a duplicate key): the keys were checked for the
        # first, the value read is the last; a question of neither can be built.
        return None
    return definition


def _report_merge_keys(reader: Reader, node: Node) -> None:
    for key, _value in node.pairs:
        if key.value == "<<":
            reader.error(key, MERGE_KEY_MESSAGE)


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
    result: QuizRead,
) -> None:
    """Rules that involve several keys of one question."""
    match qtype:
        case QuestionType.CHOICE | QuestionType.MULTI_CHOICE:
            if "choices" in read:
                d["choices"] = _choices(reader, read["choices"][0], d, qtype, result)
        case QuestionType.TEXT:
            if not d.get("answer") and not d.get("regex"):
                reader.error(node, "text question needs 'answer' or 'regex'")
            for pattern in d.get("regex", []):
                _check_regex(reader, read["regex"][0], pattern, d)
        case QuestionType.NUMBER:
            if node.get("answer") is None and node.get("range") is None:
                reader.error(node, "number question needs 'answer' or 'range'")
            range_node = node.get("range")
            if range_node is not None:
                # Grading uses the range alone: an answer or tolerance beside it would be
                # silently ignored, so say which to keep.
                for key in ("answer", "tolerance"):
                    if node.get(key) is not None:
                        reader.error(
                            range_node,
                            f"number question has both '{key}' and 'range'; the range alone "
                            f"decides what is right, so '{key}' would be ignored: keep "
                            "'range: [min, max]', or remove it and give 'answer' (with "
                            "'tolerance' for leeway)",
                        )
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
                for message in cloze_problems(d["text"]):
                    reader.error(read["text"][0], message)
        case QuestionType.TRUE_FALSE | QuestionType.DATE:
            pass


def cloze_problems(text: str) -> list[str]:
    """What is wrong with a cloze text's blanks: none, an empty one, or a ``[[`` or
    ``]]`` left over once the blanks are taken out (a typo, shown to learners as is)."""
    segments, blanks = split_cloze(text)
    if not blanks and not any("[[" in s or "]]" in s for s in segments):
        return ["cloze 'text' has no blanks; mark them [[answer]]"]
    problems = [
        f"cloze 'text' has an empty blank [[ ]] (blank {number} of {len(blanks)}); write "
        "its answer inside: [[answer]]"
        for number, blank in enumerate(blanks, start=1)
        if not blank
    ]
    for segment in segments:
        for spanning in _SPANNING_BLANK.findall(segment):
            problems.append(
                f"cloze 'text' has a blank that runs over a line break, {_near(spanning, 0)!r}; "
                "keep each blank on one line: [[answer]]"
            )
        rest = _SPANNING_BLANK.sub(" ", segment)
        at = rest.find("[[")
        if at >= 0:
            problems.append(
                f"cloze 'text' has '[[' with no closing ']]', at {_near(rest, at)!r}; close "
                "the blank: [[answer]]"
            )
        at = rest.find("]]")
        if at >= 0:
            problems.append(
                f"cloze 'text' has ']]' with no opening '[[', at {_near(rest, at)!r}; open "
                "the blank: [[answer]]"
            )
    return problems


def _near(text: str, at: int) -> str:
    """A few words around ``at``, to find the spot in a long text."""
    return text[max(0, at - 15) : at + 20].strip()


def _check_regex(reader: Reader, node: Node, pattern: str, d: dict[str, Any]) -> None:
    sensitive = bool(d.get("case_sensitive", False))
    try:
        compiled(pattern, sensitive)
    except regex.error as exc:
        reader.error(node, f"regex {pattern!r} does not compile: {exc}")
        return
    samples = [str(e["response"]) for e in d.get("examples", []) if isinstance(e["response"], str)]
    slow = slow_input(pattern, samples, sensitive)
    if slow is not None:
        shown = slow if len(slow) <= 20 else slow[:12] + "…" + slow[-4:]
        reader.error(
            node,
            f"regex {pattern!r} takes longer than {REGEX_TIMEOUT_SECONDS * 1000:.0f} ms on "
            f"{shown!r}: it backtracks catastrophically (nested repetition such as (a+)+ or "
            "(\\w+\\s?)+); rewrite it so each part can match in only one way",
        )


def _choices(
    reader: Reader, node: Node, d: dict[str, Any], qtype: QuestionType, result: QuizRead
) -> list[dict[str, Any]]:
    if node.kind != "seq" or len(node.items) < 2:
        reader.error(node, "'choices' must be a list of at least two choices")
        return []
    answers = d.pop("answer", None)
    answer_set = set([answers] if isinstance(answers, str) else answers or [])
    choices: list[dict[str, Any]] = []
    for item in node.items:
        if item.kind == "map":
            read = reader.mapping(item, CHOICE_FIELDS, "choice")
            if read is None or "text" not in read:
                continue
            choice = {k: v for k, (_, v) in read.items()}
            if "misconception" in read:
                result.misconception_refs.append(
                    (choice["misconception"], read["misconception"][0])
                )
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


_EXAMPLE = ["response", "score"]


def _no_response(reader: Reader, item: Node) -> None:
    """An example without a response: a misspelt key is named, else the shape is."""
    keys = [k for k, _ in item.pairs] if item.kind == "map" else []
    if not keys:
        reader.error(item, "an example is a mapping {response: ..., score: ...}")
        return
    named = False  # a misspelt key already pointed at 'response'
    for key in keys:
        if key.value not in _EXAMPLE:
            message = unknown_key_message(key.value, _EXAMPLE, "example")
            named = named or "did you mean 'response'" in message
            reader.error(key, message)
    if not named and all(k.value != "response" for k in keys):
        reader.error(item, "an example needs 'response' (and 'score')")


def _examples(reader: Reader, node: Node) -> list[dict[str, Any]]:
    """Examples as a list of {response, score} or a map response → score."""
    entries: list[tuple[Node, Node | None, Node]] = []  # (response node, score node, at)
    if node.kind == "map":
        entries = [(k, v, k) for k, v in node.pairs]
    elif node.kind == "seq":
        for item in node.items:
            response, score = _response_and_score(item)
            if response is None:
                _no_response(reader, item)
                continue
            for key, _ in item.pairs:
                if key.value not in ("response", "score"):
                    reader.error(key, f"unknown key '{key.value}' in example; use response, score")
            entries.append((response, score, item))
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
            value = convert(score_node, Kind.SIMILARITY, "score")
        except Invalid as exc:
            reader.error(score_node, str(exc))
            continue
        examples.append(
            {"response": plain_data(response), "score": value, "line": at.line, "col": at.col}
        )
    return examples


def _response_and_score(item: Node) -> tuple[Node | None, Node | None]:
    """An example mapping's response and score nodes (the first of a repeated key, as
    :meth:`Node.get` gives), found in one pass."""
    response: Node | None = None
    score: Node | None = None
    if item.kind == "map":
        for key, value in item.pairs:
            if key.value == "response":
                response = value if response is None else response
            elif key.value == "score":
                score = value if score is None else score
    return response, score


def _wrong(reader: Reader, node: Node, result: QuizRead) -> dict[str, Any]:
    """``wrong``: answer → feedback, or answer → {feedback, misconception}."""
    if node.kind != "map":
        message = "'wrong' must be a mapping of wrong answer: feedback"
        if node.kind == "scalar" and node.plain and node.comment is not None:
            # "y #c: bad": YAML read "y" and a comment, so the mapping never started.
            cut, colon, feedback = f"{node.value} #{node.comment}".partition(": ")
            fix = f'"{cut}": {feedback}' if colon else f'"{cut}"'
            message += (
                f"; ' #' after {node.value!r} starts a YAML comment, which hid the rest of "
                f"the line (#{node.comment}); quote the wrong answer: {fix}"
            )
        reader.error(node, message)
        return {}
    entries: dict[str, Any] = {}
    for key, value in node.pairs:
        if key.is_null:
            reader.error(key, "a 'wrong' answer is empty; write the wrong answer as the key")
            continue
        what = f"wrong answer {key.value!r}"
        if value.kind == "map":
            read = reader.mapping(value, WRONG_FIELDS, what)
            if read is None:
                continue
            if not read:
                reader.error(value, f"{what} needs 'feedback' or 'misconception'")
                continue
            entries[key.value] = {k: v for k, (_, v) in read.items()}
            if "misconception" in read:
                result.misconception_refs.append(
                    (read["misconception"][1], read["misconception"][0])
                )
        elif value.kind == "scalar" and not value.is_null:
            entries[key.value] = value.value
        else:
            reader.error(
                value, f"{what} needs feedback text or a mapping {{feedback, misconception}}"
            )
    return entries


def _wrong_but_accepted(reader: Reader, node: Node, d: dict[str, Any]) -> None:
    """A ``wrong`` answer that compares equal to an accepted one would earn full marks."""
    sensitive = bool(d.get("case_sensitive", False))
    accepted = {text_key(a, sensitive): a for a in d.get("answer", [])}
    for key, _ in node.pairs:
        same = accepted.get(text_key(key.value, sensitive))
        if same is not None and key.value in d["wrong"]:
            reader.error(
                key,
                f"wrong answer {key.value!r} is the accepted answer {same!r} once case, "
                "punctuation and spacing are ignored, so learners giving it get full marks; "
                "remove it from 'wrong' or from 'answer'",
            )
