"""Find quantities with their unit in a sentence: "about 2,000 kamikaze aircraft",
"27 million people", "40 percent", "872 days", "more than a million civilians".

A number is a quantity only when a unit or a counted noun follows it; a four-digit
number with none is left alone (it may be a year), and one with a noun after it
("2000 aircraft") is never read as a year. Numbers that belong to a name ("PQ 17",
"Army Group 2", "No. 3") or to a date are skipped.
"""

from __future__ import annotations

import re

from course.content.facts import MONTH_PATTERN as _MONTH
from course.content.facts import Quantity

_WORDS = {
    "a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15,
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90, "hundred": 100, "half a": 0.5,
}  # fmt: skip
_SCALES = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "hundred": 1e2}
_HEDGES = (
    r"about|some|around|roughly|approximately|nearly|almost|over|more than|less than|"
    r"fewer than|at least|up to|close to|perhaps|an estimated|as many as|as few as|~"
)
_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_WORD_NUMBER = "|".join(sorted(_WORDS, key=len, reverse=True))
_SCALE = "|".join(_SCALES)
# Words that end a unit: verbs, prepositions and other glue.
_STOP = {
    "a", "an", "the", "and", "or", "of", "in", "on", "at", "to", "by", "for", "from",
    "with", "into", "were", "was", "had", "have", "has", "are", "is", "be", "been", "that",
    "which", "who", "while", "when", "as", "than", "but", "so", "it", "its", "their", "his",
    "her", "this", "these", "those", "there", "each", "per", "more", "less", "fewer", "also",
    "still", "only", "died", "fell", "lost", "killed", "made", "went", "came", "took",
    "ago", "later", "earlier", "before", "after", "long", "away", "deep", "wide", "high",
    "strong", "old", "across", "against", "between", "under", "over", "until", "through",
}  # fmt: skip
_NOUNS_LIKE_VERBS = {"wounded", "dead", "killed", "missing", "buildings", "bombers", "hundred"}
_UNIT_WORD = re.compile(r"[A-Za-z][a-z'’-]*|km²|km|%")
_PATTERN = re.compile(
    rf"(?:\b(?P<hedge>{_HEDGES})\s+)?"
    rf"(?P<number>(?<![\w.,-])(?:{_NUMBER})(?![\w,]\d|[A-Za-z])|\b(?:{_WORD_NUMBER})\b(?=\s+(?:{_SCALE})\b))"
    rf"(?:\s*(?:-|–|to|and|or)\s*(?P<high>{_NUMBER}))?"
    rf"(?:\s+(?P<scale>{_SCALE})\b)?"
    r"(?P<rest>.*)",
    re.IGNORECASE,
)


def _value(text: str) -> float:
    lowered = text.lower()
    if lowered in _WORDS:
        return float(_WORDS[lowered])
    return float(lowered.replace(",", ""))


def _unit(rest: str) -> tuple[str, int]:
    """The unit words right after the number, and how many characters they take."""
    percent = re.match(r"\s*(%|per ?cent\b)", rest, re.IGNORECASE)
    if percent:
        return "%", len(percent.group(0))
    words: list[str] = []
    length = 0
    for match in re.finditer(r"\s+([^\s,;:.()]+)", rest):
        if match.start() != length:
            break
        word = match.group(1)
        lowered = word.lower()
        verbish = re.search(r"(ed|ing|ly)$", lowered) and lowered not in _NOUNS_LIKE_VERBS
        if not _UNIT_WORD.fullmatch(word) or lowered in _STOP or verbish or len(words) == 3:
            break
        words.append(word)
        length = match.end()
    while words and words[-1][0].isupper():  # "3 Soviet" is no unit; "300,000 Axis soldiers" is
        length -= len(words.pop()) + 1
    return " ".join(words), length


def _part_of_name(before: str) -> bool:
    """True for "PQ 17", "Army Group 2", "No. 3": the number belongs to a name."""
    previous = re.search(r"(\S+)$", before)
    if previous is None:
        return False
    word = previous.group(1)
    if word in ("No.", "no.", "#") or re.fullmatch(r"[A-Z]{2,}-?", word):
        return True
    at_start = before == word
    return bool(re.fullmatch(r"[A-Z][A-Za-z]*", word)) and not at_start


def find_quantities(sentence: str, taken: list[tuple[int, int]]) -> list[Quantity]:
    """Quantities in the sentence outside the ``taken`` spans (dates already found)."""
    found: list[Quantity] = []
    position = 0
    while True:
        match = _PATTERN.search(sentence, position)
        if match is None:
            return found
        position = match.end("number")
        start = match.start()
        if any(a < match.end("number") and match.start("number") < b for a, b in taken):
            continue
        if _part_of_name(sentence[: match.start("number")].rstrip()):
            continue
        scale = (match.group("scale") or "").lower()
        unit, unit_length = _unit(match.group("rest"))
        if not unit or re.match(rf"\s+{_MONTH}", match.group("rest")):
            continue  # no unit, or a day of the month ("25 April")
        if not scale and match.group("number").lower() in _WORDS:
            continue
        number = _value(match.group("number"))
        factor = _SCALES.get(scale, 1.0)
        high = match.group("high")
        end = match.start("rest") + unit_length
        found.append(
            Quantity(
                span=(start, end),
                text=sentence[start:end],
                value=number * factor,
                high=_value(high) * factor if high else None,
                unit=unit,
                hedged=bool(match.group("hedge")),
                figure=(
                    match.start("number"),
                    match.end("scale")
                    if scale
                    else match.end("high")
                    if high
                    else match.end("number"),
                ),
            )
        )
        position = end
