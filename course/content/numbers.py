"""The one number reader: numbers as people write them, for learners and authors alike.

Learners type ``20,000,000``, ``20 million``, ``twenty million``, ``about 20m``,
``38th`` or ``38° N``; authors may write a quiz's number the same way (contract
v1.1). Both go through :func:`read_number`, which says not only the value but how
sure the reading is: a hedge ("about", "~"), or a form that another convention
reads differently (``1.418`` is one thousand four hundred and eighteen in much of
Europe; ``20.000.000`` has dots between thousands). The grader and the validator
decide what to do with that; this module never guesses silently.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction

MAX_EXPONENT = 300

_SCALES = {
    "thousand": 10**3,
    "k": 10**3,
    "million": 10**6,
    "millions": 10**6,
    "mil": 10**6,
    "mln": 10**6,
    "m": 10**6,
    "mn": 10**6,
    "billion": 10**9,
    "billions": 10**9,
    "bn": 10**9,
    "b": 10**9,
    "trillion": 10**12,
}
_UNITS = {
    w: i
    for i, w in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
        ]
    )
}
_TENS = {
    w: 10 * i
    for i, w in enumerate(
        ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
    )
    if w != "_"
}
_ORDINAL_WORDS = {
    "first": "one",
    "second": "two",
    "third": "three",
    "fifth": "five",
    "eighth": "eight",
    "ninth": "nine",
    "twelfth": "twelve",
}
# Words that say "approximately": removed, and the reading is marked as hedged.
_HEDGES = re.compile(
    r"^(?:~|≈|about|around|approximately|approx\.?|roughly|nearly|almost|circa|ca\.|c\.|"
    r"some|an estimated|estimated|est\.)\s*"
)
_HEDGE_AFTER = re.compile(r"\s*(?:or so|-ish|ish)$")
_COMPASS = re.compile(r"\s*°\s*(?:n|s|e|w|north|south|east|west)?\.?$")
_ORDINAL = re.compile(r"(?<=\d)(?:st|nd|rd|th)$")
_FRACTION = re.compile(r"([-+]?\d+)\s*/\s*(\d+)")
_EXPONENT = re.compile(r"(?P<mantissa>.+?)\s*(?:e|[×x*]\s*10\s*\^)\s*(?P<exp>[-+]?\d+)")
_POWER_OF_TEN = re.compile(r"10\s*\^\s*(?P<exp>[-+]?\d+)")
_PLAIN = re.compile(r"\d+(?:\.\d+)?|\.\d+")
_COMMAS = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_SPACES = re.compile(r"\d{1,3}(?: \d{3})+(?:\.\d+)?")
_UNDERSCORES = re.compile(r"\d+(?:_\d+)+(?:\.\d+)?")
_ONE_DOT_GROUP = re.compile(r"[1-9]\d{0,2}\.\d{3}")
_DOT_GROUPS = re.compile(r"\d{1,3}(?:\.\d{3}){2,}(?:,\d+)?|\d{1,3}(?:\.\d{3})+,\d+")
_DECIMAL_COMMA = re.compile(r"\d+,(?:\d{1,2}|\d{4,})")
_WHITESPACE = re.compile(r"\s+")
_SHORT_SCALE = re.compile(r"([\d.,]+)\s*(k|m|mn|mln|bn|b)")


@dataclass(frozen=True)
class Reading:
    """What a written number says, and how sure that is.

    Attributes:
        value: the number as English writing reads it.
        hedged: the writer said it is approximate ("about 20 million", "~20m").
        grouped: for a form like ``1.418``, the value if the dot separated thousands.
        advice: set when the form is not English number writing at all
            (``20.000.000``, ``1,5``); says how to write it, using only the writer's
            own digits.
    """

    value: float
    hedged: bool = False
    grouped: float | None = None
    advice: str | None = None

    @property
    def exact(self) -> bool:
        """Read without a hedge, an ambiguity or a foreign form."""
        return not self.hedged and self.grouped is None and self.advice is None


def _clean(text: str) -> str:
    value = unicodedata.normalize("NFKC", text).replace("\u2212", "-").lower()
    value = _WHITESPACE.sub(" ", value).strip()
    return value.rstrip(".!").strip()


_PERCENT_FORMS = frozenset({"%", "percent", "per cent", "pct"})


@functools.lru_cache(maxsize=256)
def _unit_forms(unit: str | None) -> tuple[str, ...]:
    """The question's unit as learners may write it: as given, singular, abbreviated.

    Cached: every number answer to a question (and every authored example that
    ``course validate`` grades) asks again for the same few units.
    """
    if not unit or not unit.strip():
        return ()
    base = _clean(unit)
    forms = {base, base.replace(" ", "")}
    if base.endswith("s") and len(base) > 2:
        forms.add(base[:-1])
    abbreviated = re.sub(r"\b(north|south|east|west)\b", lambda m: m.group(1)[0], base)
    forms.update({abbreviated, abbreviated.replace(" ", "")})
    if base in _PERCENT_FORMS:  # "40 percent" where the unit is "%", and the other way
        forms.update(_PERCENT_FORMS)
    return tuple(sorted((f for f in forms if f), key=len, reverse=True))


def _strip_unit(value: str, unit: str | None) -> str:
    for form in _unit_forms(unit):
        if value.endswith(form) and len(value) > len(form):
            before = value[: -len(form)]
            # "20 km" and "20km" both; never cut a word in two ("5 decades" for unit "s").
            if form[0].isalnum() and before[-1:].isalpha():
                continue
            return before.strip()
    return value


def _words_value(words: list[str]) -> int | None:
    """English number words: "twenty-five", "one hundred and twelve", "a million"."""
    total = 0
    current = 0
    for position, word in enumerate(words):
        if word == "and" and position:
            continue
        if word == "a" and position == 0:
            current = 1
        elif word in _UNITS and _UNITS[word] < 10:
            if current % 10 or 0 < current % 100 < 20:
                return None  # "five six", "eleven two"
            current += _UNITS[word]
        elif word in _UNITS or word in _TENS:
            if current % 100:
                return None  # "twenty thirty", "five twelve"
            current += _UNITS.get(word) or _TENS[word]
        elif word == "hundred":
            if not current:
                return None
            current *= 100
        elif word in _SCALES and len(word) > 2:
            if not current:
                return None  # "million" alone says no number
            total += current * _SCALES[word]
            current = 0
        else:
            return None
    return total + current if words else None


def _ordinal_word(word: str) -> str:
    if word in _ORDINAL_WORDS:
        return _ORDINAL_WORDS[word]
    if word.endswith("ieth"):
        return word[:-4] + "y"
    if word.endswith("th") and word[:-2] in {*_UNITS, "hundred", "thousand", "million"}:
        return word[:-2]
    return word


def _number_words(value: str) -> int | None:
    words = [_ordinal_word(w) for w in re.split(r"[\s-]+", value.replace(",", " ")) if w]
    if not words or len(words) > 20:
        return None
    return _words_value(words)


def _digits(value: str) -> Reading | None:
    """Digits with English grouping, or a foreign form with advice."""
    if _PLAIN.fullmatch(value):
        grouped = float(value.replace(".", "")) if _ONE_DOT_GROUP.fullmatch(value) else None
        return Reading(float(value), grouped=grouped)
    for pattern, separator in ((_COMMAS, ","), (_SPACES, " "), (_UNDERSCORES, "_")):
        if pattern.fullmatch(value):
            return Reading(float(value.replace(separator, "")))
    if _DOT_GROUPS.fullmatch(value):
        whole, _, decimals = value.partition(",")
        english = f"{int(whole.replace('.', '')):,}" + (f".{decimals}" if decimals else "")
        return Reading(
            float(english.replace(",", "")),
            advice=f"“{value}” puts dots between thousands; in English write it "
            f"{english} (commas between thousands, a dot before decimals).",
        )
    if _DECIMAL_COMMA.fullmatch(value):
        whole, decimals = value.split(",")
        return Reading(
            float(f"{whole}.{decimals}"),
            advice=f"“{value}” uses a decimal comma; write {whole}.{decimals} "
            "(a dot before decimals, commas only between thousands).",
        )
    return None


def _mantissa(value: str) -> Reading | None:
    exponent = _EXPONENT.fullmatch(value)
    if exponent:
        inner = _digits(exponent.group("mantissa").strip())
        power = int(exponent.group("exp"))
        if inner is None or abs(power) > MAX_EXPONENT or inner.advice:
            return None
        return Reading(_scaled(inner.value, 10.0**power))
    power_only = _POWER_OF_TEN.fullmatch(value)
    if power_only and abs(int(power_only.group("exp"))) <= MAX_EXPONENT:
        return Reading(10.0 ** int(power_only.group("exp")))
    return _digits(value)


def _scaled(value: float, multiplier: float) -> float:
    """``value × multiplier`` without binary noise where decimals can be exact (1.1 × 10⁶)."""
    try:
        return float(Decimal(repr(value)) * Decimal(repr(multiplier)))
    except InvalidOperation:  # pragma: no cover - repr of a finite float is always valid
        return value * multiplier


def _unsigned(value: str) -> Reading | None:
    fraction = _FRACTION.fullmatch(value)
    if fraction:
        denominator = int(fraction.group(2))
        if denominator == 0:
            return None
        return Reading(float(Fraction(int(fraction.group(1)), denominator)))
    multiplier = 1
    words = value.split()
    if len(words) > 1 and words[-1] in _SCALES:
        multiplier = _SCALES[words[-1]]
        value = " ".join(words[:-1])
    else:
        short = _SHORT_SCALE.fullmatch(value)
        if short:
            multiplier = _SCALES[short.group(2)]
            value = short.group(1)
    reading = _mantissa(value)
    if reading is None:
        spelled = _number_words(value)
        if spelled is None:
            return None
        reading = Reading(float(spelled))
    if multiplier == 1:
        return reading
    # "1.418 million" is English for 1,418,000: a dot before a scale word is a decimal point.
    return Reading(_scaled(reading.value, multiplier), advice=reading.advice)


def read_number(text: str, unit: str | None = None) -> Reading | None:
    """Read a number as a person writes it; ``None`` when it is not one.

    Understood: ``42``, ``3.5``, ``20,000,000``, ``20 000 000``, ``2e7``,
    ``2.5 × 10^7``, ``1/2``, ``12k``, ``20 million``, ``twenty million``,
    ``thirty-eight``, ordinals (``38th``, ``thirty-eighth``), degrees with a compass
    point (``38° N``), the question's ``unit`` after the number, and hedges
    (``about``, ``around``, ``roughly``, ``~``…), which are reported in
    :attr:`Reading.hedged`.
    """
    value = _clean(text)
    hedged = False
    while True:
        stripped = _HEDGE_AFTER.sub("", _HEDGES.sub("", value, count=1), count=1).strip()
        if stripped == value:
            break
        hedged, value = True, stripped
    value = value.removeprefix("the ").strip()
    value = _strip_unit(value, unit)
    value = _COMPASS.sub("", value).strip()
    value = _ORDINAL.sub("", value)
    negative = value.startswith("-")
    value = value.lstrip("+-").strip()
    if not value or len(value) > 200:
        return None
    reading = _unsigned(value)
    if reading is None or reading.value != reading.value or abs(reading.value) == float("inf"):
        return None
    sign = -1.0 if negative else 1.0
    grouped = sign * reading.grouped if reading.grouped is not None else None
    return Reading(sign * reading.value, hedged or reading.hedged, grouped, reading.advice)
