"""text and cloze: typed answers compared after normalization, by regex or fuzzily."""

from __future__ import annotations

import enum
from dataclasses import replace
from typing import Any

from rapidfuzz import fuzz

from course.content.model import ClozeQuestion, TextMatcher, TextQuestion, WrongAnswer
from course.content.patterns import full_match
from course.grading.common import MAX_ITEMS, make_grade, text_of
from course.grading.normalize import contains_words, text_key
from course.grading.result import Feedback, FeedbackKind, FormatError, Grade, ResponseRejected


class Match(enum.Enum):
    EXACT = "exact"
    NEAR = "near"  # accepted by the fuzzy threshold, not exactly
    NONE = "none"


def regex_matches(pattern: str, text: str, case_sensitive: bool) -> bool:
    """Full match with a time bound; a pattern that runs too long does not match."""
    return bool(full_match(pattern, text, case_sensitive))


def match_text(matcher: TextMatcher, response: str, wrong: tuple[str, ...] = ()) -> Match:
    """Compare one typed response with a matcher's accepted answers.

    ``wrong`` are the question's known wrong answers: with ``extra_words`` a response
    that holds an accepted answer is still wrong when it also holds one of them.
    """
    given = text_key(response, matcher.case_sensitive)
    accepted = [text_key(a, matcher.case_sensitive) for a in matcher.answers]
    if given and given in accepted:
        return Match.EXACT
    stripped = response.strip()
    if any(regex_matches(p, stripped, matcher.case_sensitive) for p in matcher.regex):
        return Match.EXACT
    if (
        matcher.extra_words
        and any(contains_words(response, a, matcher.case_sensitive) for a in matcher.answers)
        and not any(contains_words(response, w, matcher.case_sensitive) for w in wrong)
    ):
        return Match.EXACT
    if matcher.fuzzy is not None and given:
        best = max((fuzz.ratio(given, a) / 100 for a in accepted), default=0.0)
        if best >= matcher.fuzzy:
            return Match.NEAR
    return Match.NONE


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
