"""Propose quiz questions from a lesson's text, for the instructor to keep or drop.

Dates in every common English form (ranges too) become ``date`` questions at the
precision the text gives, with the rest of a range in ``accept``; quantities with their
unit become ``number`` questions with a tolerance that fits how the text states them;
people, places and operations become ``cloze`` questions that blank the whole name.
Only prose is read (see :mod:`course.content.facts`): never captions, tables, headings
or the sources. Each proposal carries ``examples`` and a one-line reason; the caller
checks the examples with the real grader and keeps only the questions that pass.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import yaml

from course.content.facts import DateFact, Quantity, Sentence, find_dates, lesson_sentences
from course.content.lessons import split_front_matter
from course.content.names import TITLE_MODIFIERS, TITLES, Name, NameKind, Vocabulary, find_names
from course.content.quantities import find_quantities

_BLANK = "____"
_MAX_ACCEPTED_DAYS = 31


@dataclass(frozen=True)
class Proposal:
    """One proposed question (without its id) and why it was proposed."""

    question: dict[str, Any]
    reason: str
    key: str  # the fact it asks; a fact is asked once


def _blank(sentence: str, span: tuple[int, int], replacement: str = _BLANK) -> str:
    return sentence[: span[0]] + replacement + sentence[span[1] :]


def _written(year: int, month: int | None = None, day: int | None = None) -> str:
    if day and month:
        return f"{day} {calendar.month_name[month]} {year}"
    if month:
        return f"{calendar.month_name[month]} {year}"
    return str(year)


def _iso(year: int, month: int | None = None, day: int | None = None) -> str:
    if day and month:
        return f"{year:04d}-{month:02d}-{day:02d}"
    if month:
        return f"{year:04d}-{month:02d}"
    return f"{year:04d}"


def _range_accept(fact: DateFact) -> tuple[list[str], str]:
    """Other dates of a range that are right too, and how the reason says so."""
    if fact.until is None:
        return [], ""
    end_year, end_month, end_day = fact.until
    if fact.day and fact.month and end_day and end_month:
        first = date(fact.year, fact.month, fact.day)
        last = date(end_year, end_month, end_day)
        days = (last - first).days
        if 0 < days <= _MAX_ACCEPTED_DAYS:
            following = [first + timedelta(n) for n in range(1, days + 1)]
            return [d.isoformat() for d in following], "any day of the range is accepted"
        return [last.isoformat()], "its first and its last day are accepted"
    if fact.month and end_month:
        months = range(fact.month + 1, end_month + 1) if end_year == fact.year else ()
        return [_iso(fact.year, m) for m in months], "any month of the range is accepted"
    years = range(fact.year + 1, end_year + 1)
    return [str(y) for y in years], "any year of the range is accepted"


def date_proposal(sentence: Sentence, fact: DateFact) -> Proposal:
    """A date question blanking ``fact`` in ``sentence``."""
    answer = _iso(fact.year, fact.month, fact.day)
    accept, range_note = _range_accept(fact)
    question: dict[str, Any] = {
        "type": "date",
        "prompt": f"When? {_blank(sentence.text, fact.span)}",
        "answer": answer,
    }
    if accept:
        question["accept"] = accept
    examples: dict[str, float] = {_written(fact.year, fact.month, fact.day): 1, answer: 1}
    if accept:
        examples[_written(*_parts(accept[-1]))] = 1
    if fact.precision > 1:
        question["partial"] = True
        coarser = _written(fact.year, fact.month if fact.day else None)
        examples[coarser] = 0.5
    examples[_written(fact.year - 3, fact.month, fact.day)] = 0
    question["examples"] = examples
    kind = {1: "year", 2: "month", 3: "day"}[fact.precision]
    notes = [f"a dated event, “{fact.text}”, asked to the {kind}"]
    if range_note:
        notes.append(range_note)
    if fact.inferred_year:
        notes.append(f"the year {fact.year} is taken from the text before it: check it")
    return Proposal(question, "; ".join(notes), f"date:{answer}:{accept}")


def _parts(iso: str) -> tuple[int, int | None, int | None]:
    year, *rest = (int(p) for p in iso.split("-"))
    month = rest[0] if rest else None
    day = rest[1] if len(rest) > 1 else None
    return year, month, day


def _number(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:,}"


def _plain_number(value: float) -> int | float:
    return int(value) if value == int(value) else value


def _round(value: float) -> bool:
    return value >= 100 and value % 100 == 0


def number_proposal(sentence: Sentence, quantity: Quantity) -> Proposal:
    """A number question blanking the figure of ``quantity`` (its unit stays shown)."""
    blank_span = quantity.figure
    prompt_unit = "percent" if quantity.unit == "%" else quantity.unit
    question: dict[str, Any] = {
        "type": "number",
        "prompt": f"How many {prompt_unit}? {_blank(sentence.text, blank_span)}",
    }
    value = quantity.value
    wrong = (quantity.high or value) * 3 + 7
    if quantity.high is not None:
        question["range"] = [_plain_number(value), _plain_number(quantity.high)]
        examples = {_number(value): 1, _number(quantity.high): 1, _number(wrong): 0}
        how = "a range: any figure within it is right"
    else:
        question["answer"] = _plain_number(value)
        if quantity.hedged or _round(value):
            question["tolerance"] = "10%"
            how = "stated roughly, so within 10 % is right"
        else:
            how = "an exact figure"
        examples = {_number(value): 1, _number(wrong): 0}
    question["unit"] = quantity.unit
    question["examples"] = examples
    reason = f"a quantity with its unit, “{quantity.text}”: {how}"
    return Proposal(question, reason, f"number:{value}:{quantity.unit}")


def name_proposal(sentence: Sentence, name: Name, wrong: str) -> Proposal:
    """A cloze blanking the whole name (its short form is accepted too)."""
    answers = "|".join((name.text, *name.alternatives))
    what = {NameKind.PERSON: "person", NameKind.OPERATION: "operation"}.get(name.kind, "name")
    question: dict[str, Any] = {
        "type": "cloze",
        "prompt": f"Fill in the {what}.",
        "text": _blank(sentence.text, name.span, f"[[{answers}]]"),
        "examples": [
            {"response": [name.text], "score": 1},
            *({"response": [alt], "score": 1} for alt in name.alternatives),
            {"response": [wrong], "score": 0},
        ],
    }
    short = f" (“{name.alternatives[0]}” is accepted too)" if name.alternatives else ""
    article = "an" if what[0] in "aeiou" else "a"
    reason = f"{article} {what}: “{name.text}”{short}"
    return Proposal(question, reason, f"name:{name.text.lower()}")


def who_proposal(sentence: Sentence, name: Name, wrong: str) -> Proposal | None:
    """ "Who …?" when the sentence opens with the person (after a rank or title)."""
    before = sentence.text[: name.span[0]].split()
    rest = sentence.text[name.span[1] :]
    if name.kind is not NameKind.PERSON or not re.match(r" [a-z]", rest):
        return None
    if any(word.lower().rstrip(",") not in TITLES | TITLE_MODIFIERS for word in before):
        return None
    question: dict[str, Any] = {
        "type": "text",
        "prompt": f"Who{rest.rstrip(' .!')}?",
        "answer": [name.text, *name.alternatives],
        "examples": {name.text: 1, **dict.fromkeys(name.alternatives, 1), wrong: 0},
    }
    return Proposal(
        question, f"a person: “{name.text}”, the one who acts", f"name:{name.text.lower()}"
    )


def _distractor(name: Name, names: list[Name]) -> str:
    """Another name of the lesson, of the same kind if there is one: a wrong answer."""
    others = [n for n in names if n.text != name.text and name.text not in n.text]
    same = [n for n in others if n.kind is name.kind]
    return (same or others)[0].text if (same or others) else "Nobody"


def propose(lesson_markdown: str) -> list[Proposal]:
    """Every question the lesson suggests, in the order of its text, each fact once."""
    _, body, _ = split_front_matter(lesson_markdown)
    sentences = lesson_sentences(body)
    vocabulary = Vocabulary.of([s.text for s in sentences])
    all_names = [n for s in sentences for n in find_names(s.text, vocabulary)]
    proposals: list[Proposal] = []
    seen: set[str] = set()
    for sentence in sentences:
        dates = find_dates(sentence.text, sentence.year)
        quantities = find_quantities(sentence.text, [d.span for d in dates])
        found = [date_proposal(sentence, d) for d in dates]
        found += [number_proposal(sentence, q) for q in quantities]
        if not found:
            for name in find_names(sentence.text, vocabulary):
                other = _distractor(name, all_names)
                proposal = who_proposal(sentence, name, other) or name_proposal(
                    sentence, name, other
                )
                if proposal.key not in seen:
                    found.append(proposal)
                    break
        for proposal in found:
            if proposal.key not in seen:
                seen.add(proposal.key)
                if sentence.section:
                    proposal.question["section"] = sentence.section
                proposals.append(proposal)
    return proposals


def numbered(proposals: list[Proposal]) -> list[dict[str, Any]]:
    """Question definitions with ids and ``draft`` tags, in the order an author reads."""
    result: list[dict[str, Any]] = []
    for index, proposal in enumerate(proposals, 1):
        q = proposal.question
        first = {"id": f"draft-{index}", "type": q["type"], "prompt": q["prompt"]}
        rest = {k: v for k, v in q.items() if k not in first}
        result.append(first | rest | {"tags": ["draft"]})
    return result


def quiz_document(lesson_id: str, title: str, questions: list[dict[str, Any]]) -> dict[str, Any]:
    """The quiz file's data, keys in the order an author reads them."""
    return {
        "id": f"{lesson_id}-draft",
        "title": f"{title} — draft quiz",
        "lesson": lesson_id,
        "draft": True,  # `course sync` leaves it out until the author removes this line
        "feedback": "immediate",
        "review": True,
        "questions": questions,
    }


def render(lesson_id: str, title: str, proposals: list[Proposal], source: str) -> str:
    """The quiz file: a header, then each question after a ``# why:`` comment."""
    header = (
        f"# DRAFT quiz proposed by `course draft-quiz` from {source}.\n"
        "# Each question says why it was proposed; keep the ones worth asking, reword\n"
        "# the prompts, add explanations, then run `course validate`; delete the\n"
        "# `draft: true` line to publish it (`course sync` leaves drafts out).\n"
    )
    document = quiz_document(lesson_id, title, [])
    del document["questions"]
    text = header + yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=88)
    text += "questions:\n"
    for proposal, question in zip(proposals, numbered(proposals), strict=True):
        text += f"  # why: {proposal.reason}\n"
        dumped = yaml.safe_dump([question], sort_keys=False, allow_unicode=True, width=86)
        text += "".join(f"  {line}\n" for line in dumped.splitlines())
    return text
