"""From a graded answer (and how sure the learner was) to an FSRS rating.

The mapping, in one place:

============================================  ======
answer                                        rating
============================================  ======
score < 0.5 (wrong, or mostly wrong)          Again
any answer the learner marks "I'm guessing"   Again
0.5 ≤ score < 1 (partial credit)              Hard
right                                         Good
right, sure, and quicker than 60 % of the
learner's own median answer time              Easy
============================================  ======

FSRS models recall as a yes/no event: Hard, Good and Easy all mean "recalled" and grow
the interval. A right answer the learner marks as a guess is not evidence of memory,
so it rates Again: the card goes through relearning steps instead of being pushed days
further out on a false signal; a partial answer marked as a guess likewise. A partial
answer *not* marked as a guess mostly comes from a recall with a slip, and stays Hard:
rating every partial answer Again costs about half as many answers again for little
more recall and makes the predictions pessimistic (docs/architecture.md has the 90-day
simulation, ``bench/review_mapping.py``). The rating is a suggestion: after the
feedback the learner may change it.

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
    if score < WRONG_BELOW or confidence is Confidence.GUESSED:
        return Rating.AGAIN
    if score < 1.0:
        return Rating.HARD
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
    """The earlier mapping (a guess, right or partial, rated Hard), kept for the
    simulation that compares the two (``bench/review_mapping.py``)."""
    if score < WRONG_BELOW:
        return Rating.AGAIN
    if score < 1.0 or confidence is Confidence.GUESSED:
        return Rating.HARD
    return rating_for(score, confidence, duration_ms, quick_ms)
