"""text and cloze: typed answers compared after normalization, by regex or fuzzily."""

from __future__ import annotations

import enum
from dataclasses import replace
from typing import Any

from rapidfuzz import fuzz

from course.content.model import ClozeQuestion, TextMatcher, TextQuestion, WrongAnswer
from course.content.patterns import full_match
from course.grading.common import MAX_ITEMS, clamp, make_grade, text_of
from course.grading.normalize import contains_words, text_key
from course.grading.result import (
    Feedback,
    FeedbackKind,
    FormatError,
    Grade,
    ResponseRejected,
    Scorer,
)


class Match(enum.Enum):
    EXACT = "exact"
    NEAR = "near"  # accepted by the fuzzy threshold, not exactly
    NONE = "none"


def regex_matches(pattern: str, text: str, case_sensitive: bool) -> bool:
    """Full match with a time bound; a pattern that runs too long does not match."""
    return bool(full_match(pattern, text, case_sensitive))


class PreparedMatcher:
    """A matcher with its accepted answers normalized once, to compare many responses
    (see :func:`match_text`, which prepares one for a single response)."""

    __slots__ = ("accepted", "matcher", "wrong", "wrong_keys")

    def __init__(self, matcher: TextMatcher, wrong: tuple[str, ...] = ()) -> None:
        self.matcher = matcher
        self.wrong = wrong
        self.accepted = [text_key(a, matcher.case_sensitive) for a in matcher.answers]
        # Only the spelling tolerance compares with the wrong answers' keys.
        self.wrong_keys = (
            [k for k in (text_key(w, matcher.case_sensitive) for w in wrong) if k]
            if matcher.fuzzy is not None
            else []
        )

    def match(self, response: str) -> Match:
        """Compare one typed response with the accepted answers."""
        matcher = self.matcher
        given = text_key(response, matcher.case_sensitive)
        if given and given in self.accepted:
            return Match.EXACT
        # Regexes, whole words and the fuzzy ratio only when no answer matched exactly.
        stripped = response.strip()
        if any(regex_matches(p, stripped, matcher.case_sensitive) for p in matcher.regex):
            return Match.EXACT
        if (
            matcher.extra_words
            and any(contains_words(response, a, matcher.case_sensitive) for a in matcher.answers)
            and not any(contains_words(response, w, matcher.case_sensitive) for w in self.wrong)
        ):
            return Match.EXACT
        if matcher.fuzzy is not None and given:
            return self._near(given, matcher.fuzzy)
        return Match.NONE

    def _near(self, given: str, threshold: float) -> Match:
        """The spelling tolerance, which a known wrong answer overrides.

        ``wrong`` lists answers the author knows to be wrong, so one is never taken
        for a misspelt right answer (``Australia`` for ``Austria`` at 0.8), nor is a
        response at least as close to a wrong answer as to every accepted one: a typo
        of ``Australia`` is not a typo of ``Austria``. Exact answers, regexes and
        whole words are not affected (``extra_words`` has its own rule).
        """
        best = max((fuzz.ratio(given, a) / 100 for a in self.accepted), default=0.0)
        if best < threshold or given in self.wrong_keys:
            return Match.NONE
        closest_wrong = max((fuzz.ratio(given, w) / 100 for w in self.wrong_keys), default=0.0)
        return Match.NEAR if best > closest_wrong else Match.NONE


def match_text(matcher: TextMatcher, response: str, wrong: tuple[str, ...] = ()) -> Match:
    """Compare one typed response with a matcher's accepted answers.

    ``wrong`` are the question's known wrong answers: with ``extra_words`` a response
    that holds an accepted answer is still wrong when it also holds one of them.
    """
    return PreparedMatcher(matcher, wrong).match(response)


def known_wrong(question: TextQuestion, response: str) -> WrongAnswer | None:
    """The known wrong answer a response gives, if any."""
    sensitive = question.matcher.case_sensitive
    given = text_key(response, sensitive)
    for entry in question.wrong:
        if text_key(entry.text, sensitive) == given:
            return entry
    if question.matcher.extra_words:
        for entry in question.wrong:
            if contains_words(response, entry.text, sensitive):
                return entry
    return None


def parse_text(_question: TextQuestion, raw: Any) -> str | FormatError:
    text = text_of(raw)
    if not text.strip():
        return FormatError("Type an answer first.")
    return text


def grade_text(question: TextQuestion, response: str) -> Grade:
    result = match_text(question.matcher, response, tuple(w.text for w in question.wrong))
    feedback: list[Feedback] = []
    if result is Match.NEAR:
        feedback.append(
            Feedback(
                FeedbackKind.NEAR_MISS,
                "Close — check the spelling: "
                f"the expected answer is *{question.matcher.answers[0]}*.",
            )
        )
    misconception = None
    if result is Match.NONE:
        entry = known_wrong(question, response)
        if entry is not None:
            misconception = entry.misconception
            if entry.feedback:
                feedback.append(Feedback(FeedbackKind.WRONG, entry.feedback))
    score = 0.0 if result is Match.NONE else 1.0
    grade = make_grade(question, score, feedback, response.strip())
    return replace(grade, misconception=misconception) if misconception else grade


def text_scorer(question: TextQuestion) -> Scorer:
    """:func:`parse_text` then the score of :func:`grade_text`, without feedback: the
    accepted answers are normalized once for every response scored."""
    prepared = PreparedMatcher(question.matcher, tuple(w.text for w in question.wrong))

    def score(raw: Any) -> float | FormatError:
        typed = parse_text(question, raw)
        if isinstance(typed, FormatError):
            return typed
        return 0.0 if prepared.match(typed) is Match.NONE else 1.0

    return score


def parse_cloze(question: ClozeQuestion, raw: Any) -> list[str] | FormatError:
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list) or len(raw) > MAX_ITEMS:
        raise ResponseRejected("cloze answers must be a list with one text per blank")
    if len(raw) != len(question.blanks):
        raise ResponseRejected(f"expected {len(question.blanks)} blanks, got {len(raw)}")
    answers = [text_of(item, "blank") for item in raw]
    if all(not a.strip() for a in answers):
        return FormatError("Fill in at least one blank.")
    return answers


def grade_cloze(question: ClozeQuestion, answers: list[str]) -> Grade:
    results = [match_text(m, a) for m, a in zip(question.blanks, answers, strict=True)]
    right = sum(1 for r in results if r is not Match.NONE)
    feedback: list[Feedback] = []
    near = [i + 1 for i, r in enumerate(results) if r is Match.NEAR]
    if near:
        feedback.append(
            Feedback(
                FeedbackKind.NEAR_MISS,
                "Close — check the spelling in blank " + ", ".join(map(str, near)) + ".",
            )
        )
    if 0 < right < len(results):
        good = ", ".join(str(i + 1) for i, r in enumerate(results) if r is not Match.NONE)
        feedback.append(
            Feedback(FeedbackKind.PARTIAL, f"Blank {good} right; {right} of {len(results)} blanks.")
        )
    return make_grade(
        question, right / len(results), feedback, " / ".join(a.strip() for a in answers)
    )


def cloze_scorer(question: ClozeQuestion) -> Scorer:
    """:func:`parse_cloze` then the score of :func:`grade_cloze`, without feedback."""
    prepared = [PreparedMatcher(m) for m in question.blanks]

    def score(raw: Any) -> float | FormatError:
        answers = parse_cloze(question, raw)
        if isinstance(answers, FormatError):
            return answers
        results = [p.match(a) for p, a in zip(prepared, answers, strict=True)]
        right = sum(1 for r in results if r is not Match.NONE)
        return clamp(right / len(results))

    return score
