"""The optimizer recovers known parameters: simulated learners whose memories follow FSRS
with non-default parameters, in UTC−8, UTC+9, UTC+1 and UTC, with the app's learning
steps (same-day reviews on every card); fitted on some learners, scored on the others."""

from __future__ import annotations

from datetime import timedelta

from course.review import optimize
from course.review.queue import learner_day
from course.review.scheduler import DEFAULT_PARAMETERS
from tests.review.simulated import LEARNERS, TRUE_PARAMETERS, simulate

LEARNER_COUNT = 300
FOLDS = 5  # each learner is held out once; fits are made on the other four fifths


def test_simulated_logs_look_like_the_apps() -> None:
    logs = simulate(TRUE_PARAMETERS, 8, seed=2, days=30)
    zones = {log[0].timezone for log in logs}
    assert {"America/Los_Angeles", "Asia/Tokyo"} <= zones == {lr.timezone for lr in LEARNERS}
    cards = same_day = 0
    for log in logs:
        by_card: dict[int, list[optimize.Review]] = {}
        for review in log:
            by_card.setdefault(review.card_id, []).append(review)
        for first, second, *_ in by_card.values():  # the quiz answer, then the next review
            cards += 1
            same_day += learner_day(first.at, first.timezone) == learner_day(
                second.at, second.timezone
            ) and second.at - first.at < timedelta(hours=1)
    # Learning steps follow the quiz answer minutes later, unless it was rated Easy.
    assert same_day > 0.8 * cards


def test_fitted_parameters_beat_the_defaults_and_come_close_to_the_true_ones() -> None:
    learners = [optimize.items_of(log) for log in simulate(TRUE_PARAMETERS, LEARNER_COUNT, seed=1)]
    fitted, default, true = [], [], []
    for fold in range(FOLDS):
        fit_on = sorted(
            (i for n, items in enumerate(learners) if n % FOLDS != fold for i in items),
            key=lambda i: (i.at, i.card_id),
        )
        held_out = sorted(
            (i for n, items in enumerate(learners) if n % FOLDS == fold for i in items),
            key=lambda i: (i.at, i.card_id),
        )
        parameters = optimize.fit_parameters(fit_on)
        fitted.append(optimize.score(parameters, held_out))
        default.append(optimize.score(DEFAULT_PARAMETERS, held_out))
        true.append(optimize.score(TRUE_PARAMETERS, held_out))
        assert fitted[-1].beats(default[-1]), (fold, fitted[-1], default[-1])
    rmse_fitted = sum(s.rmse_bins for s in fitted) / FOLDS
    rmse_true = sum(s.rmse_bins for s in true) / FOLDS
    rmse_default = sum(s.rmse_bins for s in default) / FOLDS
    assert rmse_fitted <= 1.1 * rmse_true, (rmse_fitted, rmse_true, rmse_default)
    # Calibrated where it matters: where most predictions fall, recall is as predicted.
    for scores in fitted:
        biggest = max(scores.calibration, key=lambda b: b.count)
        assert abs(biggest.predicted - biggest.observed) < 0.03
