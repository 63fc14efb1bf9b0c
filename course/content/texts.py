"""How typed text is compared: one definition for the grader and the validator.

Case (unless asked), accents (and strokes and ligatures: ``Łódź`` is ``Lodz``, ``Ærø``
is ``Aero``), a leading "the", punctuation and spacing never count
(contract v1.1): ``U.S.S.R.`` equals ``USSR`` and ``Chiang Kai shek`` equals
``Chiang Kai-shek``. The validator uses the same keys to catch a ``wrong`` answer that
learners could never be given, because it equals an accepted one.
"""

from __future__ import annotations

import re
import unicodedata

_PUNCT = re.compile(r"[^\w\s]", re.UNICODE)
# Letters that Unicode does not decompose into a base letter and a mark, so dropping
# marks leaves them as they are: a stroke (Łódź, Øresund, Đorđe), a ligature (Ærø,
# Œuvre, Straße) or a letter of its own (Kırıkkale, Þór). Learners type them the way
# an English keyboard allows, so they fold to those letters, in the same case.
_LETTERS = str.maketrans(
    {
        "Ł": "L", "ł": "l", "Ø": "O", "ø": "o", "Đ": "D", "đ": "d", "Ð": "D", "ð": "d",
        "Ħ": "H", "ħ": "h", "Ŧ": "T", "ŧ": "t", "Ɨ": "I", "ɨ": "i", "Ƶ": "Z", "ƶ": "z",
        "Æ": "AE", "æ": "ae", "Œ": "OE", "œ": "oe", "ẞ": "SS", "ß": "ss",
        "Þ": "TH", "þ": "th", "ı": "i", "ĸ": "k",
    }
)  # fmt: skip
_SPACE = re.compile(r"\s+")


# A capital ligature before a small letter starts a capitalized word: "Ærø" is "Aero",
# and only "ÆRØ" is "AERO" (this matters only when case counts).
_CAPITAL_PAIR = re.compile("[ÆŒÞẞ](?=[^\\W\\d_])")
_CAPITALIZED = {"Æ": "Ae", "Œ": "Oe", "Þ": "Th", "ẞ": "Ss"}


def _capital_pair(match: re.Match[str]) -> str:
    after = match.string[match.end()]
    return _CAPITALIZED[match[0]] if after.islower() else match[0]


def normalize_text(text: str, case_sensitive: bool = False) -> str:
    """Fold case, diacritics, spacing and a leading "the"; remove punctuation.

    Punctuation is removed, not turned into a space (contract v1.1), so ``U.S.S.R.``
    reads as ``ussr`` and ``Stalin's`` as ``stalins``.
    """
    if text.isascii():  # nothing to decompose, no combining marks
        stripped = text
    else:
        decomposed = unicodedata.normalize("NFKD", text)
        stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
        if case_sensitive and _CAPITAL_PAIR.search(stripped):
            stripped = _CAPITAL_PAIR.sub(_capital_pair, stripped)
        stripped = stripped.translate(_LETTERS)
    if not case_sensitive:
        stripped = stripped.casefold()
    cleaned = _SPACE.sub(" ", _PUNCT.sub("", stripped.replace("_", " "))).strip()
    if cleaned.lower().startswith("the "):
        cleaned = cleaned[4:]
    return cleaned


def text_key(text: str, case_sensitive: bool = False) -> str:
    """What two texts must share to be equal: :func:`normalize_text` without any spaces.

    Spacing never counts: ``Chiang Kaishek``, ``Chiang Kai shek`` and ``Chiang Kai-shek``
    have the same key.
    """
    return normalize_text(text, case_sensitive).replace(" ", "")


def contains_words(text: str, phrase: str, case_sensitive: bool = False) -> bool:
    """``text`` holds ``phrase`` as whole words, in order (spacing inside it ignored)."""
    key = text_key(phrase, case_sensitive)
    if not key:
        return False
    words = normalize_text(text, case_sensitive).split()
    for start in range(len(words)):
        joined = ""
        for word in words[start:]:
            joined += word
            if joined == key:
                return True
            if len(joined) >= len(key) or not key.startswith(joined):
                break
    return False
