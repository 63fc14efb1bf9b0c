"""The broken-key detector: which answer key is probably wrong, and what it should be.

For one question of a quiz, the learners who answered it are ranked by their points on
the *rest* of the quiz (this question left out, so a wrong key cannot pull its own
evidence along). The upper and lower 27 % (Kelley's groups: the split that makes the
difference between them the most reliable) are compared:

- a choice marked wrong that most strong learners pick (and weak learners pick less):
  it is probably right ("mark 'Southern Sakhalin' correct");
- a choice marked right that strong learners avoid more than weak ones: probably wrong;
- a wrong typed answer that strong learners give often (compared as the grader does —
  case, punctuation, spacing, diacritics ignored — and near misses grouped with
  rapidfuzz): probably an answer to accept ("accept 'Zhukov'");
- a number or date that most strong learners give instead of the key, the same value
  each (a unit slip ×1000, a year off by one): the key is probably a typo ("answer
  should be 1944");
- negative discrimination (the upper group scores lower than the lower group) that no
  proposed fix explains: check the key and the wording.

A proposal is made only when it is backed both ways: the strong learners' answer is
also more common among them than among the weak (a misconception that everybody shares
is not evidence), and regrading every answer with the fix makes the question
discriminate clearly better (``MIN_GAIN``) and well (``MIN_AFTER``). A hard question
with a right key has its strong learners mostly right and its wrong answers spread, or
shared by the weak: it is not flagged.

Pure: the caller passes the questions, the learners' raw answers, their current scores
and their points on the rest of the quiz. No database, no clock.
"""

from __future__ import annotations

import dataclasses
import enum
import math
from collections import Counter
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz

from course.content.keyedit import number_text
from course.content.model import (
    AnyQuestion,
    ChoiceQuestion,
    DateQuestion,
    MultiChoiceQuestion,
    NumberQuestion,
    PartialDate,
    TextQuestion,
)
from course.formatting import format_number
from course.grading import choices, date, number
from course.grading.common import text_of
from course.grading.keyfix import FixError, FixKind, KeyFix, date_text, fixed_question
from course.grading.normalize import text_key
from course.grading.registry import grade_response
from course.grading.result import FormatError, ResponseRejected

MIN_LEARNERS = 10  # answers needed before a question is checked at all
GROUP_SHARE = 0.27  # the upper and lower groups: 27 % of the learners each
MOST = 0.5  # "most strong learners": at least half of the upper group
OFTEN = 0.3  # a typed answer "given often": by at least 30 % of the upper group
AVOIDED = 0.25  # a right choice "avoided": picked by at most 25 % of the upper group
MIN_GAP = 0.2  # the answer is that much more common in the upper than the lower group
MIN_GAIN = 0.15  # the fix raises the discrimination index at least this much
MIN_AFTER = 0.2  # ... to at least this (a question that separates the groups)
NEGATIVE = -0.2  # discrimination at or below this is flagged on its own
NEAR_MISS = 80.0  # rapidfuzz ratio (0–100) at which two typed answers are one answer
ALPHA = 0.1  # the upper/lower difference must be this unlikely by chance (Fisher)


class FlagKind(enum.StrEnum):
    CHOICE_PICKED = "choice_picked"  # a choice marked wrong that strong learners pick
    CHOICE_AVOIDED = "choice_avoided"  # a choice marked right that strong learners avoid
    TYPED_ANSWER = "typed_answer"  # a wrong typed answer strong learners give often
    NUMBER_SLIP = "number_slip"  # strong learners all give the same other number
    DATE_SLIP = "date_slip"  # strong learners all give the same other date
    NEGATIVE_DISCRIMINATION = "negative_discrimination"


@dataclass(frozen=True)
class LearnerAnswer:
    """One learner's answer to the question (their first submitted attempt)."""

    learner: int
    raw: Any  # the stored raw response (option ids, typed text)
    score: float  # current score, 0–1 (after any regrade)
    rest: float  # their points on the rest of the quiz


@dataclass(frozen=True)
class Evidence:
    upper: int  # learners in the upper group
    lower: int  # learners in the lower group
    upper_gave: int  # upper-group learners giving the flagged answer (or choice)
    lower_gave: int
    upper_right: int  # upper-group learners with full marks under the current key
    lower_right: int
    before: float  # discrimination index now: mean score upper − mean score lower
    after: float | None  # with the proposed fix
    variants: tuple[tuple[str, int], ...] = ()  # grouped typed forms and their counts
    note: str = ""  # "×1000: a unit slip?", "one year later"


@dataclass(frozen=True)
class Flag:
    question: str
    kind: FlagKind
    message: str
    evidence: Evidence
    fix: KeyFix | None = None
    fix_text: str = ""  # the fix in words, "" when only a check is proposed


@dataclass(frozen=True)
class _Groups:
    upper: tuple[LearnerAnswer, ...]
    lower: tuple[LearnerAnswer, ...]


def groups(answers: Sequence[LearnerAnswer]) -> _Groups:
    """The upper and lower 27 % by points on the rest of the quiz (ties broken by
    learner id, so the split is repeatable)."""
    ranked = sorted(answers, key=lambda a: (-a.rest, a.learner))
    k = max(1, round(GROUP_SHARE * len(ranked)))
    return _Groups(tuple(ranked[:k]), tuple(ranked[-k:]))


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def discrimination(g: _Groups, score: Callable[[LearnerAnswer], float]) -> float:
    """Mean score of the upper group minus that of the lower group (−1 to 1)."""
    return _mean([score(a) for a in g.upper]) - _mean([score(a) for a in g.lower])


def rescored(question: AnyQuestion, answer: LearnerAnswer) -> float:
    """The answer's score under ``question`` (a changed key); unreadable: as it was."""
    try:
        grade = grade_response(question, answer.raw)
    except ResponseRejected:
        return answer.score
    return answer.score if isinstance(grade, FormatError) else grade.score


def _after(question: AnyQuestion, fix: KeyFix, g: _Groups) -> float | None:
    try:
        fixed = fixed_question(question, fix)
    except FixError:
        return None
    return discrimination(g, lambda a: rescored(fixed, a))


def _good(before: float, after: float | None) -> bool:
    return after is not None and after >= MIN_AFTER and after - before >= MIN_GAIN - 1e-9


def _count(group: Sequence[LearnerAnswer], test: Callable[[LearnerAnswer], bool]) -> int:
    return sum(1 for a in group if test(a))


def _share(count: int, group: Sequence[LearnerAnswer]) -> float:
    return count / len(group) if group else 0.0


def fisher(up: int, n_up: int, low: int, n_low: int) -> float:
    """One-sided Fisher exact test: the chance of ``up`` or more of ``n_up`` upper-group
    learners giving an answer that ``up + low`` of all ``n_up + n_low`` gave, if the
    groups did not differ."""
    givers, total = up + low, n_up + n_low
    denominator = math.comb(total, n_up)
    tail = sum(
        math.comb(givers, k) * math.comb(total - givers, n_up - k)
        for k in range(up, min(givers, n_up) + 1)
    )
    return tail / denominator


def _stronger(up: int, low: int, g: _Groups, least: float) -> bool:
    """Given by at least ``least`` of the upper group, clearly more than by the lower
    group, and not by chance."""
    share_up, share_low = _share(up, g.upper), _share(low, g.lower)
    return (
        share_up >= least
        and share_up - share_low >= MIN_GAP
        and fisher(up, len(g.upper), low, len(g.lower)) <= ALPHA
    )


def _picked(question: ChoiceQuestion | MultiChoiceQuestion, raw: Any) -> set[str]:
    try:
        if isinstance(question, ChoiceQuestion):
            one = choices.parse_choice(question, raw)
            return set() if isinstance(one, FormatError) else {one}
        many = choices.parse_multi(question, raw)
    except ResponseRejected:
        return set()
    return set() if isinstance(many, FormatError) else set(many)


def _evidence(
    g: _Groups,
    gave: Callable[[LearnerAnswer], bool],
    before: float,
    after: float | None,
    **extra: Any,
) -> Evidence:
    full = lambda a: a.score >= 1 - 1e-9  # noqa: E731 - a predicate used twice below
    return Evidence(
        len(g.upper),
        len(g.lower),
        _count(g.upper, gave),
        _count(g.lower, gave),
        _count(g.upper, full),
        _count(g.lower, full),
        before,
        after,
        **extra,
    )


def _choice_flags(
    question: ChoiceQuestion | MultiChoiceQuestion, g: _Groups, before: float
) -> list[Flag]:
    picks = {a.learner: _picked(question, a.raw) for a in (*g.upper, *g.lower)}
    right = tuple(c.text for c in question.choices if c.correct)
    flags: list[Flag] = []
    for choice in question.choices:

        def gave(a: LearnerAnswer, cid: str = choice.id) -> bool:
            return cid in picks[a.learner]

        up, low = _count(g.upper, gave), _count(g.lower, gave)
        if not choice.correct:
            if not _stronger(up, low, g, MOST):
                continue
            wanted = (
                (choice.text,) if isinstance(question, ChoiceQuestion) else (*right, choice.text)
            )
            kind, message = (
                FlagKind.CHOICE_PICKED,
                f"'{choice.text}' is marked wrong, yet {up} of the {len(g.upper)} strongest "
                f"learners picked it (and {low} of the {len(g.lower)} weakest)",
            )
        else:
            if (
                _share(up, g.upper) > AVOIDED
                or _share(low, g.lower) - _share(up, g.upper) < MIN_GAP
            ):
                continue
            if isinstance(question, ChoiceQuestion):
                wanted = _strong_pick(question, g, picks)
            else:
                wanted = tuple(t for t in right if t != choice.text)
            kind, message = (
                FlagKind.CHOICE_AVOIDED,
                f"'{choice.text}' is marked right, yet only {up} of the {len(g.upper)} "
                f"strongest learners picked it (and {low} of the {len(g.lower)} weakest)",
            )
        fix = KeyFix(FixKind.MARK_CHOICES, choices=wanted) if wanted else None
        after = _after(question, fix, g) if fix is not None else None
        if fix is not None and _good(before, after):
            flags.append(
                Flag(
                    question.id,
                    kind,
                    message,
                    _evidence(g, gave, before, after),
                    fix,
                    fix.describe(question),
                )
            )
    return _dedupe(flags)


def _strong_pick(
    question: ChoiceQuestion, g: _Groups, picks: dict[int, set[str]]
) -> tuple[str, ...]:
    """The wrong-marked choice the upper group picks most (a single choice's other key)."""
    counts = Counter(cid for a in g.upper for cid in picks[a.learner])
    for cid, _n in counts.most_common():
        choice = next(c for c in question.choices if c.id == cid)
        if not choice.correct:
            return (choice.text,)
    return ()


def _dedupe(flags: list[Flag]) -> list[Flag]:
    """One flag per proposed fix (a single choice's wrong key shows both ways)."""
    seen: set[KeyFix | None] = set()
    kept = []
    for flag in sorted(flags, key=lambda f: f.kind != FlagKind.CHOICE_PICKED):
        if flag.fix not in seen:
            seen.add(flag.fix)
            kept.append(flag)
    return kept


def _typed(raw: Any) -> str | None:
    try:
        return text_of(raw).strip()
    except ResponseRejected:
        return None


def _text_groups(question: TextQuestion, answers: Sequence[LearnerAnswer]) -> list[list[str]]:
    """Wrong typed answers grouped: equal as the grader compares, or near misses."""
    sensitive = question.matcher.case_sensitive
    counts: Counter[str] = Counter()
    for a in answers:
        typed = _typed(a.raw)
        if typed and a.score < 1 - 1e-9 and text_key(typed, sensitive):
            counts[text_key(typed, sensitive)] += 1
    clusters: list[list[str]] = []
    for key, _n in counts.most_common():
        home = next((c for c in clusters if fuzz.ratio(c[0], key) >= NEAR_MISS), None)
        if home is None:
            clusters.append([key])
        else:
            home.append(key)
    return clusters


def _text_flags(question: TextQuestion, g: _Groups, before: float) -> list[Flag]:
    sensitive = question.matcher.case_sensitive
    flags = []
    for cluster in _text_groups(question, g.upper):
        keys = set(cluster)

        def gave(a: LearnerAnswer, keys: set[str] = keys) -> bool:
            typed = _typed(a.raw)
            return bool(typed) and a.score < 1 - 1e-9 and text_key(typed or "", sensitive) in keys

        up, low = _count(g.upper, gave), _count(g.lower, gave)
        if not _stronger(up, low, g, OFTEN):
            continue
        forms = Counter(t for a in (*g.upper, *g.lower) if gave(a) and (t := _typed(a.raw)))
        # The form most learners of the cluster wrote (as the grader compares; the
        # shorter on a tie), shown as they wrote it most often.
        keyed = Counter(text_key(t, sensitive) for t in forms.elements())
        best = min(keyed, key=lambda k: (-keyed[k], len(k), k))
        accept = next(t for t, _n in forms.most_common() if text_key(t, sensitive) == best)
        fix = KeyFix(FixKind.PREFER_TEXT, accept)
        after = _after(question, fix, g)
        if not _good(before, after):
            continue
        message = (
            f"'{accept}' is graded wrong, yet {up} of the {len(g.upper)} strongest learners "
            f"gave it (and {low} of the {len(g.lower)} weakest)"
        )
        evidence = _evidence(g, gave, before, after, variants=tuple(forms.most_common(5)))
        flags.append(
            Flag(question.id, FlagKind.TYPED_ANSWER, message, evidence, fix, fix.describe(question))
        )
    return flags


def _mode(
    values: Sequence[tuple[LearnerAnswer, Hashable]], same: Callable[[Any, Any], bool]
) -> tuple[Any, set[int]] | None:
    """The value most upper learners share (with ``same`` as equality), and who."""
    clusters: list[tuple[Counter[Any], set[int]]] = []
    for answer, value in values:
        home = next((c for c in clusters if same(next(iter(c[0])), value)), None)
        if home is None:
            clusters.append((Counter([value]), {answer.learner}))
        else:
            home[0][value] += 1
            home[1].add(answer.learner)
    best = max(clusters, key=lambda c: len(c[1]), default=None)
    return None if best is None else (best[0].most_common(1)[0][0], best[1])


def _slip_flag(
    question: AnyQuestion,
    g: _Groups,
    before: float,
    wrong: list[tuple[LearnerAnswer, Any]],
    same: Callable[[Any, Any], bool],
    describe: Callable[[Any], tuple[str, str]],
    kind: FlagKind,
) -> list[Flag]:
    """A number or date most strong learners give instead of the key."""
    upper_ids = {a.learner for a in g.upper}
    found = _mode([(a, v) for a, v in wrong if a.learner in upper_ids], same)
    if found is None:
        return []
    value, _who = found
    givers = {a.learner for a, v in wrong if same(value, v)}

    def gave(a: LearnerAnswer) -> bool:
        return a.learner in givers

    up, low = _count(g.upper, gave), _count(g.lower, gave)
    if not _stronger(up, low, g, MOST):
        return []
    text, note = describe(value)
    fix = KeyFix(FixKind.SET_ANSWER, text)
    after = _after(question, fix, g)
    if not _good(before, after):
        return []
    message = (
        f"{up} of the {len(g.upper)} strongest learners answered {text} (and {low} of the "
        f"{len(g.lower)} weakest): {note}"
    )
    return [
        Flag(
            question.id,
            kind,
            message,
            _evidence(g, gave, before, after, note=note),
            fix,
            fix.describe(question),
        )
    ]


def _number_note(question: NumberQuestion, value: float) -> tuple[str, str]:
    key = question.answer
    ratio = value / key if key else 0.0
    if ratio > 0:
        power = round(math.log10(ratio))
        if power != 0 and math.isclose(ratio, 10.0**power, rel_tol=1e-6):
            sign = "×" if power > 0 else "÷"
            return number_text(value), f"the key {sign} {10 ** abs(power):,}: a unit slip?"
    return number_text(value), f"off by {format_number(value - key)} from the key"


def _number_flags(question: NumberQuestion, g: _Groups, before: float) -> list[Flag]:
    if question.range is not None:
        return []
    wrong = []
    for a in (*g.upper, *g.lower):
        if a.score >= 1 - 1e-9:
            continue
        try:
            value = number.parse(question, a.raw)
        except ResponseRejected:
            continue
        if not isinstance(value, FormatError):
            wrong.append((a, value))

    def same(x: float, y: float) -> bool:
        return number.accepts(dataclasses.replace(question, answer=x), y)

    return _slip_flag(
        question,
        g,
        before,
        wrong,
        same,
        lambda v: _number_note(question, v),
        FlagKind.NUMBER_SLIP,
    )


def _at_precision(value: PartialDate, precision: int) -> PartialDate | None:
    if value.precision < precision:
        return None
    return PartialDate(
        value.year,
        value.month if precision >= 2 else None,
        value.day if precision >= 3 else None,
    )


def _date_note(key: PartialDate, value: PartialDate) -> str:
    if (value.month, value.day) == (key.month, key.day):
        years = value.year - key.year
        if abs(years) == 1:
            return "one year later than the key" if years > 0 else "one year earlier than the key"
        return f"{abs(years)} years {'later' if years > 0 else 'earlier'} than the key"
    return f"the key is {key}"


def _date_flags(question: DateQuestion, g: _Groups, before: float) -> list[Flag]:
    precision = question.answer.precision
    wrong = []
    for a in (*g.upper, *g.lower):
        if a.score >= 1 - 1e-9:
            continue
        try:
            value = date.parse(question, a.raw)
        except ResponseRejected:
            continue
        if isinstance(value, FormatError):
            continue
        cut = _at_precision(value, precision)
        if cut is not None:
            wrong.append((a, cut))
    return _slip_flag(
        question,
        g,
        before,
        wrong,
        lambda x, y: x == y,
        lambda v: (date_text(v), _date_note(question.answer, v)),
        FlagKind.DATE_SLIP,
    )


def check_question(question: AnyQuestion, answers: Sequence[LearnerAnswer]) -> list[Flag]:
    """The flags of one question, each with its fix and evidence (none below
    ``MIN_LEARNERS`` answers)."""
    if len(answers) < MIN_LEARNERS:
        return []
    g = groups(answers)
    before = discrimination(g, lambda a: a.score)
    flags: list[Flag] = []
    match question:
        case ChoiceQuestion() | MultiChoiceQuestion():
            flags = _choice_flags(question, g, before)
        case TextQuestion():
            flags = _text_flags(question, g, before)
        case NumberQuestion():
            flags = _number_flags(question, g, before)
        case DateQuestion():
            flags = _date_flags(question, g, before)
        case _:
            flags = []
    if not flags and before <= NEGATIVE:
        message = (
            f"the strongest learners score lower on it than the weakest (discrimination "
            f"{before:+.2f}): check the key and the wording"
        )
        flags.append(
            Flag(
                question.id,
                FlagKind.NEGATIVE_DISCRIMINATION,
                message,
                _evidence(g, lambda a: a.score >= 1 - 1e-9, before, None),
            )
        )
    return flags
