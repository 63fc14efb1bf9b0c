"""Authors' regular expressions: compiled once, run with a time bound, probed for traps.

The grader and the validator share this module so that a pattern is read the same
way by both (the ``regex`` package, version-0 syntax, with a timeout).
"""

from __future__ import annotations

from functools import lru_cache

import regex

# An instructor's regex must not hang the server: the regex engine stops after this.
REGEX_TIMEOUT_SECONDS = 0.05
PROBE_LENGTH = 48


@lru_cache(maxsize=1024)
def compiled(pattern: str, case_sensitive: bool) -> regex.Pattern[str]:
    """The pattern compiled as the grader runs it; raises ``regex.error`` if it is invalid."""
    flags = 0 if case_sensitive else regex.IGNORECASE
    return regex.compile(pattern, flags | regex.V0)


def full_match(pattern: str, text: str, case_sensitive: bool) -> bool | None:
    """Whether ``pattern`` matches all of ``text``; ``None`` when it ran out of time."""
    try:
        found = compiled(pattern, case_sensitive).fullmatch(text, timeout=REGEX_TIMEOUT_SECONDS)
    except TimeoutError:
        return None
    except regex.error:
        return False
    return found is not None


def _probes(pattern: str) -> list[str]:
    """Inputs that make nested repetition backtrack: a run of one character, then a misfit."""
    letters = [ch for ch in dict.fromkeys(pattern) if ch.isalnum()][:6]
    return [ch * PROBE_LENGTH + "!" for ch in [*letters, "a", "1", " "]] + [
        "a " * (PROBE_LENGTH // 2) + "!"
    ]


def slow_input(pattern: str, samples: list[str], case_sensitive: bool = False) -> str | None:
    """An input (from ``samples`` or the probes) on which ``pattern`` runs out of time.

    A pattern that does is a trap: learners' answers like it would be marked wrong
    after a wait, whatever they say.
    """
    for text in [*samples, *_probes(pattern)]:
        if full_match(pattern, text, case_sensitive) is None:
            return text
    return None
