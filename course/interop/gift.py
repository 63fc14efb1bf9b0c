"""Moodle GIFT: a tokenizer and parser written for this project, and an exporter.

GIFT (https://docs.moodle.org/en/GIFT_format) is line-oriented text: questions are
separated by blank lines, ``//`` starts a comment line, ``::title::`` names a question,
``[html]``/``[moodle]``/``[plain]``/``[markdown]`` set a text's format, and the answers
sit in one ``{...}`` block. ``~ = # { } :`` are control characters; a backslash makes
them literal (``\\~``), ``\\n`` is a newline and ``\\\\`` a backslash. A backslash
before any other character is kept as written.

:func:`parse` returns every question it could read and a ``line: message`` error for
every part it could not, so an author fixes a file in one pass.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from course.interop.source import (
    MAX_QUESTIONS,
    Markup,
    NumericAnswer,
    SourceAnswer,
    SourceKind,
    SourceQuestion,
    TextFormat,
    too_many_questions,
)

CONTROL = "~=#{}:"
_FORMATS = {f.value: f for f in TextFormat}
_META = re.compile(r"\[(id|tag):([^\]]+)\]")
_TRUE = {"T", "TRUE"}
_FALSE = {"F", "FALSE"}
_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_RANGE = re.compile(rf"^\s*({_NUMBER})\s*\.\.\s*({_NUMBER})\s*$")
_TOLERANCE = re.compile(rf"^\s*({_NUMBER})\s*(?::\s*({_NUMBER}))?\s*$")


@dataclass(frozen=True)
class GiftError:
    """A problem at a line of the GIFT file."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.line}: {self.message}"


@dataclass
class GiftFile:
    """What :func:`parse` read: questions in file order, and every error found."""

    questions: list[SourceQuestion] = field(default_factory=list)
    errors: list[GiftError] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)


class _Text:
    """A run of GIFT text after escapes: each character knows whether it was escaped
    (so it is never a control character) and on which line it stood."""

    def __init__(self, chars: list[str], literal: list[bool], lines: list[int]) -> None:
        self.chars = chars
        self.literal = literal
        self.lines = lines

    @classmethod
    def read(cls, raw: str, lines: list[int]) -> _Text:
        chars: list[str] = []
        literal: list[bool] = []
        at: list[int] = []
        i = 0
        while i < len(raw):
            c = raw[i]
            if c == "\\" and i + 1 < len(raw):
                nxt = raw[i + 1]
                if nxt in CONTROL:
                    chars.append(nxt)
                elif nxt == "n":
                    chars.append("\n")
                elif nxt == "\\":
                    chars.append("\\")
                else:
                    chars.append("\\")
                    literal.append(True)
                    at.append(lines[i])
                    i += 1
                    continue
                literal.append(True)
                at.append(lines[i])
                i += 2
                continue
            chars.append(c)
            literal.append(c == "\\")
            at.append(lines[i])
            i += 1
        return cls(chars, literal, at)

    def __len__(self) -> int:
        return len(self.chars)

    def sub(self, start: int, end: int | None = None) -> _Text:
        return _Text(self.chars[start:end], self.literal[start:end], self.lines[start:end])

    def string(self) -> str:
        return "".join(self.chars)

    def line_at(self, i: int, default: int = 0) -> int:
        if not self.lines:
            return default
        return self.lines[min(max(i, 0), len(self.lines) - 1)]

    def is_control(self, i: int, char: str) -> bool:
        return self.chars[i] == char and not self.literal[i]

    def find(self, token: str, start: int = 0) -> int:
        """Index of the first unescaped ``token`` at or after ``start``, or -1."""
        n = len(token)
        for i in range(start, len(self.chars) - n + 1):
            if all(self.is_control(i + k, token[k]) for k in range(n)):
                return i
        return -1

    def strip_start(self) -> _Text:
        i = 0
        while i < len(self.chars) and self.chars[i].isspace() and not self.literal[i]:
            i += 1
        return self.sub(i)

    def split_format(self, default: TextFormat) -> tuple[TextFormat, _Text]:
        """A leading ``[html]``-style prefix: the format it names and the rest."""
        text = self.strip_start()
        raw = text.string()
        match = re.match(r"\[(html|moodle|plain|markdown)\]", raw)
        if match and not any(text.literal[: match.end()]):
            return _FORMATS[match.group(1)], text.sub(match.end())
        return default, text


def _markup(text: _Text, default: TextFormat) -> Markup:
    fmt, rest = text.split_format(default)
    return Markup(rest.string().strip(), fmt)


@dataclass
class _Block:
    lines: list[tuple[int, str]]
    ids: list[str]
    tags: list[str]

    @property
    def first_line(self) -> int:
        return self.lines[0][0]


def _depth_change(line: str, depth: int) -> int:
    i = 0
    while i < len(line):
        if line[i] == "\\":
            i += 2
            continue
        if line[i] == "{":
            depth += 1
        elif line[i] == "}":
            depth = max(0, depth - 1)
        i += 1
    return depth


def _blocks(source: str) -> list[_Block]:
    """Split the file at blank lines outside answer blocks; comment lines go, but the
    ``[id:…]`` and ``[tag:…]`` they hold go to the next question."""
    blocks: list[_Block] = []
    current: list[tuple[int, str]] = []
    ids: list[str] = []
    tags: list[str] = []
    depth = 0
    for number, line in enumerate(source.split("\n"), start=1):
        stripped = line.strip()
        if stripped.startswith("//"):
            for kind, value in _META.findall(stripped):
                (ids if kind == "id" else tags).append(value.strip())
            continue
        if not stripped and depth == 0:
            if current:
                blocks.append(_Block(current, ids, tags))
                current, ids, tags = [], [], []
            continue
        current.append((number, line))
        depth = _depth_change(line, depth)
    if current:
        blocks.append(_Block(current, ids, tags))
    return blocks


def parse(source: str) -> GiftFile:
    """Read a GIFT file: questions in order, categories applied, every error collected."""
    result = GiftFile()
    source = source.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    category = ""
    blocks = _blocks(source)
    count = sum(1 for b in blocks if any("{" in line for _, line in b.lines))
    if count > MAX_QUESTIONS:
        result.errors.append(GiftError(1, too_many_questions(count)))
        return result
    for block in blocks:
        first = block.lines[0][1].strip()
        if first.startswith("$CATEGORY:"):
            category = first[len("$CATEGORY:") :].strip()
            result.categories.append(category)
            block.lines = block.lines[1:]  # a question may follow on the next line
            if not block.lines:
                continue
        raw = "\n".join(line for _, line in block.lines)
        positions: list[int] = []
        for number, line in block.lines:
            positions.extend([number] * (len(line) + 1))
        text = _Text.read(raw, positions)
        before = len(result.errors)
        question = _question(text, block.first_line, result.errors)
        if question is None or len(result.errors) > before:
            continue
        question.category = category
        question.tags = list(block.tags)
        question.idnumber = block.ids[-1] if block.ids else ""
        result.questions.append(question)
    return result


def _question(text: _Text, line: int, errors: list[GiftError]) -> SourceQuestion | None:
    text = text.strip_start()
    title = ""
    if text.find("::") == 0:
        end = text.find("::", 2)
        if end < 0:
            errors.append(GiftError(line, "'::' opens a title that is never closed by '::'"))
            return None
        title = " ".join(text.sub(2, end).string().split())
        text = text.sub(end + 2)
    fmt, text = text.split_format(TextFormat.MOODLE)
    opening = text.find("{")
    if opening < 0:
        closing = text.find("}")
        if closing >= 0:
            errors.append(GiftError(text.line_at(closing, line), "'}' without an opening '{'"))
            return None
        return SourceQuestion(
            SourceKind.DESCRIPTION,
            line,
            Markup(text.string().strip(), fmt),
            title=title,
            source_type="description",
        )
    closing = text.find("}", opening + 1)
    nested = text.find("{", opening + 1)
    if closing < 0:
        errors.append(
            GiftError(
                text.line_at(opening, line),
                "'{' opens an answer block that is never closed; add '}' (or write \\{ "
                "for a literal brace)",
            )
        )
        return None
    if 0 <= nested < closing:
        errors.append(
            GiftError(
                text.line_at(nested, line),
                "'{' inside an answer block; write \\{ for a literal brace",
            )
        )
        return None
    after = text.sub(closing + 1)
    if after.find("{") >= 0 or after.find("}") >= 0:
        at = max(after.find("{"), after.find("}"))
        errors.append(
            GiftError(
                after.line_at(at, line),
                "a GIFT question has one answer block; write \\{ and \\} for literal braces. "
                "If this is the next question: questions are separated by a blank line, "
                "so put an empty line before it",
            )
        )
        return None
    stem = Markup(text.sub(0, opening).string().strip(), fmt)
    question = SourceQuestion(SourceKind.ESSAY, line, stem, title=title)
    tail = after.string().strip()
    if tail:
        question.after = Markup(after.string().rstrip(), fmt)
    _answers(text.sub(opening + 1, closing), question, fmt, errors)
    return question


def _general_feedback(block: _Text, fmt: TextFormat, question: SourceQuestion) -> _Text:
    at = block.find("####")
    if at < 0:
        return block
    question.general_feedback = _markup(block.sub(at + 4), fmt)
    return block.sub(0, at)


def _answers(block: _Text, q: SourceQuestion, fmt: TextFormat, errors: list[GiftError]) -> None:
    block = _general_feedback(block, fmt, q).strip_start()
    raw = block.string()
    if not raw.strip():
        q.kind = SourceKind.ESSAY
        q.source_type = "essay"
        return
    if block.is_control(0, "#"):
        q.kind = SourceKind.NUMERICAL
        q.source_type = "numerical"
        _numerical(block.sub(1), q, fmt, errors)
        return
    has_tilde = any(block.is_control(i, "~") for i in range(len(block)))
    has_equals = any(block.is_control(i, "=") for i in range(len(block)))
    if has_tilde:
        q.kind = SourceKind.MULTICHOICE
        q.source_type = "multichoice"
        q.single = has_equals  # Moodle: several answers allowed when none is marked "="
        q.answers = _choice_items(block, fmt, q, errors)
        return
    if has_equals and "->" in raw:
        q.kind = SourceKind.MATCHING
        q.source_type = "matching"
        _matching(block, q, fmt, errors)
        return
    feedback_at = block.find("#")
    head = (block.sub(0, feedback_at) if feedback_at >= 0 else block).string().strip()
    if head.upper() in _TRUE | _FALSE:
        q.kind = SourceKind.TRUEFALSE
        q.source_type = "truefalse"
        q.truth = head.upper() in _TRUE
        if feedback_at >= 0:
            rest = block.sub(feedback_at + 1)
            second = rest.find("#")
            first = rest.sub(0, second) if second >= 0 else rest
            q.wrong_feedback = _markup(first, fmt) or None
            if second >= 0:
                q.right_feedback = _markup(rest.sub(second + 1), fmt) or None
        return
    q.kind = SourceKind.SHORTANSWER
    q.source_type = "shortanswer"
    if not has_equals:
        # One answer written without '=' (GIFT allows it when it is not T/F).
        q.answers = [_answer_item(block, 1.0, fmt, q, errors)]
    else:
        q.answers = _choice_items(block, fmt, q, errors)


def _segments(block: _Text) -> list[tuple[str, _Text]]:
    """Split an answer block at unescaped ``=`` and ``~``: (marker, the answer after it)."""
    marks = [i for i in range(len(block)) if block.is_control(i, "=") or block.is_control(i, "~")]
    segments = []
    for n, start in enumerate(marks):
        end = marks[n + 1] if n + 1 < len(marks) else len(block)
        segments.append((block.chars[start], block.sub(start + 1, end)))
    return segments


def _leading_junk(block: _Text, q: SourceQuestion, errors: list[GiftError]) -> None:
    first = next(
        (i for i in range(len(block)) if block.is_control(i, "=") or block.is_control(i, "~")),
        len(block),
    )
    junk = block.sub(0, first).string().strip()
    if junk:
        errors.append(
            GiftError(
                block.line_at(0, q.line),
                f"text {junk[:40]!r} before the first answer; start each answer with = or ~",
            )
        )


def _choice_items(
    block: _Text, fmt: TextFormat, q: SourceQuestion, errors: list[GiftError]
) -> list[SourceAnswer]:
    _leading_junk(block, q, errors)
    return [
        _answer_item(body, 1.0 if mark == "=" else 0.0, fmt, q, errors)
        for mark, body in _segments(block)
    ]


def _weight(body: _Text, q: SourceQuestion, errors: list[GiftError]) -> tuple[float | None, _Text]:
    body = body.strip_start()
    if not body.chars or body.chars[0] != "%":
        return None, body
    end = body.string().find("%", 1)
    if end < 0:
        errors.append(GiftError(body.line_at(0, q.line), "'%' opens a weight never closed by '%'"))
        return None, body
    value = body.string()[1:end].strip()
    try:
        weight = float(value) / 100
    except ValueError:
        errors.append(GiftError(body.line_at(0, q.line), f"weight %{value}% is not a percentage"))
        return None, body.sub(end + 1)
    if not -1 <= weight <= 1:
        errors.append(
            GiftError(body.line_at(0, q.line), f"weight %{value}% is outside -100% to 100%")
        )
    return weight, body.sub(end + 1)


def _answer_item(
    body: _Text, default: float, fmt: TextFormat, q: SourceQuestion, errors: list[GiftError]
) -> SourceAnswer:
    weight, body = _weight(body, q, errors)
    hash_at = body.find("#")
    text = body.sub(0, hash_at) if hash_at >= 0 else body
    feedback = _markup(body.sub(hash_at + 1), fmt) if hash_at >= 0 else None
    answer = _markup(text, fmt)
    if not answer.text:
        errors.append(GiftError(body.line_at(0, q.line), "an answer is empty"))
    return SourceAnswer(answer, default if weight is None else weight, feedback or None)


def _matching(block: _Text, q: SourceQuestion, fmt: TextFormat, errors: list[GiftError]) -> None:
    _leading_junk(block, q, errors)
    for _, body in _segments(block):
        raw = body.string()
        arrow = raw.find("->")
        if arrow < 0:
            errors.append(
                GiftError(body.line_at(0, q.line), "a matching pair needs 'left -> right'")
            )
            continue
        left = _markup(body.sub(0, arrow), fmt)
        right = " ".join(body.sub(arrow + 2).string().split())
        if not right:
            errors.append(
                GiftError(body.line_at(arrow, q.line), "a matching pair has no right side")
            )
            continue
        q.pairs.append((left, right))
    if len([p for p in q.pairs if p[0]]) < 2:
        errors.append(GiftError(q.line, "a matching question needs at least two pairs"))


def _number_item(
    body: _Text, weight: float, fmt: TextFormat, q: SourceQuestion, errors: list[GiftError]
) -> NumericAnswer | None:
    hash_at = body.find("#")
    value = (body.sub(0, hash_at) if hash_at >= 0 else body).string()
    feedback = (_markup(body.sub(hash_at + 1), fmt) or None) if hash_at >= 0 else None
    if not value.strip() or value.strip() == "*":
        return NumericAnswer(weight, None, feedback=feedback)
    if match := _RANGE.match(value):
        low, high = float(match.group(1)), float(match.group(2))
        if low > high:
            errors.append(
                GiftError(body.line_at(0, q.line), f"range {value.strip()}: low is above high")
            )
        return NumericAnswer(weight, (low + high) / 2, low=low, high=high, feedback=feedback)
    if match := _TOLERANCE.match(value):
        tolerance = abs(float(match.group(2))) if match.group(2) else 0.0
        return NumericAnswer(weight, float(match.group(1)), tolerance, feedback=feedback)
    errors.append(
        GiftError(
            body.line_at(0, q.line),
            f"{value.strip()!r} is not a number, 'number:tolerance' or 'low..high'",
        )
    )
    return None


def _numerical(block: _Text, q: SourceQuestion, fmt: TextFormat, errors: list[GiftError]) -> None:
    if not any(block.is_control(i, c) for i in range(len(block)) for c in "=~"):
        item = _number_item(block, 1.0, fmt, q, errors)
        if item is not None:
            q.numbers.append(item)
        return
    _leading_junk(block, q, errors)
    for mark, body in _segments(block):
        weight, body = _weight(body, q, errors)
        item = _number_item(
            body, (1.0 if mark == "=" else 0.0) if weight is None else weight, fmt, q, errors
        )
        if item is not None:
            q.numbers.append(item)
    if not q.numbers:
        errors.append(GiftError(q.line, "a numerical question needs an answer"))
