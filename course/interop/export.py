"""Our quizzes out to GIFT and Moodle XML, with a note for everything left behind.

Texts go out as Markdown (GIFT's ``[markdown]``, Moodle XML's ``format="markdown"``),
which both formats carry and Moodle renders, so a quiz read back is the quiz written.
What neither format can hold — question types, regexes, fuzzy matching, examples,
hints, sections, per-question points in GIFT — is listed in ``notes``, question by
question.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree

from course.content.model import (
    AnyQuestion,
    ChoiceQuestion,
    ClozeQuestion,
    DateQuestion,
    MatchQuestion,
    MultiChoiceQuestion,
    NumberQuestion,
    OrderQuestion,
    Quiz,
    TextQuestion,
    TrueFalseQuestion,
)
from course.interop.convert import CLOZE_PROMPT

# Moodle accepts only its grade options; 100/k is one of them for these k.
_MOODLE_SHARES = {
    1: "100",
    2: "50",
    3: "33.33333",
    4: "25",
    5: "20",
    6: "16.66667",
    7: "14.28571",
    8: "12.5",
    9: "11.11111",
    10: "10",
}


@dataclass
class Export:
    """The exported text, how many questions it holds, and what was left out or changed."""

    text: str
    exported: int = 0
    notes: list[str] = field(default_factory=list)

    def report(self) -> str:
        lines = [f"{self.exported} question(s) exported"]
        lines.extend(f"  - {n}" for n in self.notes)
        return "\n".join(lines)


class _Skip(Exception):
    pass


def _common_notes(q: AnyQuestion, notes: list[str], gift: bool) -> None:
    if q.hint:
        notes.append(f"{q.id}: the hint is not carried")
    if q.section:
        notes.append(f"{q.id}: the lesson section link ('{q.section}') is not carried")
    if gift and q.points != 1:
        notes.append(f"{q.id}: points ({q.points:g}) are not carried (GIFT has no marks)")
    if q.examples:
        pass  # examples are regenerated on import from the answer key


def _withheld(q: AnyQuestion, withheld: str | None) -> str | None:
    """Why a question is not given out at all: drafts are never shown to learners, and
    an exported file is re-imported as a published quiz (see docs/quiz-format.md)."""
    if withheld:
        return f"{withheld}, so it is never shown to learners"
    if q.draft:
        return "a draft (draft: true), never shown to learners"
    return None


def _unsupported(q: AnyQuestion) -> str | None:
    match q:
        case OrderQuestion():
            return "order questions exist in neither GIFT nor Moodle XML's basic types"
        case DateQuestion():
            return "date questions exist in neither GIFT nor Moodle XML"
        case TextQuestion() if q.matcher.regex:
            return "regular-expression answers cannot be written (only '*' wildcards exist)"
        case _:
            return None


def _text_notes(q: AnyQuestion, notes: list[str]) -> None:
    if isinstance(q, ChoiceQuestion | MultiChoiceQuestion) and any(
        c.misconception for c in q.choices
    ):
        notes.append(f"{q.id}: the misconceptions named on choices are not carried")
    if isinstance(q, TextQuestion) and any(w.misconception for w in q.wrong):
        notes.append(f"{q.id}: the misconceptions named on wrong answers are not carried")
    if isinstance(q, TextQuestion) and q.matcher.extra_words:
        notes.append(f"{q.id}: extra_words (an answer within more words) is not carried")
    if isinstance(q, TextQuestion | ClozeQuestion):
        matcher = q.matcher if isinstance(q, TextQuestion) else (q.blanks[0] if q.blanks else None)
        if matcher is not None and matcher.fuzzy is not None:
            notes.append(f"{q.id}: fuzzy matching ({matcher.fuzzy}) is not carried")
        notes.append(
            f"{q.id}: Moodle compares typed answers exactly (case aside); here punctuation, "
            "spacing, accents and a leading 'the' are ignored too"
        )


def moodle_literal(answer: str) -> str:
    """A typed answer as Moodle's short-answer matching must read it: there '*' is a
    wildcard (any text), and '\\*' the character '*', so our literal '*' is escaped."""
    return answer.replace("*", "\\*")


# ---------------------------------------------------------------- GIFT


def gift_escape(text: str) -> str:
    """GIFT text: control characters escaped, newlines as \\n (a blank line would end
    the question)."""
    out = text.replace("\\", "\\\\")
    for char in "~=#{}:":
        out = out.replace(char, "\\" + char)
    return out.replace("\r\n", "\n").replace("\n", "\\n")


_FORMAT_PREFIX = re.compile(r"\s*\[(html|moodle|plain|markdown)\]")


def _gift_answer(text: str, right: bool) -> str:
    """One answer after its ``=``/``~``: a text that starts with ``%`` gets an explicit
    weight first, so its own ``%…%`` is not read as one."""
    if _FORMAT_PREFIX.match(text):
        raise _Skip(f"the answer {text[:30]!r} starts like a GIFT format tag")
    escaped = gift_escape(text)
    if text.startswith("%"):
        return ("%100%" if right else "%0%") + escaped
    return escaped


def _feedback(text: str | None) -> str:
    return f"#{gift_escape(text)}" if text else ""


def _number(value: float) -> str:
    return format(value, ".15g")


def export_gift(quiz: Quiz, withheld: str | None = None) -> Export:
    """Write a quiz as GIFT, without its draft questions; ``withheld`` says why none of
    its questions may go out (the quiz or its lesson is a draft)."""
    blocks = [f"// {quiz.title}\n// exported from course quiz '{quiz.id}' (lesson '{quiz.lesson}')"]
    result = Export("")
    for q in quiz.questions:
        why = _withheld(q, withheld) or _unsupported(q)
        try:
            if why:
                raise _Skip(why)
            body = _gift_answers(q, result.notes)
        except _Skip as exc:
            result.notes.append(f"{q.id} ({q.type.value}): not exported: {exc}")
            continue
        _common_notes(q, result.notes, gift=True)
        _text_notes(q, result.notes)
        head = "".join(f"// [tag:{t}]\n" for t in q.tags if "]" not in t)
        general = f"####{gift_escape(q.explanation)}" if q.explanation else ""
        if isinstance(q, ClozeQuestion):
            before, after = q.segments[0], q.segments[1]
            blocks.append(
                f"{head}::{q.id}::[markdown]{gift_escape(before)}{{{body}{general}}}"
                f"{gift_escape(after)}"
            )
            if q.prompt.strip() != CLOZE_PROMPT:
                result.notes.append(f"{q.id}: the cloze prompt above the text is not carried")
        else:
            blocks.append(f"{head}::{q.id}::[markdown]{gift_escape(q.prompt)}{{{body}{general}}}")
        result.exported += 1
    result.text = "\n\n".join(blocks) + "\n"
    return result


def _gift_answers(q: AnyQuestion, notes: list[str]) -> str:  # noqa: C901
    match q:
        case ChoiceQuestion():
            return " ".join(
                ("=" if c.correct else "~")
                + _gift_answer(c.text, c.correct)
                + _feedback(c.feedback)
                for c in q.choices
            )
        case MultiChoiceQuestion():
            k = sum(1 for c in q.choices if c.correct)
            share = _MOODLE_SHARES.get(k, f"{100 / k:.5f}")
            if k not in _MOODLE_SHARES:
                notes.append(f"{q.id}: {k} right choices: Moodle may refuse the weight {share}%")
            return " ".join(
                f"~%{share if c.correct else '-' + share}%{_gift_answer(c.text, c.correct)}"
                f"{_feedback(c.feedback)}"
                for c in q.choices
            )
        case TrueFalseQuestion():
            return "TRUE" if q.answer else "FALSE"
        case TextQuestion():
            if any("->" in a for a in q.matcher.answers):
                raise _Skip("an answer holds '->', which GIFT reads as a matching pair")
            if q.matcher.case_sensitive:
                notes.append(f"{q.id}: case-sensitive comparison is not carried by GIFT")
            right = [f"={_gift_answer(moodle_literal(a), True)}" for a in q.matcher.answers]
            wrong = [
                f"=%0%{_gift_answer(moodle_literal(w.text), False)}{_feedback(w.feedback)}"
                for w in q.wrong
            ]
            return " ".join(right + wrong)
        case NumberQuestion():
            if q.unit:
                notes.append(f"{q.id}: the unit ({q.unit}) is not carried")
            if q.range is not None:
                return f"#{_number(q.range[0])}..{_number(q.range[1])}"
            tolerance = abs(q.answer) * q.tolerance if q.relative else q.tolerance
            return f"#{_number(q.answer)}" + (f":{_number(tolerance)}" if tolerance else "")
        case MatchQuestion():
            lefts = {o.id: o.text for o in q.lefts}
            rights = {o.id: o.text for o in q.rights}
            if any("->" in t for t in [*lefts.values(), *rights.values()]):
                raise _Skip("a side holds '->', which GIFT uses between the sides")
            used = {r for _, r in q.pairs}
            pairs = [f"={gift_escape(lefts[a])} -> {gift_escape(rights[b])}" for a, b in q.pairs]
            extra = [f"= -> {gift_escape(t)}" for i, t in rights.items() if i not in used]
            return " ".join(pairs + extra)
        case ClozeQuestion():
            if len(q.blanks) != 1:
                raise _Skip(
                    f"{len(q.blanks)} blanks: a GIFT question holds one answer block "
                    "(Moodle XML's cloze carries them)"
                )
            if any("->" in a for a in q.blanks[0].answers):
                raise _Skip("an answer holds '->', which GIFT reads as a matching pair")
            return " ".join(
                f"={_gift_answer(moodle_literal(a), True)}" for a in q.blanks[0].answers
            )
        case _:
            raise _Skip("no GIFT equivalent")


# ---------------------------------------------------------------- Moodle XML


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    element = etree.SubElement(parent, tag, **attrs)
    if text is not None:
        element.text = text
    return element


def _text_el(parent: etree._Element, tag: str, text: str, fmt: str = "markdown") -> None:
    holder = _sub(parent, tag, format=fmt)
    _sub(holder, "text", text)


def _answer(
    parent: etree._Element, fraction: str, text: str, feedback: str | None, fmt: str = "markdown"
) -> etree._Element:
    answer = _sub(parent, "answer", fraction=fraction, format=fmt)
    _sub(answer, "text", text)
    _text_el(answer, "feedback", feedback or "")
    return answer


def _cloze_escape(text: str) -> str:
    out = text.replace("\\", "\\\\")
    for char in '}#~/"':
        out = out.replace(char, "\\" + char)
    return out


def export_moodle_xml(quiz: Quiz, withheld: str | None = None) -> Export:
    """Write a quiz as Moodle XML (one category named after the quiz), without its draft
    questions; ``withheld`` as for :func:`export_gift`."""
    root = etree.Element("quiz")
    root.append(etree.Comment(f" exported from course quiz '{quiz.id}' "))
    category = _sub(root, "question", type="category")
    _sub(_sub(category, "category"), "text", f"$course$/top/{quiz.title or quiz.id}")
    result = Export("")
    for q in quiz.questions:
        why = _withheld(q, withheld) or _unsupported(q)
        if why:
            result.notes.append(f"{q.id} ({q.type.value}): not exported: {why}")
            continue
        element = _moodle_question(q, result.notes)
        _common_notes(q, result.notes, gift=False)
        _text_notes(q, result.notes)
        root.append(element)
        result.exported += 1
    result.text = etree.tostring(
        root, xml_declaration=True, encoding="UTF-8", pretty_print=True
    ).decode("utf-8")
    return result


def _moodle_question(q: AnyQuestion, notes: list[str]) -> etree._Element:  # noqa: C901, PLR0915
    kinds = {
        ChoiceQuestion: "multichoice",
        MultiChoiceQuestion: "multichoice",
        TrueFalseQuestion: "truefalse",
        TextQuestion: "shortanswer",
        NumberQuestion: "numerical",
        MatchQuestion: "matching",
        ClozeQuestion: "cloze",
    }
    element = etree.Element("question", type=kinds[type(q)])
    _sub(_sub(element, "name"), "text", q.id)
    prompt = q.prompt
    if isinstance(q, ClozeQuestion):
        parts = [q.segments[0]]
        for blank, after in zip(q.blanks, q.segments[1:], strict=False):
            kind = "SHORTANSWER_C" if blank.case_sensitive else "SHORTANSWER"
            # Moodle unescapes only '\\}' and '\\#' in a blank, so '\\*' reaches its
            # short-answer matching as written: the escape follows the cloze escaping.
            answers = "~".join(f"={moodle_literal(_cloze_escape(a))}" for a in blank.answers)
            parts.append(f"{{1:{kind}:{answers}}}{after}")
        prompt = "".join(parts)
        if q.prompt.strip() != CLOZE_PROMPT:
            notes.append(f"{q.id}: the cloze prompt above the text is not carried")
    _text_el(element, "questiontext", prompt)
    _text_el(element, "generalfeedback", q.explanation or "")
    _sub(element, "defaultgrade", f"{q.points:.7f}")
    _sub(element, "penalty", "0.3333333")
    _sub(element, "hidden", "0")
    _sub(element, "idnumber", q.id)
    match q:
        case ChoiceQuestion():
            _sub(element, "single", "true")
            _sub(element, "shuffleanswers", "true")
            for c in q.choices:
                _answer(element, "100" if c.correct else "0", c.text, c.feedback)
        case MultiChoiceQuestion():
            _sub(element, "single", "false")
            _sub(element, "shuffleanswers", "true")
            k = sum(1 for c in q.choices if c.correct)
            share = _MOODLE_SHARES.get(k, f"{100 / k:.5f}")
            if k not in _MOODLE_SHARES:
                notes.append(f"{q.id}: {k} right choices: Moodle may refuse the grade {share}%")
            for c in q.choices:
                _answer(element, share if c.correct else f"-{share}", c.text, c.feedback)
        case TrueFalseQuestion():
            _answer(element, "100" if q.answer else "0", "true", None, "moodle_auto_format")
            _answer(element, "0" if q.answer else "100", "false", None, "moodle_auto_format")
        case TextQuestion():
            _sub(element, "usecase", "1" if q.matcher.case_sensitive else "0")
            for a in q.matcher.answers:
                _answer(element, "100", moodle_literal(a), None, "moodle_auto_format")
            for w in q.wrong:
                _answer(element, "0", moodle_literal(w.text), w.feedback, "moodle_auto_format")
        case NumberQuestion():
            if q.range is not None:
                low, high = q.range
                value, tolerance = (low + high) / 2, (high - low) / 2
            else:
                value = q.answer
                tolerance = abs(q.answer) * q.tolerance if q.relative else q.tolerance
            answer = _answer(element, "100", _number(value), None, "moodle_auto_format")
            _sub(answer, "tolerance", _number(tolerance))
            if q.unit:
                notes.append(f"{q.id}: the unit ({q.unit}) is not carried")
        case MatchQuestion():
            _sub(element, "shuffleanswers", "true")
            lefts = {o.id: o.text for o in q.lefts}
            rights = {o.id: o.text for o in q.rights}
            used = {r for _, r in q.pairs}
            for a, b in q.pairs:
                sub = _sub(element, "subquestion", format="markdown")
                _sub(sub, "text", lefts[a])
                _sub(_sub(sub, "answer"), "text", rights[b])
            for i, t in rights.items():
                if i not in used:
                    sub = _sub(element, "subquestion", format="markdown")
                    _sub(sub, "text", "")
                    _sub(_sub(sub, "answer"), "text", t)
        case _:
            pass
    tags = _sub(element, "tags") if q.tags else None
    for t in q.tags:
        assert tags is not None
        _sub(_sub(tags, "tag"), "text", t)
    return element
