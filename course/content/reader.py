"""Reads YAML nodes by field kind, collecting every problem with its position."""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any
from urllib.parse import urlsplit

from course.content.diagnostics import Diagnostic
from course.content.model import FeedbackMode, PartialDate, QuestionType
from course.content.numbers import read_number
from course.content.schema import Field, Kind
from course.content.yamlsafe import Node

ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,99}")
_BOOLS = {"true": True, "false": False}
_YAML11_BOOLS = {"yes", "no", "on", "off", "y", "n"}
_PERCENT = re.compile(r"(-?\d+(?:\.\d+)?)\s*%")
_NUMBER = re.compile(r"[-+]?(?:\d+(?:_\d+)*)?(?:\.\d+)?(?:[eE][-+]?\d+)?")
_INTEGER = re.compile(r"[-+]?\d+")
_DIGIT = re.compile(r"\d")
# Whitespace and control characters: browsers drop some of them inside a scheme
# ("java\tscript:"), so an address holding any is refused outright.
_URL_UNSAFE = re.compile(r"[\s\x00-\x1f\x7f-\x9f]")
_WEB_SCHEMES = frozenset({"http", "https"})

_FEEDBACK_MODES = frozenset(m.value for m in FeedbackMode)
_QUESTION_TYPES = frozenset(t.value for t in QuestionType)


class Invalid(Exception):
    """Raised inside a conversion; the reader records it and moves on.

    ``at`` is the node the problem is in, when it is a part of the value being read
    (one entry of a mapping): the problem is reported there, not at the value's start.
    """

    def __init__(self, message: str, at: Node | None = None) -> None:
        super().__init__(message)
        self.at = at


class Reader:
    """Converts nodes of one file, collecting :class:`Diagnostic` problems."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[Diagnostic] = []

    def error(self, node: Node, message: str) -> None:
        self.problems.append(Diagnostic(self.path, node.line, node.col, message))

    def mapping(
        self, node: Node, fields: tuple[Field, ...], what: str
    ) -> dict[str, tuple[Node, Any]] | None:
        """Read a mapping's known keys; report unknown and missing ones."""
        if node.kind != "map":
            self.error(node, f"{what} must be a mapping of key: value")
            return None
        by_name, required = _table(fields)
        result: dict[str, tuple[Node, Any]] = {}
        for key, value in node.pairs:
            name = key.value
            spec = by_name.get(name)
            if spec is None:
                self.error(key, unknown_key_message(name, list(by_name), what))
                continue
            try:
                result[name] = (value, _CONVERTERS[spec.kind](value, name))
            except Invalid as exc:
                self.error(exc.at or value, str(exc))
        if required:
            present = {k.value for k, _ in node.pairs}
            for name in required:
                if name not in present:
                    self.error(node, f"{what} is missing required key '{name}'")
        return result


# Field tables by identity: the same few tuples are read some ten thousand times in a
# big root. The tuple is kept in the entry, so its id cannot be reused by another.
_TABLES: dict[int, tuple[tuple[Field, ...], dict[str, Field], tuple[str, ...]]] = {}


def _table(fields: tuple[Field, ...]) -> tuple[dict[str, Field], tuple[str, ...]]:
    """The fields by name, and the names of the required ones (in order)."""
    entry = _TABLES.get(id(fields))
    if entry is None or entry[0] is not fields:
        if len(_TABLES) > 256:  # tuples built on the fly: do not grow without bound
            _TABLES.clear()
        entry = (fields, {f.name: f for f in fields}, tuple(f.name for f in fields if f.required))
        _TABLES[id(fields)] = entry
    return entry[1], entry[2]


def default_id_problem(path: str, values: dict[str, Any], default_id: str) -> Diagnostic | None:
    """When a file has no ``id:`` its name is the id, and must then be a slug too."""
    if "id" in values or ID_PATTERN.fullmatch(default_id):
        return None
    return Diagnostic(
        path,
        1,
        1,
        f"the file name {default_id!r} is used as the id but is not a slug (letters, "
        "digits, - and _); rename the file or set 'id:'",
    )


MERGE_KEY_MESSAGE = (
    "YAML merge keys ('<<: *name') are not supported: write the keys out in each mapping "
    "(an anchor and alias, &name and *name, can still repeat a whole value)"
)


def unknown_key_message(key: str, known: list[str], what: str) -> str:
    if key == "<<":
        return MERGE_KEY_MESSAGE
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    hint = f"; did you mean '{close[0]}'?" if close else f"; known keys: {', '.join(known)}"
    return f"unknown key '{key}' in {what}{hint}"


def scalar_text(node: Node, name: str) -> str:
    if node.kind != "scalar":
        raise Invalid(f"'{name}' must be text, not a {'list' if node.kind == 'seq' else 'mapping'}")
    if node.is_null:
        raise Invalid(f"'{name}' is empty; write a value or remove the key")
    return node.value


def parse_bool(node: Node, name: str) -> bool:
    text = scalar_text(node, name)
    if node.plain and text.lower() in _BOOLS:
        return _BOOLS[text.lower()]
    if text.lower() in _BOOLS:  # "true" in quotes: YAML reads it as text
        raise Invalid(
            f"'{name}' is the quoted text {text!r}; write {text.lower()} without quotes "
            "(a quoted value is text, not true or false)"
        )
    if text.lower() in _YAML11_BOOLS:
        raise Invalid(
            f"'{name}' is {text!r}; write true or false (YAML 1.1 yes/no/on/off is "
            "not read as a boolean)"
        )
    raise Invalid(f"'{name}' must be true or false, not {text!r}")


def parse_number(text: str, name: str) -> float:
    cleaned = text.strip()
    # _NUMBER admits no other digit-like character than \d, so this is "any digit".
    if not _NUMBER.fullmatch(cleaned) or not _DIGIT.search(cleaned):
        raise Invalid(f"'{name}' must be a number, not {text!r}")
    try:
        value = float(cleaned.replace("_", ""))
    except ValueError:  # an exponent without a mantissa: "e5"
        raise Invalid(f"'{name}' must be a number, not {text!r}") from None
    if not math.isfinite(value):
        raise Invalid(f"'{name}' must be a finite number")
    return value


# The unit of the number question being read (set around its keys' conversion), so its
# numbers may be written with it, as learners may type them: "40%" where the unit is %.
NUMBER_UNIT: ContextVar[str | None] = ContextVar("course_number_unit", default=None)


def author_number(text: str, name: str) -> float:
    """A quiz's number as its author wrote it: YAML digits, or as a learner would type it.

    ``"500,000"`` and ``"20 million"`` are read by the learners' number reader
    (contract v1.1), with the question's unit (``NUMBER_UNIT``) as learners may write
    it; anything it reads only approximately or ambiguously is refused, never turned
    silently into another value.
    """
    cleaned = text.strip()
    if _NUMBER.fullmatch(cleaned) and _DIGIT.search(cleaned):
        return parse_number(cleaned, name)
    reading = read_number(cleaned, NUMBER_UNIT.get())
    if reading is None:
        raise Invalid(
            f"'{name}' must be a number, not {text!r} (write e.g. 20000000, \"20,000,000\" "
            'or "20 million")'
        )
    if reading.advice is not None:
        raise Invalid(f"'{name}' {text!r} cannot be read exactly: {reading.advice}")
    if reading.hedged:
        raise Invalid(
            f"'{name}' {text!r} is approximate; write the exact number and give the "
            "leeway with 'tolerance' or 'range'"
        )
    if reading.grouped is not None:
        raise Invalid(
            f"'{name}' {text!r} could be {reading.value:,.10g} or {reading.grouped:,.10g}; "
            f'write "{reading.value:,.10g}" or "{reading.grouped:,.10g}"'
        )
    if not math.isfinite(reading.value):
        raise Invalid(f"'{name}' must be a finite number")
    return reading.value


def _fraction(node: Node, name: str, allow_percent: bool = True) -> float:
    text = scalar_text(node, name)
    percent = _PERCENT.fullmatch(text.strip()) if allow_percent else None
    value = float(percent.group(1)) / 100 if percent else parse_number(text, name)
    if not 0 <= value <= 1:
        raise Invalid(f"'{name}' must be between 0 and 1 (or 0%–100%), not {text!r}")
    return value


# Example scores are a handful of texts ("1", "0", "0.5") written tens of thousands of
# times in a big root: each text is read once. Only values read without a problem are
# kept, and they do not depend on the key's name.
_SIMILARITIES: dict[str, float] = {}


def _similarity(node: Node, name: str) -> float:
    if node.kind == "scalar" and not node.is_null:
        known = _SIMILARITIES.get(node.value)
        if known is not None:
            return known
    value = _fraction(node, name, allow_percent=False)
    if len(_SIMILARITIES) < 1024:
        _SIMILARITIES[node.value] = value
    return value


def _at(node: Node, name: str) -> str:
    """:func:`scalar_text` of one item of a list or mapping, its problem reported there."""
    try:
        return scalar_text(node, name)
    except Invalid as exc:
        raise Invalid(str(exc), node) from None


def _text_list(node: Node, name: str) -> list[str]:
    if node.kind != "seq":
        raise Invalid(f"'{name}' must be a list, e.g. [a, b]")
    values = [_at(item, f"{name} item") for item in node.items]
    seen: dict[str, int] = {}
    for item, value in zip(node.items, values, strict=True):
        if value in seen:
            raise Invalid(f"'{name}' lists {value!r} twice (first at line {seen[value]})", item)
        seen[value] = item.line
    return values


def _date(node: Node, name: str) -> str:
    text = scalar_text(node, name)
    try:
        date = PartialDate.from_iso(text)
    except ValueError as exc:
        raise Invalid(f"'{name}' must be a date like 1945-08-09, 1945-08 or 1945: {exc}") from exc
    if date.month is not None and not 1 <= date.month <= 12:
        raise Invalid(f"'{name}' has month {date.month}; months are 01–12")
    if date.day is not None:
        import calendar

        last = calendar.monthrange(date.year, date.month or 1)[1]
        if not 1 <= date.day <= last:
            raise Invalid(f"'{name}' has day {date.day}; that month has {last} days")
    return str(date)


def plain_data(node: Node) -> Any:
    """A node as plain data: texts stay texts, unquoted true/false become booleans."""
    if node.kind == "map":
        return {k.value: plain_data(v) for k, v in node.pairs}
    if node.kind == "seq":
        return [plain_data(i) for i in node.items]
    if node.plain and node.value.lower() in _BOOLS:
        return _BOOLS[node.value.lower()]
    if node.is_null:
        return None
    return node.value


def _id(node: Node, name: str) -> str:
    text = scalar_text(node, name)
    if not ID_PATTERN.fullmatch(text):
        raise Invalid(
            f"'{name}' {text!r} is not a slug: use letters, digits, - and _ "
            "(at most 100, starting with a letter or digit)"
        )
    return text


def _positive_number(node: Node, name: str) -> float:
    value = parse_number(scalar_text(node, name), name)
    if value <= 0:
        raise Invalid(f"'{name}' must be greater than 0")
    return value


def _integer(node: Node, name: str, least: int) -> int:
    """A whole number of at least ``least``; the message says which rule it breaks."""
    text = scalar_text(node, name)
    if not _INTEGER.fullmatch(text.strip()):
        raise Invalid(f"'{name}' must be a whole number ({least} or more), not {text!r}")
    value = int(text)
    if value < least:
        rule = "0 or more" if least == 0 else f"at least {least}"
        raise Invalid(f"'{name}' must be {rule}, not {text.strip()}")
    return value


def _whole(node: Node, name: str) -> int:
    return _integer(node, name, 0)


def _count(node: Node, name: str) -> int:
    return _integer(node, name, 1)


def _tolerance(node: Node, name: str) -> dict[str, Any]:
    text = scalar_text(node, name)
    percent = _PERCENT.fullmatch(text.strip())
    value = float(percent.group(1)) if percent else author_number(text, name)
    if value < 0:
        raise Invalid(f"'{name}' must not be negative")
    return {"value": value, "relative": bool(percent)}


def _range(node: Node, name: str) -> list[float]:
    if node.kind != "seq" or len(node.items) != 2:
        raise Invalid(f"'{name}' must be a list of two numbers: [min, max]")
    low, high = (author_number(scalar_text(i, name), name) for i in node.items)
    if low > high:
        raise Invalid(f"'{name}' minimum {low:g} is above its maximum {high:g}")
    return [low, high]


def _text_or_list(node: Node, name: str) -> list[str]:
    if node.kind == "seq":
        return _text_list(node, name)
    return [scalar_text(node, name)]


def _date_list(node: Node, name: str) -> list[str]:
    if node.kind != "seq":
        raise Invalid(f"'{name}' must be a list of dates, e.g. [1945-08-08]")
    return [_date(i, name) for i in node.items]


def _text_map(node: Node, name: str) -> dict[str, str]:
    if node.kind != "map":
        raise Invalid(f"'{name}' must be a mapping of text: text")
    return {k.value: _at(v, f"{name}.{k.value}") for k, v in node.pairs}


def _url(node: Node, name: str) -> str:
    """An absolute http(s) address: it becomes a link's href on the lesson page, where
    any other scheme (``javascript:``, ``data:``) would run or show the author's text
    as a page, and a relative one would point into this site."""
    text = scalar_text(node, name)
    parts = urlsplit(text) if not _URL_UNSAFE.search(text) else None
    if parts is not None and parts.scheme.lower() in _WEB_SCHEMES and parts.hostname:
        return text
    bare = text.removeprefix("//")
    if parts is not None and not parts.scheme and "." in bare.split("/", 1)[0]:
        fix = f"https://{bare}"  # a site's address without its scheme
    else:
        fix = "https://example.org/article"
    raise Invalid(
        f"'{name}' must be an absolute http:// or https:// address, not {text!r}; write e.g. {fix}"
    )


def _structured_source(node: Node, name: str) -> Node:
    if node.kind != "map":
        raise Invalid(f"'{name}' must be a mapping of title, publisher, url, author, date")
    return node  # its keys are read by the lesson reader, each at its own position


def _feedback_mode(node: Node, name: str) -> str:
    text = scalar_text(node, name)
    if text not in _FEEDBACK_MODES:
        raise Invalid(f"'{name}' must be 'immediate' or 'end', not {text!r}")
    return text


def _question_type(node: Node, name: str) -> str:
    text = scalar_text(node, name)
    if text not in _QUESTION_TYPES:
        close = difflib.get_close_matches(text, [t.value for t in QuestionType], n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise Invalid(
            f"unknown question type {text!r}{hint} (known: "
            f"{', '.join(t.value for t in QuestionType)})"
        )
    return text


def _structured(node: Node, name: str) -> Node:
    return node  # read by the quiz reader, which knows the context


# One reader per kind, looked up once per key: reading a big root converts some
# hundred thousand values, and a chain of comparisons per value was a tenth of it.
_CONVERTERS: dict[Kind, Callable[[Node, str], Any]] = {
    Kind.ID: _id,
    Kind.TEXT: scalar_text,
    Kind.MARKDOWN: scalar_text,
    Kind.BOOL: parse_bool,
    Kind.NUMBER: lambda node, name: author_number(scalar_text(node, name), name),
    Kind.POSITIVE_NUMBER: _positive_number,
    Kind.COUNT: _count,
    Kind.NON_NEGATIVE_INT: _whole,
    Kind.FRACTION: _fraction,
    Kind.SIMILARITY: _similarity,
    Kind.TOLERANCE: _tolerance,
    Kind.RANGE: _range,
    Kind.TEXT_OR_LIST: _text_or_list,
    Kind.TEXT_LIST: _text_list,
    Kind.DATE: _date,
    Kind.DATE_LIST: _date_list,
    Kind.TEXT_MAP: _text_map,
    Kind.URL: _url,
    Kind.SOURCE: _structured_source,
    Kind.FEEDBACK_MODE: _feedback_mode,
    Kind.QUESTION_TYPE: _question_type,
    Kind.CHOICES: _structured,
    Kind.EXAMPLES: _structured,
    Kind.QUESTIONS: _structured,
    Kind.WRONG: _structured,
}
assert set(_CONVERTERS) == set(Kind), "every kind has a reader"


def convert(node: Node, kind: Kind, name: str) -> Any:
    """Convert ``node`` by ``kind``; raises :class:`Invalid` with a fix-it message."""
    return _CONVERTERS[kind](node, name)
