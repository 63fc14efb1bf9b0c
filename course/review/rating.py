"""From a graded answer (and how sure the learner was) to an FSRS rating.

The mapping, in one place:

============================================  ======
answer                                        rating
============================================  ======
score < 1 (wrong, or only partly right)       Again
right, but the learner says they guessed      Again
right                                         Good
right, sure, and quicker than 60 % of the
learner's own median answer time              Easy
============================================  ======

FSRS models recall as a yes/no event: Hard, Good and Easy all mean "recalled" and grow
the interval. A right answer the learner marks as a guess, and a partly right answer,
are not evidence that the whole answer was recalled, so they rate Again: the card goes
through relearning steps instead of being pushed days further out on a false signal.
The rating is only a suggestion: after the feedback the learner may change it (a
near-miss they know they knew can be raised to Hard). docs/architecture.md has the
90-day simulation behind this choice.

"Quick" is relative to the learner, so slow readers are not penalized; until a learner
has answered five questions the threshold is a fixed 8 seconds.
"""

from __future__ import annotations

import enum
import statistics
from collections.abc import Sequence


class Rating(enum.IntEnum):
    """FSRS ratings (same values as ``fsrs.Rating``)."""

    AGAIN = 1
    HARD = 2
    GOOD = 3
    EASY = 4


class Confidence(enum.StrEnum):
    """What the learner said about their answer (optional)."""

    SURE = "sure"
    GUESSED = "guessed"


WRONG_BELOW = 0.5  # below this an answer is wrong (rather than partly right)
QUICK_FRACTION = 0.6
DEFAULT_QUICK_MS = 8_000
MIN_HISTORY = 5


def quick_threshold_ms(recent_durations_ms: Sequence[int]) -> int:
    """Answers faster than this count as quick for this learner."""
    usable = [d for d in recent_durations_ms if d > 0]
    if len(usable) < MIN_HISTORY:
        return DEFAULT_QUICK_MS
    return int(QUICK_FRACTION * statistics.median(usable))


def rating_for(
    score: float, confidence: Confidence | None, duration_ms: int, quick_ms: int
) -> Rating:
    """The FSRS rating for one answer; see the module docstring for the table."""
    if score < 1.0 or confidence is Confidence.GUESSED:
        return Rating.AGAIN
    if confidence is Confidence.SURE and 0 < duration_ms < quick_ms:
        return Rating.EASY
    return Rating.GOOD


def parse_confidence(value: str | None) -> Confidence | None:
    """Form value → confidence; anything else (including forged values) is no answer."""
    try:
        return Confidence(value) if value else None
    except ValueError:
        return None


def previous_rating_for(
    score: float, confidence: Confidence | None, duration_ms: int, quick_ms: int
) -> Rating:
    """The earlier mapping (partial or guessed → Hard), kept for the simulation that
    compares the two (``bench/review_mapping.py``)."""
    if score < WRONG_BELOW:
        return Rating.AGAIN
    if score < 1.0 or confidence is Confidence.GUESSED:
        return Rating.HARD
    return rating_for(score, confidence, duration_ms, quick_ms)
