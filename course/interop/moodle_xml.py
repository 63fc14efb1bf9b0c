"""Moodle XML: a safe reader and a writer.

The reader refuses DTDs and entity declarations outright (no XXE, no "billion laughs"),
never touches the network, and limits the file size. Questions Moodle itself would
refuse on import (a cloze with no blanks, a multiple-choice blank without choices or
with one choice, no fully correct answer, a fraction that is not one of Moodle's
grades, a numerical answer that is not a number) are read with the reason in
``problems``, so the converter reports them instead of importing them.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from course.interop.source import (
    MAX_QUESTIONS,
    Markup,
    NumericAnswer,
    SourceAnswer,
    SourceBlank,
    SourceKind,
    SourceQuestion,
    TextFormat,
    too_many_questions,
)

MAX_BYTES = 20 * 1024 * 1024
MEDIA_TYPES = {
    b"\x89PNG\r\n\x1a\n": ".png",
    b"\xff\xd8\xff": ".jpg",
    b"GIF87a": ".gif",
    b"GIF89a": ".gif",
}

# Moodle's grade options (question_bank::fraction_options_full), as fractions.
_GRADES = [
    1.0,
    0.9,
    0.8333333,
    0.8,
    0.75,
    0.7,
    0.6666667,
    0.6,
    0.5,
    0.4,
    0.3333333,
    0.3,
    0.25,
    0.2,
    0.1666667,
    0.1428571,
    0.125,
    0.1111111,
    0.1,
    0.05,
    0.0,
]
VALID_FRACTIONS = sorted({*_GRADES, *(-g for g in _GRADES)})

_FORMATS = {
    "html": TextFormat.HTML,
    "moodle_auto_format": TextFormat.MOODLE,
    "plain_text": TextFormat.PLAIN,
    "markdown": TextFormat.MARKDOWN,
}
_KINDS = {
    "multichoice": SourceKind.MULTICHOICE,
    "truefalse": SourceKind.TRUEFALSE,
    "shortanswer": SourceKind.SHORTANSWER,
    "numerical": SourceKind.NUMERICAL,
    "matching": SourceKind.MATCHING,
    "cloze": SourceKind.CLOZE,
    "multianswer": SourceKind.CLOZE,
    "essay": SourceKind.ESSAY,
    "description": SourceKind.DESCRIPTION,
}


class MoodleXmlError(Exception):
    """The file cannot be read at all (not XML, a DTD, too large); ``line: message``."""


@dataclass
class MoodleFile:
    questions: list[SourceQuestion] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)


def _safe_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_blank_text=False,
    )


def parse(data: bytes) -> MoodleFile:
    """Read a Moodle XML export.

    Raises:
        MoodleXmlError: not well-formed, holds a DTD or entity declarations, or too big.
    """
    if len(data) > MAX_BYTES:
        raise MoodleXmlError(f"1: the file is {len(data):,} bytes; the limit is {MAX_BYTES:,}")
    if re.search(rb"<!DOCTYPE|<!ENTITY", data, re.IGNORECASE):
        raise MoodleXmlError(
            "1: DOCTYPE and ENTITY declarations are refused (they can read files or expand "
            "without limit); Moodle's exports never contain them"
        )
    try:
        root = etree.fromstring(data, _safe_parser())
    except etree.XMLSyntaxError as exc:
        line = exc.lineno or 1
        raise MoodleXmlError(f"{line}: not well-formed XML: {exc.msg}") from exc
    if root.tag != "quiz":
        raise MoodleXmlError(f"{root.sourceline}: the root element is <{root.tag}>, not <quiz>")
    count = sum(1 for e in root.iter("question") if e.get("type", "") != "category")
    if count > MAX_QUESTIONS:
        raise MoodleXmlError(f"1: {too_many_questions(count)}")
    result = MoodleFile()
    category = ""
    for element in root.iter("question"):
        qtype = element.get("type", "")
        if qtype == "category":
            category = _text(element.find("category"))
            result.categories.append(category)
            continue
        question = _question(element, qtype)
        question.category = category
        result.questions.append(question)
    return result


def _text(element: Any) -> str:
    if element is None:
        return ""
    text = element.find("text")
    return (text.text or "") if text is not None else (element.text or "")


def _markup(element: Any, question: SourceQuestion, default: str = "html") -> Markup:
    if element is None:
        return Markup("", TextFormat.HTML)
    fmt = _FORMATS.get(element.get("format", default), TextFormat.HTML)
    text = _text(element)
    for file in element.findall("file"):
        text = _media(file, text, question)
    return Markup(text.strip(), fmt)


def _media(file: Any, text: str, question: SourceQuestion) -> str:
    name = file.get("name", "")
    try:
        content = base64.b64decode(file.text or "", validate=False)
    except (binascii.Error, ValueError):
        question.extra.setdefault("media_notes", []).append(f"file {name!r} is not base64")
        return text
    suffix = next((s for magic, s in MEDIA_TYPES.items() if content.startswith(magic)), None)
    if suffix is None:
        question.extra.setdefault("media_notes", []).append(
            f"file {name!r} is not a PNG, JPEG or GIF image; not imported"
        )
        return text
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", name.rsplit(".", 1)[0]).strip("-")[:40] or "image"
    safe = f"{hashlib.sha256(content).hexdigest()[:10]}-{stem}{suffix}"
    question.media[safe] = content
    quoted = name.replace(" ", "%20")
    for ref in (name, quoted):
        text = text.replace(f"@@PLUGINFILE@@/{ref}", f"@@PLUGINFILE@@/{safe}")
    return text


def _float(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return float(value.strip())
    except ValueError:
        return None


def _fraction(answer: Any, question: SourceQuestion) -> float:
    raw = answer.get("fraction", "0")
    value = _float(raw)
    if value is None:
        question.problems.append(
            f"line {answer.sourceline}: fraction {raw!r} is not a number (Moodle refuses it)"
        )
        return 0.0
    fraction = value / 100
    if not any(abs(fraction - g) < 1e-5 for g in VALID_FRACTIONS):
        question.problems.append(
            f"line {answer.sourceline}: fraction {raw}% is not one of Moodle's grades "
            "(100, 90, 83.33333, 80, 75, 70, 66.66667, 60, 50, 40, 33.33333, …); Moodle "
            "refuses the question"
        )
    return fraction


def _answers(element: Any, question: SourceQuestion) -> list[SourceAnswer]:
    answers = []
    for answer in element.findall("answer"):
        fmt_name = answer.get("format", "moodle_auto_format")
        fmt = _FORMATS.get(fmt_name, TextFormat.MOODLE)
        text = _text(answer)
        for file in answer.findall("file"):
            text = _media(file, text, question)
        feedback = _markup(answer.find("feedback"), question)
        answers.append(
            SourceAnswer(Markup(text.strip(), fmt), _fraction(answer, question), feedback or None)
        )
    return answers


def _bool(element: Any, default: bool) -> bool:
    if element is None or element.text is None:
        return default
    return element.text.strip().lower() in ("1", "true", "yes")


def _question(element: Any, qtype: str) -> SourceQuestion:
    kind = _KINDS.get(qtype, SourceKind.OTHER)
    q = SourceQuestion(kind, element.sourceline or 0, Markup(""), source_type=qtype or "?")
    q.title = " ".join(_text(element.find("name")).split())
    q.stem = _markup(element.find("questiontext"), q)
    feedback = _markup(element.find("generalfeedback"), q)
    q.general_feedback = feedback or None
    idnumber = element.find("idnumber")
    q.idnumber = (idnumber.text or "").strip() if idnumber is not None else ""
    q.tags = [t for t in (_text(tag).strip() for tag in element.iterfind("tags/tag")) if t]
    q.default_mark = _float(element.findtext("defaultgrade"))
    match kind:
        case SourceKind.MULTICHOICE:
            q.single = _bool(element.find("single"), True)
            q.answers = _answers(element, q)
            if not any(a.weight >= 0.9999 for a in q.answers) and q.single:
                q.problems.append("no choice is worth 100% (Moodle refuses it)")
        case SourceKind.TRUEFALSE:
            _true_false(element, q)
        case SourceKind.SHORTANSWER:
            q.case_sensitive = _bool(element.find("usecase"), False)
            q.answers = _answers(element, q)
        case SourceKind.NUMERICAL:
            _numerical(element, q)
        case SourceKind.MATCHING:
            for sub in element.findall("subquestion"):
                q.pairs.append((_markup(sub, q), " ".join(_text(sub.find("answer")).split())))
        case SourceKind.CLOZE:
            _cloze(q)
        case _:
            pass
    return q


def _true_false(element: Any, q: SourceQuestion) -> None:
    for answer in element.findall("answer"):
        value = _text(answer).strip().lower()
        fraction = _fraction(answer, q)
        feedback = _markup(answer.find("feedback"), q) or None
        if value == "true":
            q.truth = fraction >= 0.9999
        if value in ("true", "false"):
            if fraction >= 0.9999:  # the answer worth 100% is the right one
                q.right_feedback = feedback
            else:
                q.wrong_feedback = feedback


def _numerical(element: Any, q: SourceQuestion) -> None:
    for answer in element.findall("answer"):
        fraction = _fraction(answer, q)
        text = _text(answer).strip()
        feedback = _markup(answer.find("feedback"), q) or None
        if text == "*":
            q.numbers.append(NumericAnswer(fraction, None, feedback=feedback))
            continue
        value = _float(text)
        if value is None:
            q.problems.append(f"line {answer.sourceline}: {text!r} is not a number")
            continue
        tolerance = abs(_float(answer.findtext("tolerance")) or 0.0)
        q.numbers.append(NumericAnswer(fraction, value, tolerance, feedback=feedback))
    if element.find("units/unit") is not None:
        q.extra["units"] = True


# ---------------------------------------------------------------- cloze (multianswer)

_BLANK = re.compile(r"\{(\d*):([A-Z_]+):((?:\\.|[^}\\])*)\}|\{(\d*):([A-Z_]+)\}")
_SHORT = {"SHORTANSWER", "SA", "MW"}
_SHORT_CASE = {"SHORTANSWER_C", "SAC", "MWC"}
_NUMERIC = {"NUMERICAL", "NM"}
_CHOICE = {
    "MULTICHOICE",
    "MC",
    "MULTICHOICE_V",
    "MCV",
    "MULTICHOICE_H",
    "MCH",
    "MULTICHOICE_S",
    "MCS",
    "MULTICHOICE_VS",
    "MCVS",
    "MULTICHOICE_HS",
    "MCHS",
    "MULTIRESPONSE",
    "MR",
    "MULTIRESPONSE_H",
    "MRH",
    "MULTIRESPONSE_S",
    "MRS",
    "MULTIRESPONSE_HS",
    "MRHS",
}


def _split_unescaped(text: str, sep: str) -> list[str]:
    parts, current, i = [], "", 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            current += text[i : i + 2]
            i += 2
            continue
        if text[i] == sep:
            parts.append(current)
            current = ""
        else:
            current += text[i]
        i += 1
    parts.append(current)
    return parts


def _unescape(text: str) -> str:
    """Cloze escapes resolved, but '\\*' kept: in a short-answer blank it is the character
    '*', not a wildcard, which the conversion reads (Moodle's rule)."""
    return re.sub(r"\\(.)", lambda m: m.group(0) if m.group(1) == "*" else m.group(1), text)


def _cloze(q: SourceQuestion) -> None:
    text = q.stem.text
    pieces: list[Markup] = []
    last = 0
    for n, match in enumerate(_BLANK.finditer(text), start=1):
        pieces.append(Markup(text[last : match.start()], q.stem.format))
        last = match.end()
        kind = match.group(2) or match.group(5)
        body = match.group(3) or ""
        blank = _blank(n, kind, body, q)
        if blank is not None:
            q.blanks.append(blank)
    pieces.append(Markup(text[last:], q.stem.format))
    q.cloze_pieces = pieces
    if not q.blanks and not q.problems:
        q.problems.append(
            "the text has no embedded answers ({1:SHORTANSWER:=…}); Moodle refuses it"
        )


def _blank(  # noqa: C901 - each of Moodle's refusals, then one branch per kind
    n: int, kind: str, body: str, q: SourceQuestion
) -> SourceBlank | None:
    answers: list[tuple[float, str, str]] = []
    for raw in _split_unescaped(body, "~") if body else []:
        weight = 0.0
        item = raw.strip()
        if item.startswith("="):
            weight, item = 1.0, item[1:]
        elif m := re.match(r"%(-?\d+(?:\.\d+)?)%", item):
            weight, item = float(m.group(1)) / 100, item[m.end() :]
        parts = _split_unescaped(item, "#")
        answers.append(
            (weight, _unescape(parts[0]).strip(), _unescape("#".join(parts[1:])).strip())
        )
    if kind in _CHOICE:
        if not answers:
            q.problems.append(f"blank {n} ({kind}) has no choices; Moodle refuses it")
            return None
        if len(answers) < 2:
            q.problems.append(f"blank {n} ({kind}) has only one choice; Moodle refuses it")
    elif not answers:
        q.problems.append(f"blank {n} ({kind}) has no answers; Moodle refuses it")
        return None
    if not any(w >= 0.9999 for w, _, _ in answers):
        q.problems.append(f"blank {n} ({kind}) has no answer worth 100%; Moodle refuses it")
    if kind in _NUMERIC:
        numbers = []
        for weight, value, feedback in answers:
            number, _, tol = value.partition(":")
            parsed = _float(number)
            if parsed is None and number.strip() != "*":
                q.problems.append(f"blank {n}: {value!r} is not a number; Moodle refuses it")
                continue
            fb = Markup(feedback) if feedback else None
            numbers.append(NumericAnswer(weight, parsed, abs(_float(tol) or 0.0), feedback=fb))
        return SourceBlank(SourceKind.NUMERICAL, numbers=tuple(numbers))
    items = tuple(
        SourceAnswer(Markup(text, TextFormat.HTML), weight, Markup(fb) if fb else None)
        for weight, text, fb in answers
    )
    if kind in _CHOICE:
        return SourceBlank(SourceKind.MULTICHOICE, answers=items)
    if kind in _SHORT | _SHORT_CASE:
        return SourceBlank(SourceKind.SHORTANSWER, items, case_sensitive=kind in _SHORT_CASE)
    q.problems.append(f"blank {n}: {kind!r} is not a Moodle embedded-answer type")
    return None
