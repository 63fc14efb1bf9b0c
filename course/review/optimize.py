"""Fit FSRS parameters from review logs with fsrs-rs (the engine Anki uses), and score them
on reviews the fit has not seen.

Training items are built the way Anki builds them for fsrs-rs: for each review after a
card's first, the card's reviews up to and including that one, each with the number of
*days* since the review before it. Days are counted on the learner's own day boundary
(their time zone, the day starting at 04:00; :func:`course.review.queue.learner_day`), so
a review at 23:30 and one at 00:30 are the same day for a learner in UTC−8 even though
their UTC dates differ. Same-day reviews (a quiz answer, then the learning steps minutes
later) stay in the histories, where FSRS models them as short-term memory, but are never
a prediction target: an item whose last review is on the same day as the one before is
dropped, and so every item fsrs-rs sees has a review with ``delta_t > 0`` (it panics on
one that has not).

fsrs-rs is an optional extra (``course[optimize]``): its Python wheel declares no licence,
so the default install carries only ``fsrs`` (MIT), which is all reviewing needs. It is
imported on first use, and :class:`OptimizerUnavailable` says what to install.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import fsrs

from course.review.queue import learner_day
from course.review.scheduler import DEFAULT_PARAMETERS, REVIEW, CardState, retrievabilities

MIN_ITEMS = 400  # fewer than this to fit on and a fit is mostly noise
MIN_HELD_OUT = 100  # fewer than this to score on and the comparison is mostly noise
HELD_OUT_SHARE = 0.2  # the latest fifth of the predictions is held out
CALIBRATION_BINS = 20  # 5 % wide: most predictions fall between 80 and 100 %
MAX_STATE_DIFFERENCE = 0.01  # fsrs must replay fsrs-rs's stabilities within 1 %

INSTALL_HINT = (
    "`course optimize` needs the optional optimizer (fsrs-rs-python), which is not "
    "installed here. Install it with `pip install 'course[optimize]'` (or `pip install "
    "fsrs-rs-python`); `make run` and `make test` install it. Its wheel declares no "
    "licence (the Rust engine it wraps, fsrs-rs, is BSD-3-Clause), which is why the "
    "default install leaves it out. Reviewing and scheduling do not need it."
)

Progress = Callable[[str, int, int], None]
"""Called as ``progress(stage, done, total)`` while a long step runs."""


def _no_progress(stage: str, done: int, total: int) -> None:
    """The default progress callback: report nothing."""


class OptimizerUnavailable(Exception):
    """fsrs-rs-python cannot be imported; the message says what to install."""


class FitFailed(Exception):
    """fsrs-rs refused or failed on these items; the message says why."""


def engine() -> Any:
    """The fsrs_rs_python module, imported on first use.

    Raises:
        OptimizerUnavailable: it is not installed (or cannot be loaded).
    """
    try:
        import fsrs_rs_python
    except ImportError as exc:
        raise OptimizerUnavailable(INSTALL_HINT) from exc
    return fsrs_rs_python


def _guarded(what: str, call: Callable[[], Any]) -> Any:
    """Run an fsrs-rs call; its errors, and its Rust panics (which pyo3 raises as a
    BaseException), become :class:`FitFailed` instead of a traceback."""
    try:
        return call()
    except (KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except BaseException as exc:
        raise FitFailed(f"fsrs-rs failed while {what}: {exc or type(exc).__name__}") from exc


@dataclass(frozen=True)
class Review:
    """One logged review, with the time zone of the learner who made it."""

    card_id: int
    rating: int
    at: datetime  # aware
    timezone: str = "UTC"


@dataclass(frozen=True)
class Item:
    """One prediction: a card's reviews up to and including the one to predict, each as
    ``(rating, learner days since the previous review)``; ``at`` is when the last was made."""

    card_id: int
    reviews: tuple[tuple[int, int], ...]
    at: datetime

    @property
    def recalled(self) -> bool:
        return self.reviews[-1][0] > 1

    @property
    def elapsed_days(self) -> int:
        return self.reviews[-1][1]


def _zone(name: str) -> str:
    """``name`` if zoneinfo knows it, else UTC (a stored zone is validated on input, but a
    zone database without it must not stop the optimizer)."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return "UTC"
    return name


def _card_items(reviews: Sequence[Review]) -> list[Item]:
    """Anki's training items of one card (reviews in time order)."""
    zone = _zone(reviews[0].timezone)
    days = [learner_day(r.at, zone) for r in reviews]
    steps = [(reviews[0].rating, 0)]
    items = []
    for k in range(1, len(reviews)):
        # max(0, …): a time zone's clock change at the day start could step a day back.
        elapsed = max(0, (days[k] - days[k - 1]).days)
        steps.append((reviews[k].rating, elapsed))
        if elapsed > 0:
            items.append(Item(reviews[k].card_id, tuple(steps), reviews[k].at))
    return items


def items_of(reviews: Iterable[Review], progress: Progress = _no_progress) -> list[Item]:
    """Training items of every card, ordered by the time of the review each predicts
    (fsrs-rs weights later items more, and the held-out split is by that time).

    Reviews of one card at the same moment keep their given order; ratings outside 1–4
    (none the app writes) are skipped, as Anki skips its manual entries.
    """
    by_card: dict[int, list[Review]] = defaultdict(list)
    for review in reviews:
        if 1 <= review.rating <= 4:
            by_card[review.card_id].append(review)
    items: list[Item] = []
    total = len(by_card)
    for done, card_reviews in enumerate(by_card.values(), 1):
        card_reviews.sort(key=lambda r: r.at)
        items.extend(_card_items(card_reviews))
        if done % 1000 == 0 or done == total:
            progress("Building training items", done, total)
    items.sort(key=lambda i: (i.at, i.card_id))
    return items


def split_by_time(
    items: Sequence[Item], held_out_share: float = HELD_OUT_SHARE
) -> tuple[list[Item], list[Item]]:
    """The earlier items to fit on and the later ones to score on (``items`` in time
    order); items made at the same moment stay on the same side."""
    if not items:
        return [], []
    cutoff = items[min(len(items) - 1, int(len(items) * (1 - held_out_share)))].at
    return [i for i in items if i.at < cutoff], [i for i in items if i.at >= cutoff]


@dataclass(frozen=True)
class CalibrationBin:
    """Predictions between ``low`` and ``high``: how many, their mean, the recall seen."""

    low: float
    high: float
    count: int
    predicted: float
    observed: float


@dataclass(frozen=True)
class Scores:
    """How well one parameter set predicts some items (srs-benchmark's figures)."""

    log_loss: float
    rmse_bins: float
    auc: float | None  # None when every item was recalled, or none was
    items: int
    calibration: tuple[CalibrationBin, ...]

    def beats(self, other: Scores) -> bool:
        """Lower log loss and lower RMSE (bins) on the same items."""
        return self.log_loss < other.log_loss and self.rmse_bins < other.rmse_bins


def _rs_item(rs: Any, reviews: Sequence[tuple[int, int]]) -> Any:
    return rs.FSRSItem([rs.FSRSReview(rating, days) for rating, days in reviews])


def predictions(parameters: Sequence[float], items: Sequence[Item]) -> list[float]:
    """Predicted probability of recall at each item's last review: the memory state
    fsrs-rs computes from the reviews before it, on fsrs's forgetting curve."""
    rs = engine()
    histories = [_rs_item(rs, item.reviews[:-1]) for item in items]
    model = rs.FSRS(list(parameters))
    states = _guarded("computing memory states", lambda: model.memory_state_batch(histories))
    at = datetime(2000, 1, 1, tzinfo=UTC)
    cards = [
        CardState(
            state=REVIEW,
            stability=state.stability,
            difficulty=state.difficulty,
            last_review=at - timedelta(days=item.elapsed_days),
        )
        for state, item in zip(states, items, strict=True)
    ]
    return retrievabilities(cards, at, parameters)


def auc(predicted: Sequence[float], recalled: Sequence[bool]) -> float | None:
    """Area under the ROC curve: the chance that a recalled item was predicted higher
    than a forgotten one (ties count half), by the rank-sum formula; None when undefined."""
    positives = sum(recalled)
    negatives = len(recalled) - positives
    if positives == 0 or negatives == 0:
        return None
    order = sorted(range(len(predicted)), key=lambda k: predicted[k])
    rank_sum = 0.0
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and predicted[order[end + 1]] == predicted[order[start]]:
            end += 1
        mean_rank = (start + end) / 2 + 1  # ranks are 1-based; ties share their mean
        rank_sum += mean_rank * sum(recalled[order[k]] for k in range(start, end + 1))
        start = end + 1
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)


def calibration(
    predicted: Sequence[float], recalled: Sequence[bool], bins: int = CALIBRATION_BINS
) -> tuple[CalibrationBin, ...]:
    """Predicted against observed recall in ``bins`` equal bins of prediction (empty ones
    left out)."""
    members: list[list[int]] = [[] for _ in range(bins)]
    for k, p in enumerate(predicted):
        members[min(bins - 1, max(0, int(p * bins)))].append(k)
    return tuple(
        CalibrationBin(
            low=b / bins,
            high=(b + 1) / bins,
            count=len(ks),
            predicted=math.fsum(predicted[k] for k in ks) / len(ks),
            observed=sum(recalled[k] for k in ks) / len(ks),
        )
        for b, ks in enumerate(members)
        if ks
    )


def score(parameters: Sequence[float], items: Sequence[Item]) -> Scores:
    """Log loss and RMSE (bins) from fsrs-rs's own evaluation; AUC and the calibration
    table from the same predictions (:func:`predictions`)."""
    rs = engine()
    model = rs.FSRS(list(parameters))
    rs_items = [_rs_item(rs, item.reviews) for item in items]
    evaluation = _guarded("scoring parameters", lambda: model.evaluate(rs_items))
    predicted = predictions(parameters, items)
    recalled = [item.recalled for item in items]
    return Scores(
        log_loss=float(evaluation.log_loss),
        rmse_bins=float(evaluation.rmse_bins),
        auc=auc(predicted, recalled),
        items=len(items),
        calibration=calibration(predicted, recalled),
    )


def fit_parameters(items: Sequence[Item]) -> tuple[float, ...]:
    """Parameters fitted by fsrs-rs to ``items`` (in time order), checked by fsrs.

    Raises:
        FitFailed: fsrs-rs failed, or fsrs would not accept what it returned.
    """
    rs = engine()
    rs_items = [_rs_item(rs, item.reviews) for item in items]
    model = rs.FSRS(list(DEFAULT_PARAMETERS))
    fitted = tuple(
        float(w) for w in _guarded("fitting parameters", lambda: model.compute_parameters(rs_items))
    )
    try:
        fsrs.Scheduler(parameters=fitted)
    except ValueError as exc:
        raise FitFailed(f"fsrs does not accept the fitted parameters: {exc}") from exc
    return fitted


def state_difference(parameters: Sequence[float], items: Sequence[Item]) -> float:
    """Largest relative difference of stability between fsrs-rs and fsrs replaying the
    same histories (each review ``days`` after the one before, same-day ones included)."""
    rs = engine()
    model = rs.FSRS(list(parameters))
    scheduler = fsrs.Scheduler(
        parameters=tuple(parameters), enable_fuzzing=False, learning_steps=(), relearning_steps=()
    )
    start = datetime(2000, 1, 1, tzinfo=UTC)
    worst = 0.0
    histories = [_rs_item(rs, item.reviews) for item in items]
    states = _guarded("computing memory states", lambda: model.memory_state_batch(histories))
    for item, state in zip(items, states, strict=True):
        card, now = fsrs.Card(card_id=1, due=start), start
        for rating, days in item.reviews:
            now += timedelta(days=days, minutes=1)  # a minute apart on the same day
            card, _ = scheduler.review_card(card, fsrs.Rating(rating), now)
        assert card.stability is not None
        worst = max(worst, abs(card.stability - state.stability) / max(state.stability, 1e-9))
    return worst


@dataclass(frozen=True)
class TooFew:
    """Not enough predictions to fit on, or to score on."""

    fit_items: int
    held_out_items: int


@dataclass(frozen=True)
class Outcome:
    """Parameters fitted on the earlier reviews, scored with the defaults (and the
    parameters in use, when they differ) on the later ones."""

    fit_items: int
    held_out_items: int
    held_out_from: datetime
    parameters: tuple[float, ...]
    fitted: Scores
    default: Scores
    current: Scores | None  # the stored parameters, when there are some
    max_state_difference: float

    @property
    def better(self) -> bool:
        """The fitted parameters beat the defaults, and the ones in use, on the held-out
        reviews, and fsrs replays them as fsrs-rs does."""
        rivals = [self.default] if self.current is None else [self.default, self.current]
        return (
            all(self.fitted.beats(rival) for rival in rivals)
            and self.max_state_difference <= MAX_STATE_DIFFERENCE
        )


def optimize(
    reviews: Iterable[Review],
    current: Sequence[float] | None = None,
    *,
    progress: Progress = _no_progress,
    min_items: int = MIN_ITEMS,
    min_held_out: int = MIN_HELD_OUT,
) -> Outcome | TooFew:
    """Fit on the earlier part of the logs and score on the later part.

    Args:
        reviews: every review of the course, in any order.
        current: the parameters in use, or None for the defaults.
        progress: told about each step.
        min_items: fewest predictions to fit on.
        min_held_out: fewest predictions to score on.

    Raises:
        OptimizerUnavailable: fsrs-rs-python is not installed.
        FitFailed: fsrs-rs failed on the items.
    """
    engine()
    items = items_of(reviews, progress)
    fit_part, held_out = split_by_time(items)
    if len(fit_part) < max(1, min_items) or len(held_out) < max(1, min_held_out):
        return TooFew(len(fit_part), len(held_out))
    progress("Fitting parameters", 0, 1)
    parameters = fit_parameters(fit_part)
    progress("Fitting parameters", 1, 1)
    rivals: list[tuple[float, ...]] = [parameters, DEFAULT_PARAMETERS]
    if current is not None and tuple(current) != DEFAULT_PARAMETERS:
        rivals.append(tuple(current))
    scores = []
    for done, candidate in enumerate(rivals, 1):
        scores.append(score(candidate, held_out))
        progress("Scoring on the held-out reviews", done, len(rivals))
    return Outcome(
        fit_items=len(fit_part),
        held_out_items=len(held_out),
        held_out_from=held_out[0].at,
        parameters=parameters,
        fitted=scores[0],
        default=scores[1],
        current=scores[2] if len(scores) > 2 else None,
        max_state_difference=state_difference(parameters, held_out[:200]),
    )
