"""Propose a quiz skeleton from a lesson's text, for the instructor to edit.

Sentences with dates, years, figures and names become date, number and cloze
questions, each with ``examples`` and tagged ``draft``. The caller checks the
examples with the real grader and keeps only the questions that pass, so the file
always validates.
"""

from __future__ import annotations

import calendar
import re
from typing import Any

from course.content.lessons import split_front_matter
from course.content.markdown import slugify

_MONTHS = "|".join(calendar.month_name[1:])
_FULL_DATE = re.compile(rf"\b(\d{{1,2}}) ({_MONTHS}) (\d{{4}})\b")
_MONTH_DATE = re.compile(rf"\b({_MONTHS}) (\d{{4}})\b")
_YEAR = re.compile(r"\b(1[0-9]{3}|20[0-9]{2})\b(?!\s*(?:–|-)\s*\d)")
_FIGURE = re.compile(
    r"\b(\d+(?:[.,]\d+)?)(?:\s+to\s+(\d+(?:[.,]\d+)?))?\s+(million|thousand|billion|percent)\b"
)
_ORDINAL = re.compile(r"\b(\d+)(?:st|nd|rd|th) (parallel|century|army|division)\b", re.IGNORECASE)
_NAME = re.compile(
    r"(?<![.!?]\s)(?<!^)\b([A-Z][a-z]+(?:[- ](?:[A-Z][a-z]+|of))*[- ][A-Z][a-z]+|[A-Z][a-z]{3,})\b"
)
_SCALE = {"million": 1_000_000, "thousand": 1_000, "billion": 1_000_000_000, "percent": 1}
_SKIP_NAMES = {
    "The",
    "This",
    "That",
    "When",
    "While",
    "Even",
    "Still",
    "Nobody",
    "Officially",
    "Japan's",
    "Before",
    "After",
    "Two",
    "Stalin's",
}


def _plain(markdown: str) -> list[tuple[str, str]]:
    """(section anchor, sentence) pairs from the lesson body."""
    section = ""
    result: list[tuple[str, str]] = []
    for block in re.split(r"\n\s*\n", markdown):
        block = block.strip()
        if not block or block.startswith(("|", "[^", "---", "![", "```")):
            continue
        heading = re.match(r"#{1,4}\s+(.*)", block)
        if heading:
            section = slugify(heading.group(1))
            continue
        text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", block)
        text = re.sub(r"\[\^[^\]]*\]|[*_`>]", "", " ".join(text.split()))
        for sentence in re.split(r"(?<=[.!?])\s+(?=[A-Z])", text):
            if 30 <= len(sentence) <= 300:
                result.append((section, sentence))
    return result


def _date_question(sentence: str) -> dict[str, Any] | None:
    full = _FULL_DATE.search(sentence)
    if full:
        day, month, year = full.groups()
        month_number = list(calendar.month_name).index(month)
        answer = f"{year}-{month_number:02d}-{int(day):02d}"
        return {
            "type": "date",
            "answer": answer,
            "partial": True,
            "prompt": "When did this happen? " + sentence.replace(full.group(0), "____"),
            "examples": {full.group(0): 1, f"{month} {year}": 0.5, str(int(year) - 1): 0},
        }
    month_date = _MONTH_DATE.search(sentence)
    if month_date:
        month, year = month_date.groups()
        month_number = list(calendar.month_name).index(month)
        return {
            "type": "date",
            "answer": f"{year}-{month_number:02d}",
            "partial": True,
            "prompt": "When? " + sentence.replace(month_date.group(0), "____"),
            "examples": {month_date.group(0): 1, year: 0.5, str(int(year) + 1): 0},
        }
    year_match = _YEAR.search(sentence)
    if year_match:
        year = year_match.group(1)
        return {
            "type": "date",
            "answer": year,
            "prompt": "In what year? " + sentence.replace(year, "____", 1),
            "examples": {year: 1, str(int(year) + 2): 0},
        }
    return None


def _number_question(sentence: str) -> dict[str, Any] | None:
    figure = _FIGURE.search(sentence)
    if figure:
        low_text, high_text, scale = figure.groups()
        low = float(low_text.replace(",", "")) * _SCALE[scale]
        high = float(high_text.replace(",", "")) * _SCALE[scale] if high_text else low
        question: dict[str, Any] = {
            "type": "number",
            "prompt": "How many? " + sentence.replace(figure.group(0), "____"),
            "examples": {f"{low:,.0f}": 1, f"{high * 3 + 7:,.0f}": 0},
        }
        if high != low:
            question["range"] = [low, high]
        else:
            question["answer"] = low
            question["tolerance"] = "5%"
        if scale == "percent":
            question["unit"] = "%"
        return question
    ordinal = _ORDINAL.search(sentence)
    if ordinal:
        number = int(ordinal.group(1))
        return {
            "type": "number",
            "answer": number,
            "prompt": "Which number? "
            + sentence.replace(ordinal.group(0), f"____ {ordinal.group(2)}"),
            "examples": {str(number): 1, str(number + 1): 0},
        }
    return None


def _cloze_question(sentence: str) -> dict[str, Any] | None:
    for match in _NAME.finditer(sentence):
        name = match.group(1)
        if name.split()[0] in _SKIP_NAMES or match.start() == 0:
            continue
        text = sentence[: match.start()] + f"[[{name}]]" + sentence[match.end() :]
        return {
            "type": "cloze",
            "prompt": "Fill in the name.",
            "text": text,
            "name": name,
            "examples": [{"response": [name], "score": 1}, {"response": ["Nobody"], "score": 0}],
        }
    return None


def draft_questions(lesson_markdown: str, limit: int = 20) -> list[dict[str, Any]]:
    """Question definitions proposed from a lesson (before example checking)."""
    _, body, _ = split_front_matter(lesson_markdown)
    questions: list[dict[str, Any]] = []
    used: set[str] = set()
    for section, sentence in _plain(body):
        for make in (_number_question, _date_question, _cloze_question):
            question = make(sentence)
            if question is None:
                continue
            key = question.pop("name", None) or question.get("answer") or str(question.get("range"))
            if str(key) in used:
                continue
            used.add(str(key))
            question["id"] = f"draft-{len(questions) + 1}"
            if section:
                question["section"] = section
            question["tags"] = ["draft"]
            questions.append(question)
            break
        if len(questions) >= limit:
            break
    return questions


def quiz_document(lesson_id: str, title: str, questions: list[dict[str, Any]]) -> dict[str, Any]:
    """The quiz file's data, keys in the order an author reads them."""
    ordered: list[dict[str, Any]] = []
    for q in questions:
        first: dict[str, Any] = {k: q[k] for k in ("id", "type", "prompt") if k in q}
        rest: dict[str, Any] = {k: v for k, v in q.items() if k not in first}
        ordered.append(first | rest)
    return {
        "id": f"{lesson_id}-draft",
        "title": f"{title} — draft quiz",
        "lesson": lesson_id,
        "feedback": "immediate",
        "review": True,
        "questions": ordered,
    }
