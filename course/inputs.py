"""Strict readers for untrusted text: whole numbers in ASCII digits, storable strings.

Shared by every adapter and service that turns typed text into values, so that one
rule decides what a "number" is (``str.isdigit()`` accepts ``²`` and ``٣``, and
``int()`` of a 5,000-digit string is a denial of service) and which characters can
be stored at all (PostgreSQL refuses NUL in text, and no driver can encode a lone
surrogate), and which are refused because they disguise text (bidirectional embedding,
override and isolate controls).
"""

from __future__ import annotations

import re

# 32-bit signed: the id columns are INTEGER on PostgreSQL.
MAX_ID = 2**31 - 1
_ASCII_INT = re.compile(r"[0-9]{1,18}")
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# Embeddings and overrides (U+202A-U+202E) and isolates (U+2066-U+2069): invisible, they
# reorder the text after them, so "Ivan \u202eevil" shows as another name, and a dispute
# can read differently to its instructor from what was sent. Right-to-left text needs none
# of them (the Unicode algorithm orders Arabic and Hebrew by itself).
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def parse_int(raw: str | None, low: int = 0, high: int = MAX_ID) -> int | None:
    """``raw`` as a whole number in ``[low, high]``, or ``None``.

    Only ASCII digits are accepted (after trimming spaces), at most 18 of them, so
    ``"²"``, ``"٣"``, ``"-1"``, ``"1e3"`` and 5,000-digit strings are all ``None``.
    """
    if raw is None:
        return None
    text = raw.strip()
    if not _ASCII_INT.fullmatch(text):
        return None
    value = int(text)
    return value if low <= value <= high else None


def unstorable(text: str) -> str | None:
    """Why ``text`` cannot be stored (``"a NUL byte"``, ``"a lone surrogate"``), or ``None``."""
    match = _UNSTORABLE.search(text)
    if match is None:
        return None
    return "a NUL byte" if match.group() == "\x00" else "a lone surrogate"


def bidi_control(text: str) -> str | None:
    """The first bidirectional control character in ``text`` (as ``"U+202E"``), or ``None``."""
    match = _BIDI_CONTROLS.search(text)
    return None if match is None else f"U+{ord(match.group()):04X}"


def scrub(text: str) -> str:
    """``text`` with the characters this site refuses (unstorable ones, bidirectional
    controls) replaced by U+FFFD, for showing it back: sent again, it is then taken."""
    return _BIDI_CONTROLS.sub("\ufffd", _UNSTORABLE.sub("\ufffd", text))
