"""Why a response earned its grade: the comparisons the grader made, step by step.

For an instructor settling a dispute. :func:`explain` repeats the grader's comparisons
with the same helpers (normalization, regex, fuzzy ratio, tolerance, date precision)
and writes each down: what was compared, which rule matched or failed, the normalized
forms. The score it reports is :func:`course.grading.registry.grade_response`'s own,
so a trace can never disagree with the grade it explains. Grading itself is untouched
and never traces: this runs only when someone asks.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, assert_never

from rapidfuzz import fuzz

from course.content.model import (
    AnyQuestion,
    ChoiceQuestion,
    ClozeQuestion,
    DateQuestion,
    MatchQuestion,
    MultiChoiceQuestion,
    NumberQuestion,
    OrderQuestion,
    PartialDate,
    TextMatcher,
    TextQuestion,
    TrueFalseQuestion,
)
from course.content.numbers import read_number
from course.formatting import format_number
from course.grading import arrange, choices, date, number, text
from course.grading.common import ids_of
from course.grading.normalize import AmbiguousDate, contains_words, format_date, text_key
from course.grading.registry import grade_response
from course.grading.result import FormatError, ResponseRejected


class Outcome(enum.StrEnum):
    MATCHED = "matched"  # this rule gave credit
    FAILED = "failed"  # this rule was tried and gave none
    NOTE = "note"  # how the response was read (no credit either way)


@dataclass(frozen=True)
class Step:
    """One comparison: the rule, what it compared, and whether it matched."""

    rule: str
    compared: str
    outcome: Outcome


@dataclass(frozen=True)
class Trace:
    """How one response was graded.

    Attributes:
        score: the grader's score in [0, 1], or None when the response could not be
            read (``verdict`` says why).
        steps: the comparisons, in the order the grader makes them.
        verdict: the outcome in one sentence.
    """

    score: float | None
    steps: tuple[Step, ...]
    verdict: str


def _q(value: str) -> str:
    return f"“{value}”"


def explain(question: AnyQuestion, raw: Any) -> Trace:
    """The grading of ``raw`` (a stored raw response) against ``question``, explained."""
    try:
        grade = grade_response(question, raw)
    except ResponseRejected as exc:
        return Trace(None, (), f"Refused as malformed ({exc}); it earns nothing.")
    if isinstance(grade, FormatError):
        return Trace(None, (), f"Could not be read: {grade.message}")
    steps = tuple(_steps(question, raw))
    unit = "point" if grade.max_points == 1 else "points"
    verdict = f"Score {grade.score:.0%}: {grade.points:g} of {grade.max_points:g} {unit}."
    return Trace(grade.score, steps, verdict)


def _steps(question: AnyQuestion, raw: Any) -> list[Step]:
    match question:
        case TextQuestion():
            typed = text.parse_text(question, raw)
            assert isinstance(typed, str)
            steps = matcher_steps(question.matcher, typed, tuple(w.text for w in question.wrong))
            entry = text.known_wrong(question, typed)
            if entry is not None:
                steps.append(Step("known wrong answer", _q(entry.text), Outcome.NOTE))
            return steps
        case ClozeQuestion():
            blanks = text.parse_cloze(question, raw)
            assert isinstance(blanks, list)
            found: list[Step] = []
            for i, (matcher, typed) in enumerate(zip(question.blanks, blanks, strict=True)):
                found += [
                    Step(f"blank {i + 1}: {s.rule}", s.compared, s.outcome)
                    for s in matcher_steps(matcher, typed)
                ]
            return found
        case NumberQuestion():
            return _number_steps(question, raw)
        case DateQuestion():
            return _date_steps(question, raw)
        case ChoiceQuestion() | MultiChoiceQuestion():
            picked = set(ids_of(raw, question.choices, "choices"))
            return [
                Step(
                    "choice picked" if c.id in picked else "choice not picked",
                    f"{_q(c.text)} is {'right' if c.correct else 'wrong'} in the key",
                    Outcome.MATCHED if (c.id in picked) == c.correct else Outcome.FAILED,
                )
                for c in question.choices
                if c.id in picked or (c.correct and isinstance(question, MultiChoiceQuestion))
            ]
        case TrueFalseQuestion():
            value = choices.parse_true_false(question, raw)
            ok = value == question.answer
            return [
                Step(
                    "true or false",
                    f"given {str(value).lower()}, key {str(question.answer).lower()}",
                    Outcome.MATCHED if ok else Outcome.FAILED,
                )
            ]
        case OrderQuestion():
            ids = arrange.parse_order(question, raw)
            assert isinstance(ids, list)
            position = {item.id: i for i, item in enumerate(question.items)}
            run = arrange.longest_increasing([position[i] for i in ids])
            total = len(question.items)
            return [
                Step(
                    "items in order relative to each other",
                    f"{run} of {total} (the longest run in the key's order)",
                    Outcome.MATCHED if run == total else Outcome.FAILED,
                )
            ]
        case MatchQuestion():
            given = arrange.parse_match(question, raw)
            assert isinstance(given, dict)
            left = {o.id: o.text for o in question.lefts}
            right = {o.id: o.text for o in question.rights}
            return [
                Step(
                    f"pair {_q(left[a])}",
                    f"given {_q(right[given[a]]) if a in given else 'nothing'}, key {_q(right[b])}",
                    Outcome.MATCHED if given.get(a) == b else Outcome.FAILED,
                )
                for a, b in question.pairs
            ]
        case _:
            assert_never(question)


def matcher_steps(matcher: TextMatcher, typed: str, wrong: tuple[str, ...] = ()) -> list[Step]:
    """The comparisons of :func:`course.grading.text.match_text`, in its order."""
    sensitive = matcher.case_sensitive
    given = text_key(typed, sensitive)
    how = "case kept" if sensitive else "case, accents, punctuation and spaces folded"
    steps = [Step("normalized", f"{_q(typed.strip())} → {_q(given)} ({how})", Outcome.NOTE)]
    for answer in matcher.answers:
        key = text_key(answer, sensitive)
        ok = bool(given) and given == key
        steps.append(
            Step(
                "accepted answer",
                f"{_q(given)} vs {_q(key)} (from {_q(answer)})",
                Outcome.MATCHED if ok else Outcome.FAILED,
            )
        )
    for pattern in matcher.regex:
        ok = text.regex_matches(pattern, typed.strip(), sensitive)
        steps.append(
            Step("pattern", f"/{pattern}/ on {_q(typed.strip())}", _outcome(ok)),
        )
    if matcher.extra_words:
        holds = [a for a in matcher.answers if contains_words(typed, a, sensitive)]
        spoils = [w for w in wrong if contains_words(typed, w, sensitive)]
        detail = f"holds {', '.join(map(_q, holds)) or 'no accepted answer'} as whole words" + (
            f", but also the wrong {', '.join(map(_q, spoils))}" if spoils else ""
        )
        steps.append(Step("extra words allowed", detail, _outcome(bool(holds) and not spoils)))
    if matcher.fuzzy is not None and given:
        scored = [(fuzz.ratio(given, text_key(a, sensitive)) / 100, a) for a in matcher.answers]
        best, closest = max(scored, default=(0.0, ""))
        detail = f"closest {_q(closest)} at {best:.0%}; needs {matcher.fuzzy:.0%}"
        ok = best >= matcher.fuzzy
        keyed = [(text_key(w, sensitive), w) for w in wrong]
        rivals = [(fuzz.ratio(given, k) / 100, w) for k, w in keyed if k]
        near_wrong, rival = max(rivals, default=(0.0, ""))
        if ok and near_wrong >= best:
            detail += f", but the known wrong {_q(rival)} is as close or closer ({near_wrong:.0%})"
            ok = False
        steps.append(Step("spelling tolerance", detail, _outcome(ok)))
    return steps


def _outcome(ok: bool) -> Outcome:
    return Outcome.MATCHED if ok else Outcome.FAILED


def _number_steps(question: NumberQuestion, raw: Any) -> list[Step]:
    value = number.parse(question, raw)
    assert isinstance(value, float)
    typed = raw[0] if isinstance(raw, list) else raw
    reading = read_number(str(typed), question.unit)
    steps = [Step("read as", f"{_q(str(typed).strip())} → {format_number(value)}", Outcome.NOTE)]
    if reading is not None and reading.hedged:
        steps.append(Step("hedge", "a word like “about” was dropped", Outcome.NOTE))
    ok = number.accepts(question, value)
    if question.range is not None:
        low, high = (format_number(v) for v in question.range)
        steps.append(Step("range", f"{low} ≤ {format_number(value)} ≤ {high}", _outcome(ok)))
    else:
        allowed = (
            question.tolerance * abs(question.answer) if question.relative else question.tolerance
        )
        off = abs(value - question.answer)
        steps.append(
            Step(
                "answer within tolerance",
                f"|{format_number(value)} − {format_number(question.answer)}| = "
                f"{format_number(off)}; allowed {format_number(allowed)}",
                _outcome(ok),
            )
        )
    return steps


def _date_steps(question: DateQuestion, raw: Any) -> list[Step]:
    given = date.parse(question, raw)
    assert isinstance(given, PartialDate)
    steps = [Step("read as", f"{format_date(given)} ({_precision(given)})", Outcome.NOTE)]
    for target in (question.answer, *question.accept):
        same = date.same_at_precision(target, given)
        steps.append(
            Step(
                "same date at the key's precision",
                f"{format_date(given)} against {format_date(target)} ({_precision(target)})",
                _outcome(same),
            )
        )
        if question.tolerance_days:
            near = date._within_days(target, given, question.tolerance_days)
            steps.append(
                Step(
                    "within the tolerance",
                    f"{question.tolerance_days} day(s) of {format_date(target)}",
                    _outcome(near),
                )
            )
    if question.partial:
        steps.append(
            Step(
                "half credit for the right year",
                f"{given.year} against {question.answer.year}",
                _outcome(given.year == question.answer.year),
            )
        )
    return steps


def _precision(value: PartialDate) -> str:
    return ("year", "month", "day")[value.precision - 1]


def group_key(question: AnyQuestion, raw: Any, response_text: str) -> str:
    """A form under which equivalent responses group: text as the grader compares it
    (folded), numbers and dates as read; other types as shown."""
    try:
        match question:
            case TextQuestion():
                typed = text.parse_text(question, raw)
                if isinstance(typed, str):
                    return text_key(typed)
            case ClozeQuestion():
                blanks = text.parse_cloze(question, raw)
                if isinstance(blanks, list):
                    return " / ".join(text_key(b) for b in blanks)
            case NumberQuestion():
                value = number.parse(question, raw)
                if isinstance(value, float):
                    return format_number(value)
            case DateQuestion():
                when = date.parse(question, raw)
                if isinstance(when, PartialDate):
                    return format_date(when)
            case _:
                pass
    except (ResponseRejected, AmbiguousDate):
        pass
    return response_text.strip().casefold()
