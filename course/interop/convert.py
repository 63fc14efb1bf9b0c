"""Foreign questions → quiz definitions of our format, with a report per question.

Each question ends *kept* (same type, same key, same scores), *approximated* (imported,
with every difference named) or *dropped* (with the reason and its source line). Each
converted question gets ``examples`` taken from the *source's* scoring rules — its right
answer scores 1, a listed wrong answer 0 — and :func:`build_quiz` grades them with our
grader, so a key that did not survive the conversion is caught at import time.
"""

from __future__ import annotations

import bisect
import enum
import itertools
import math
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from course.content.hints import answer_texts, words
from course.content.markdown import slugify
from course.content.model import build_question
from course.content.quizzes import read_quiz
from course.grading.examples import check_examples
from course.grading.normalize import normalize_text
from course.interop.source import (
    BLANK,
    Markup,
    NumericAnswer,
    SourceAnswer,
    SourceKind,
    SourceQuestion,
    TextFormat,
    to_markdown,
    to_plain,
)

FULL = 0.9999  # a weight this high is full credit (Moodle writes 100% as 1.0000000)
MAX_SUBSETS_CHECKED = 12  # choices; 2**12 selections compared at most
CLOZE_PROMPT = "Fill in the blanks."  # a cloze's text is the question; the prompt introduces it


class Outcome(enum.StrEnum):
    KEPT = "kept"
    APPROXIMATED = "approximated"
    DROPPED = "dropped"


@dataclass
class Entry:
    """The report line of one source question."""

    line: int
    source_type: str
    title: str
    outcome: Outcome = Outcome.KEPT
    question_id: str = ""
    target_type: str = ""
    notes: list[str] = field(default_factory=list)

    def approximate(self, note: str) -> None:
        if self.outcome is Outcome.KEPT:
            self.outcome = Outcome.APPROXIMATED
        self.notes.append(note)

    def drop(self, note: str) -> None:
        self.outcome = Outcome.DROPPED
        self.notes.append(note)

    def __str__(self) -> str:
        name = f" {self.title!r}" if self.title else ""
        target = f" → {self.target_type} '{self.question_id}'" if self.question_id else ""
        head = f"line {self.line}: {self.source_type}{name}{target}: {self.outcome.value}"
        return "\n".join([head, *(f"    - {note}" for note in self.notes)])


@dataclass
class Conversion:
    """The quiz document (a plain dict ready for YAML) and the report."""

    quiz: dict[str, Any]
    entries: list[Entry]
    media: dict[str, bytes] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # about the whole file
    text: str = ""  # the YAML of ``quiz`` as validated, when it was (not compared)

    def counts(self) -> dict[Outcome, int]:
        return {o: sum(1 for e in self.entries if e.outcome is o) for o in Outcome}

    def report(self) -> str:
        counts = self.counts()
        lines = [str(e) for e in self.entries]
        lines.extend(self.notes)
        lines.append(
            f"{len(self.entries)} question(s): {counts[Outcome.KEPT]} kept, "
            f"{counts[Outcome.APPROXIMATED]} approximated, {counts[Outcome.DROPPED]} dropped"
        )
        return "\n".join(lines)

    def yaml(self) -> str:
        return self.text or dump_yaml(self.quiz)


class _Dropped(Exception):
    pass


def _inline(markup: Markup) -> str:
    """Markdown for a one-line text (a choice, a match side)."""
    return " ".join(to_markdown(markup).split())


def _block(markup: Markup | None) -> str:
    return to_markdown(markup).expandtabs(4) if markup else ""


def _fmt_number(value: float) -> str:
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return format(value, ".15g")


def _tag(category: str) -> str:
    parts = [p for p in category.split("/") if p and p not in ("$course$", "$system$", "$cat1$")]
    if parts and parts[0] == "top":
        parts = parts[1:]
    return "/".join(parts)


class _Ids:
    def __init__(self) -> None:
        self.used: set[str] = set()

    def make(self, q: SourceQuestion, position: int) -> str:
        base = slugify(q.title)[:60].strip("-") if q.title else ""
        if not base and q.idnumber:
            base = slugify(q.idnumber)[:60].strip("-")
        if not base or base == "section":
            base = f"q{position}"
        candidate, n = base, 2
        while candidate in self.used:
            candidate, n = f"{base}-{n}", n + 1
        self.used.add(candidate)
        return candidate

    def neutral(self, position: int) -> str:
        candidate, n = f"q{position}", 2
        while candidate in self.used:
            candidate, n = f"q{position}-{n}", n + 1
        self.used.add(candidate)
        return candidate


def _leaked_words(d: dict[str, Any]) -> set[str]:
    """Words of a question's answer that its id would give away (see content.hints)."""
    plain = dict(d)
    if isinstance(plain.get("answer"), str) and plain["type"] in ("text", "multi_choice"):
        plain["answer"] = [plain["answer"]]  # the validator's form: a list
    try:
        question = build_question(plain)
    except (KeyError, TypeError, ValueError):  # the validator reports it later
        return set()
    return words(d["id"].replace("-", " ").replace("_", " ")) & {
        w for text in answer_texts(question) for w in words(text)
    }


def _prompt(q: SourceQuestion) -> str:
    stem = _block(q.stem)
    if q.after is None:
        return stem
    after = _block(q.after)
    glue = "" if after[:1] in tuple(".,;:!?)") else " "
    return f"{stem} {BLANK}{glue}{after}".strip()


def _feedback_note(answer: SourceAnswer, why: str) -> str:
    text = to_plain(answer.feedback) if answer.feedback else ""
    return f"feedback {text[:60]!r} on answer {to_plain(answer.text)[:40]!r} {why}"


# ---------------------------------------------------------------- per source type


def _choices(q: SourceQuestion, d: dict[str, Any], entry: Entry) -> None:  # noqa: C901 - Moodle single/multi rules
    answers = [a for a in q.answers if a.text]
    if len(answers) < len(q.answers):
        entry.approximate("an empty choice was left out")
    if len(answers) < 2:
        raise _Dropped("a choice question needs at least two choices")
    texts = [_inline(a.text) for a in answers]
    if len(set(texts)) < len(texts):
        dup = next(t for t in texts if texts.count(t) > 1)
        raise _Dropped(f"two choices read the same ({dup!r}); choices must differ")
    positive = [a for a in answers if a.weight > 0]
    full = [a for a in answers if a.weight >= FULL]
    if not positive:
        raise _Dropped("no choice earns any credit (Moodle refuses such a question too)")
    choices = []
    for answer, text in zip(answers, texts, strict=True):
        item: dict[str, Any] = {"text": text}
        if answer.feedback and _block(answer.feedback):
            item["feedback"] = _block(answer.feedback)
        choices.append(item)
    single = q.single if q.single is not None else len(full) == 1
    if single and len(full) == 1:
        d["type"] = "choice"
        for answer, item in zip(answers, choices, strict=True):
            item["correct"] = answer.weight >= FULL
            if 0 < answer.weight < FULL:
                entry.approximate(
                    f"choice {item['text']!r} earned {answer.weight:.0%} in the source; a "
                    "choice question has no partial credit, so here it earns 0"
                )
        d["choices"] = choices
        right = next(t for a, t in zip(answers, texts, strict=True) if a.weight >= FULL)
        d["examples"] = [{"response": right, "score": 1}] + [
            {"response": t, "score": 0}
            for a, t in zip(answers, texts, strict=True)
            if a.weight <= 0
        ]
        return
    d["type"] = "multi_choice"
    correct = full if single else positive
    for answer, item in zip(answers, choices, strict=True):
        item["correct"] = answer in correct
    d["choices"] = choices
    if single:
        if not full:
            raise _Dropped("a single-answer question with no choice worth 100% (Moodle refuses it)")
        entry.approximate(
            f"the source is single-answer and any of its {len(full)} right choices earns "
            "full credit; here the learner must pick all of them"
        )
        for answer, text in zip(answers, texts, strict=True):
            if 0 < answer.weight < FULL:
                entry.approximate(
                    f"choice {text!r} earned {answer.weight:.0%} in the source; here it "
                    "counts as a wrong pick"
                )
        d["examples"] = [
            {"response": [t for a, t in zip(answers, texts, strict=True) if a in full], "score": 1}
        ] + [
            {"response": [t], "score": 0}
            for a, t in zip(answers, texts, strict=True)
            if a.weight <= 0
        ]
        return
    total = sum(a.weight for a in positive)
    if abs(total - 1) > 0.01:
        entry.approximate(
            f"the positive weights add up to {total:.0%}, not 100%; here picking every "
            "right choice earns full credit"
        )
    _compare_multi(answers, texts, entry)
    d["examples"] = [
        {"response": [t for a, t in zip(answers, texts, strict=True) if a.weight > 0], "score": 1}
    ] + [
        {"response": [t], "score": 0} for a, t in zip(answers, texts, strict=True) if a.weight <= 0
    ]


def _compare_multi(answers: list[SourceAnswer], texts: list[str], entry: Entry) -> None:
    """Name selections that Moodle's weights and our rule score differently."""
    if len(answers) > MAX_SUBSETS_CHECKED:
        entry.approximate(
            f"{len(answers)} choices: the weights were not compared selection by selection"
        )
        return
    k = sum(1 for a in answers if a.weight > 0)
    differences = []
    for size in range(1, len(answers) + 1):
        for combo in itertools.combinations(range(len(answers)), size):
            theirs = min(1.0, max(0.0, sum(answers[i].weight for i in combo)))
            right = sum(1 for i in combo if answers[i].weight > 0)
            ours = max(0.0, (right - (len(combo) - right)) / k)
            if abs(theirs - ours) > 0.01:
                differences.append((combo, theirs, ours))
    if differences:
        shown = "; ".join(
            f"{' + '.join(repr(texts[i]) for i in combo)}: {theirs:.0%} there, {ours:.0%} here"
            for combo, theirs, ours in differences[:3]
        )
        more = f" (and {len(differences) - 3} more selections)" if len(differences) > 3 else ""
        entry.approximate(
            "weights cannot be expressed exactly: a multi_choice scores (right picks − wrong "
            f"picks) ÷ right choices; {len(differences)} selection(s) score differently: "
            f"{shown}{more}"
        )


def _true_false(q: SourceQuestion, d: dict[str, Any], entry: Entry) -> None:
    d["type"] = "true_false"
    d["answer"] = q.truth
    d["examples"] = [{"response": q.truth, "score": 1}, {"response": not q.truth, "score": 0}]
    parts = []
    right, wrong = ("true", "false") if q.truth else ("false", "true")
    if q.right_feedback:
        parts.append(f"*If you answered {right}:* {_block(q.right_feedback)}")
    if q.wrong_feedback:
        parts.append(f"*If you answered {wrong}:* {_block(q.wrong_feedback)}")
    if parts:
        entry.approximate(
            "a true/false question has no per-answer feedback here; both feedbacks are "
            "shown after answering, in the explanation, each saying which answer it is for"
        )
        d["explanation"] = "\n\n".join([p for p in [d.get("explanation", "")] if p] + parts)


# Moodle's short-answer rule (qtype_shortanswer): a run of '*' not preceded by a
# backslash is a wildcard, and '\*' is the character '*' itself.
_WILD = re.compile(r"(?<!\\)\*+")


def _literal_parts(text: str) -> list[str]:
    """The literal pieces of a short answer around its wildcards (one piece: none)."""
    return [part.replace("\\*", "*") for part in _WILD.split(text)]


def _is_wild(text: str) -> bool:
    return len(_literal_parts(text)) > 1


def _literal(text: str) -> str:
    """A short answer without wildcards, its escaped '\\*' read as '*'."""
    return _literal_parts(text)[0]


def _wildcard_regex(text: str) -> str:
    return ".*".join(re.escape(part) for part in _literal_parts(text))


@dataclass
class _Typed:
    """A short-answer question's answers, sorted the way a text question holds them."""

    accepted: list[str] = field(default_factory=list)
    regexes: list[str] = field(default_factory=list)
    wrong: dict[str, str] = field(default_factory=dict)
    wrong_examples: list[str] = field(default_factory=list)


def _right_answers(answers: list[SourceAnswer], typed: _Typed, entry: Entry) -> None:
    for answer in answers:
        text = to_plain(answer.text)
        if _is_wild(text):
            typed.regexes.append(_wildcard_regex(text))
        else:
            typed.accepted.append(_literal(text))
        if answer.feedback:
            entry.approximate(
                _feedback_note(
                    answer,
                    "has no place here (a text question shows "
                    "feedback only for known wrong answers); left out",
                )
            )


def _other_answers(
    answers: list[SourceAnswer], typed: _Typed, case_sensitive: bool, entry: Entry
) -> None:
    same = {normalize_text(a, case_sensitive) for a in typed.accepted}
    for answer in answers:
        text = to_plain(answer.text)
        wild, text = _is_wild(text), _literal(text)
        if answer.weight > 0:
            entry.approximate(
                f"answer {text!r} earned {answer.weight:.0%} in the source; a text question "
                "has no partial credit, so here it earns 0"
            )
        if wild:
            if answer.feedback:
                entry.approximate(
                    _feedback_note(answer, "(for any other answer) has no equivalent; left out")
                )
            continue
        if normalize_text(text, case_sensitive) in same:
            entry.approximate(
                f"answer {text!r} ({answer.weight:.0%} in the source) reads the same as a right "
                "answer here (case, punctuation, spacing and accents are ignored), so it earns "
                "full credit"
            )
            continue
        typed.wrong_examples.append(text)
        if answer.feedback and _block(answer.feedback):
            typed.wrong[text] = _block(answer.feedback)


def _short(q: SourceQuestion, d: dict[str, Any], entry: Entry) -> None:
    answers = [a for a in q.answers if a.text]
    full = [a for a in answers if a.weight >= FULL]
    if not full:
        raise _Dropped("no answer earns full credit")
    typed = _Typed()
    _right_answers(full, typed, entry)
    _other_answers([a for a in answers if a.weight < FULL], typed, q.case_sensitive, entry)
    accepted, regexes, wrong = typed.accepted, typed.regexes, typed.wrong
    wrong_examples = typed.wrong_examples
    if q.after is not None and not regexes and not wrong and _cloze_safe(accepted):
        d["type"] = "cloze"
        d["prompt"] = CLOZE_PROMPT
        stem, after = _block(q.stem), _block(q.after)
        glue = "" if after[:1] in tuple(".,;:!?)") else " "
        d["text"] = f"{stem} [[{'|'.join(accepted)}]]{glue}{after}".strip()
        if q.case_sensitive:
            d["case_sensitive"] = True
        d["examples"] = [{"response": [a], "score": 1} for a in accepted] + [
            {"response": [w], "score": 0} for w in wrong_examples or [_not_answer(accepted)]
        ]
        return
    d["type"] = "text"
    if accepted:
        d["answer"] = accepted if len(accepted) > 1 else accepted[0]
    if regexes:
        d["regex"] = regexes
        entry.approximate("'*' wildcards became regular expressions (.*)")
    if wrong:
        d["wrong"] = wrong
    if q.case_sensitive:
        d["case_sensitive"] = True
    examples = [{"response": a, "score": 1} for a in accepted]
    if not examples:
        examples = [{"response": _wild_example(r), "score": 1} for r in regexes[:1]]
    d["examples"] = examples + [
        {"response": w, "score": 0}
        for w in wrong_examples or ([_not_answer(accepted)] if regexes == [] else [])
    ]


def _wild_example(pattern: str) -> str:
    return pattern.replace(".*", "x").replace("\\", "")


def _not_answer(accepted: list[str]) -> str:
    return "not " + (accepted[0] if accepted else "this") + " at all"


def _cloze_safe(answers: list[str]) -> bool:
    return bool(answers) and all("|" not in a and "]" not in a and "[" not in a for a in answers)


def _numerical(q: SourceQuestion, d: dict[str, Any], entry: Entry) -> None:
    full = [n for n in q.numbers if n.weight >= FULL and n.value is not None]
    if not full:
        raise _Dropped("no number earns full credit")
    key = full[0]
    d["type"] = "number"
    bounds = key.bounds
    assert bounds is not None
    if key.low is not None and key.high is not None:
        d["range"] = [key.low, key.high]
        right = [key.low, key.high, (key.low + key.high) / 2]
    else:
        assert key.value is not None
        d["answer"] = key.value
        if key.tolerance:
            d["tolerance"] = key.tolerance
        right = [key.value]
    for other in q.numbers:
        if other is key:
            continue
        if other.value is None:
            if other.feedback:
                entry.approximate(
                    f"feedback {to_plain(other.feedback)[:60]!r} for any other number has no "
                    "equivalent in a number question; left out"
                )
            continue
        what = _describe(other)
        if other.weight >= FULL:
            entry.approximate(
                f"{what} also earned full credit in the source; a number question accepts one "
                "value or range, so here it earns 0"
            )
        elif other.weight > 0:
            entry.approximate(
                f"{what} earned {other.weight:.0%} in the source; no partial credit here"
            )
        if other.feedback:
            entry.approximate(
                f"feedback {to_plain(other.feedback)[:60]!r} on {what} has no place in a "
                "number question; left out"
            )
    if key.feedback:
        entry.approximate(
            f"feedback {to_plain(key.feedback)[:60]!r} on the right number has no place in a "
            "number question; left out"
        )
    low, high = bounds
    wrongs = [
        n.value
        for n in q.numbers
        if n.value is not None and n.weight <= 0 and not low <= n.value <= high
    ]
    far = high + max(1.0, abs(high), high - low)
    d["examples"] = [{"response": _fmt_number(v), "score": 1} for v in right] + [
        {"response": _fmt_number(v), "score": 0} for v in [*wrongs, far]
    ]


def _describe(n: NumericAnswer) -> str:
    if n.low is not None and n.high is not None:
        return f"range {_fmt_number(n.low)}..{_fmt_number(n.high)}"
    assert n.value is not None
    tol = f"±{_fmt_number(n.tolerance)}" if n.tolerance else ""
    return f"number {_fmt_number(n.value)}{tol}"


def _matching(q: SourceQuestion, d: dict[str, Any], entry: Entry) -> None:
    pairs: dict[str, str] = {}
    distractors: list[str] = []
    for left, right in q.pairs:
        if not left:
            distractors.append(right)
            continue
        key = _inline(left)
        if key in pairs:
            raise _Dropped(f"the left side {key!r} is listed twice")
        pairs[key] = right
    if len(pairs) < 2:
        raise _Dropped("a match question needs at least two pairs")
    clash = [x for x in distractors if x in pairs.values()]
    if clash:
        entry.approximate(
            f"extra answer(s) {clash} are also right-hand sides of pairs; listed once"
        )
    distractors = list(dict.fromkeys(x for x in distractors if x not in pairs.values()))
    d["type"] = "match"
    d["pairs"] = pairs
    if distractors:
        d["distractors"] = distractors
    lefts = list(pairs)
    rights = [pairs[k] for k in lefts]
    rotated = rights[1:] + rights[:1]
    shifted = dict(zip(lefts, rotated, strict=True))
    score = sum(1 for k in lefts if shifted[k] == pairs[k]) / len(lefts)
    d["examples"] = [
        {"response": dict(pairs), "score": 1},
        {"response": shifted, "score": round(score, 4)},
    ]


def _cloze(q: SourceQuestion, d: dict[str, Any], entry: Entry) -> None:
    if not q.blanks:
        raise _Dropped("an embedded-answers question with no blanks")
    pieces = [_piece(p) for p in q.cloze_pieces]
    blanks: list[str] = []
    rights: list[str] = []
    wrongs: list[str] = []
    for n, blank in enumerate(q.blanks, start=1):
        if blank.kind is not SourceKind.SHORTANSWER:
            raise _Dropped(
                f"blank {n} is {blank.kind.value}; cloze blanks here are typed text, so "
                "embedded choices and numbers have no equivalent"
            )
        full = [to_plain(a.text) for a in blank.answers if a.weight >= FULL]
        accepted = [_literal(a) for a in full]
        if not accepted or not _cloze_safe(accepted) or any(_is_wild(a) for a in full):
            raise _Dropped(f"blank {n} has no plain answer worth 100%")
        for a in blank.answers:
            if 0 < a.weight < FULL:
                entry.approximate(
                    f"blank {n}: {to_plain(a.text)!r} earned {a.weight:.0%}; no partial "
                    "credit for a blank here"
                )
            if a.feedback:
                entry.approximate(
                    f"blank {n}: feedback on {to_plain(a.text)!r} has no place in a cloze; left out"
                )
        if blank.case_sensitive:
            d["case_sensitive"] = True
        blanks.append("[[" + "|".join(accepted) + "]]")
        rights.append(accepted[0])
        zero = [
            _literal(to_plain(a.text))
            for a in blank.answers
            if a.weight <= 0 and not _is_wild(to_plain(a.text))
        ]
        wrongs.append(zero[0] if zero else _not_answer(accepted))
    text = pieces[0]
    for blank_text, piece in zip(blanks, pieces[1:], strict=False):
        text += blank_text + piece
    d["type"] = "cloze"
    d["text"] = text.strip()
    d["examples"] = [{"response": rights, "score": 1}, {"response": wrongs, "score": 0}]


def _piece(markup: Markup) -> str:
    """Text around a blank, keeping the spaces that separate it from the blank."""
    body = markup.text if markup.format is TextFormat.MARKDOWN else to_markdown(markup)
    if not body.strip():
        return " " if markup.text[:1].isspace() else ""
    lead = " " if markup.text[:1].isspace() else ""
    trail = " " if markup.text[-1:].isspace() else ""
    return lead + body.strip() + trail


_CONVERTERS = {
    SourceKind.MULTICHOICE: _choices,
    SourceKind.TRUEFALSE: _true_false,
    SourceKind.SHORTANSWER: _short,
    SourceKind.NUMERICAL: _numerical,
    SourceKind.MATCHING: _matching,
    SourceKind.CLOZE: _cloze,
}

_DROPPED_KINDS = {
    SourceKind.ESSAY: "an essay needs a person to grade it; this engine grades automatically",
    SourceKind.DESCRIPTION: "a description is text, not a question; put it in the lesson",
}


def convert_question(  # noqa: C901 - common fields, then one converter per type
    q: SourceQuestion, qid: str
) -> tuple[dict[str, Any] | None, Entry]:
    """One foreign question → (definition or None, its report entry)."""
    entry = Entry(q.line, q.source_type or q.kind.value, q.title)
    if q.problems:
        for problem in q.problems:
            entry.drop(problem)
        return None, entry
    if q.kind in _DROPPED_KINDS:
        entry.drop(_DROPPED_KINDS[q.kind])
        return None, entry
    converter = _CONVERTERS.get(q.kind)
    if converter is None:
        entry.drop(f"the {entry.source_type} type has no equivalent here")
        return None, entry
    d: dict[str, Any] = {"id": qid, "type": "", "prompt": _prompt(q)}
    if q.kind is SourceKind.CLOZE:
        d["prompt"] = CLOZE_PROMPT
    if q.general_feedback:
        d["explanation"] = _block(q.general_feedback)
    tags = [t for t in [_tag(q.category), *q.tags] if t]
    if tags:
        d["tags"] = list(dict.fromkeys(tags))
    if q.default_mark and q.default_mark != 1:
        d["points"] = q.default_mark
    for note in q.extra.get("media_notes", []):
        entry.approximate(note)
    if q.extra.get("units"):
        entry.approximate("units (and their grading) are not carried; the number alone is graded")
    try:
        converter(q, d, entry)
    except _Dropped as exc:
        entry.drop(str(exc))
        return None, entry
    if not d["prompt"]:
        if d["type"] == "cloze":
            d["prompt"] = CLOZE_PROMPT
        else:
            entry.drop("the question has no text")
            return None, entry
    d = _ordered(d)
    entry.question_id = qid
    entry.target_type = d["type"]
    return d, entry


_ORDER = [
    "id",
    "type",
    "prompt",
    "text",
    "choices",
    "answer",
    "regex",
    "case_sensitive",
    "tolerance",
    "range",
    "pairs",
    "distractors",
    "wrong",
    "points",
    "explanation",
    "tags",
    "examples",
]


def _ordered(d: dict[str, Any]) -> dict[str, Any]:
    return {k: d[k] for k in sorted(d, key=lambda k: _ORDER.index(k) if k in _ORDER else 99)}


def build_quiz(
    questions: list[SourceQuestion],
    *,
    quiz_id: str,
    lesson: str,
    title: str,
) -> Conversion:
    """Convert every question, then validate the quiz and grade its examples.

    A question the validator or its own examples reject is dropped with the reason, so
    the YAML written is always valid and every key in it has been proven.
    """
    ids = _Ids()
    definitions: list[dict[str, Any]] = []
    entries: list[Entry] = []
    owner: dict[str, Entry] = {}
    media: dict[str, bytes] = {}
    for position, q in enumerate(questions, start=1):
        qid = ids.make(q, position)
        d, entry = convert_question(q, qid)
        entries.append(entry)
        leaked = _leaked_words(d) if d is not None else set()
        if d is not None and leaked:
            neutral = ids.neutral(position)
            entry.notes.append(
                f"id '{qid}' (from the title) holds {', '.join(sorted(leaked))} from the answer; "
                f"ids travel in exports and logs, so it is '{neutral}'"
            )
            d["id"] = entry.question_id = qid = neutral
        if d is not None:
            definitions.append(d)
            owner[qid] = entry
            media.update(q.media)
    quiz: dict[str, Any] = {"id": quiz_id, "title": title, "lesson": lesson, "questions": []}
    verified = ""
    for _ in range(len(definitions) + 1):
        quiz["questions"] = definitions
        problems, text = _verify(quiz, quiz_id)
        if not problems:
            verified = text  # the YAML of exactly this quiz: no need to write it again
            break
        bad = {found for found, _ in problems}
        for found, message in problems:
            if found in owner and owner[found].outcome is not Outcome.DROPPED:
                owner[found].drop(f"our validator refused the converted question: {message}")
        definitions = [d for d in definitions if d["id"] not in bad]
        if not definitions or None in bad:
            break
    for entry in entries:
        if entry.outcome is Outcome.DROPPED:
            entry.question_id = ""
    return Conversion(quiz, entries, media, text=verified)


def _verify(quiz: dict[str, Any], quiz_id: str) -> tuple[list[tuple[str | None, str]], str]:
    """(question id, message) of every validation or example problem, and the YAML
    that was checked."""
    if not quiz["questions"]:
        return [], ""
    text = dump_yaml(quiz)
    read = read_quiz(f"{quiz_id}.yaml", text.encode(), quiz_id)
    problems = list(read.problems)
    if read.partial is not None:
        problems.extend(check_examples(f"{quiz_id}.yaml", read.partial))
    lines = text.split("\n")
    starts = [
        (n, m.group(1))
        for n, line in enumerate(lines, start=1)
        if (m := re.match(r"^- id: (.+)$", line.strip())) and line.startswith("- ")
    ]
    # Each problem belongs to the last question starting at or before its line: a binary
    # search, and each id read once (not every id for every problem).
    numbers = [n for n, _ in starts]
    ids: dict[int, str] = {}
    found: list[tuple[str | None, str]] = []
    for problem in problems:
        at = bisect.bisect_right(numbers, problem.line) - 1
        qid: str | None = None
        if at >= 0:
            if at not in ids:
                ids[at] = str(yaml.safe_load(starts[at][1]))
            qid = ids[at]
        found.append((qid, problem.message))
    return found, text


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    if "\n" in value and not any(line != line.rstrip() for line in value.split("\n")):
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


def _float(dumper: yaml.SafeDumper, value: float) -> yaml.Node:
    if math.isfinite(value) and value == int(value) and abs(value) < 1e15:
        return dumper.represent_int(int(value))
    return dumper.represent_scalar("tag:yaml.org,2002:float", repr(value))


_Dumper.add_representer(str, _str)
_Dumper.add_representer(float, _float)


def dump_yaml(document: dict[str, Any]) -> str:
    """YAML our reader takes back unchanged: block style, quoted where YAML 1.1 would
    coerce, multi-line texts as literal blocks."""
    return yaml.dump(
        document,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=100,
        default_flow_style=False,
    )
