"""What `course optimize` shows: progress bars while it runs (on a terminal), then the
held-out figures, the calibration table and what became of the fitted parameters."""

from __future__ import annotations

import sys
from typing import Any

import click

from course.review.optimize import MIN_HELD_OUT, MIN_ITEMS, Outcome, Scores, TooFew
from course.services.optimize import Decision, OptimizeReport


class Progress:
    """Progress bars on stderr, one per step of a long command, when stderr is a
    terminal; nothing otherwise (logs and pipes get only the result)."""

    def __init__(self, stream: Any = None) -> None:
        self.stream = stream or sys.stderr
        self.bar: Any = None
        self.stage = ""

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.stream.isatty():
            return
        if stage != self.stage:
            self.close()
            self.stage = stage
            self.bar = click.progressbar(length=max(total, 1), label=stage, file=self.stream)
            self.bar.__enter__()
        assert self.bar is not None
        self.bar.update(done - self.bar.pos)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


def _scores_line(name: str, scores: Scores) -> str:
    auc = "   n/a" if scores.auc is None else f"{scores.auc:6.3f}"
    return f"  {name:<20} {scores.log_loss:8.4f} {scores.rmse_bins:12.4f} {auc}"


def _print_outcome(outcome: Outcome) -> None:
    click.echo(
        f"Fitted on the {outcome.fit_items} earlier predictions; scored on the "
        f"{outcome.held_out_items} later ones (reviews from "
        f"{outcome.held_out_from:%Y-%m-%d %H:%M} UTC on)."
    )
    click.echo(f"  {'held-out reviews':<20} {'log loss':>8} {'RMSE (bins)':>12} {'AUC':>6}")
    click.echo(_scores_line("fitted parameters", outcome.fitted))
    click.echo(_scores_line("default parameters", outcome.default))
    if outcome.current is not None:
        click.echo(_scores_line("parameters in use", outcome.current))
    click.echo("Calibration of the fitted parameters on the held-out reviews:")
    click.echo(f"  {'predicted recall':<17} {'reviews':>7} {'mean predicted':>15} {'recalled':>9}")
    for b in outcome.fitted.calibration:
        span = f"{b.low:.0%}–{b.high:.0%}"
        click.echo(f"  {span:<17} {b.count:7d} {b.predicted:15.1%} {b.observed:9.1%}")
    click.echo(
        f"fsrs replays the fitted schedule within {outcome.max_state_difference:.2%} "
        "of fsrs-rs's stabilities."
    )


_DECISIONS = {
    Decision.STORED: "Stored: reviews in this course now use the fitted parameters.",
    Decision.EVALUATE_ONLY: "Evaluation only (--evaluate); nothing stored.",
    Decision.NOT_BETTER: (
        "NOT stored: the fitted parameters do not beat {rivals} on the held-out reviews "
        "(both a lower log loss and a lower RMSE (bins) are needed, and fsrs must replay "
        "them within 1 %). The parameters in use stay."
    ),
}


def print_report(report: OptimizeReport) -> None:
    """The figures and the decision, in plain lines."""
    result = report.result
    if isinstance(result, TooFew):
        click.echo(
            f"Not enough reviews in '{report.course_id}' to fit and check parameters: "
            f"{result.fit_items} predictions to fit on ({MIN_ITEMS} needed) and "
            f"{result.held_out_items} to score on ({MIN_HELD_OUT} needed), from "
            f"{report.reviews} reviews. A prediction is a review made on a later day than "
            "the one before it on the same card (same-day answers, such as learning steps, "
            "say nothing about forgetting). The parameters in use stay."
        )
        return
    click.echo(f"{report.reviews} reviews in '{report.course_id}'.")
    _print_outcome(result)
    rivals = "the defaults" if result.current is None else "the defaults and the ones in use"
    click.echo(_DECISIONS[report.decision].format(rivals=rivals))
    if report.decision is Decision.EVALUATE_ONLY:
        click.echo(
            "Without --evaluate they would be stored."
            if result.better
            else _DECISIONS[Decision.NOT_BETTER]
            .format(rivals=rivals)
            .replace("NOT stored:", "Without --evaluate they would NOT be stored:")
        )
