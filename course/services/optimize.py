"""Use case: fit a course's FSRS parameters from its stored review logs.

The fit is made on the earlier reviews and scored on the later ones
(:mod:`course.review.optimize`); the fitted parameters are stored only when they beat
the defaults, and the parameters in use, on those later reviews.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from course.clock import Clock
from course.errors import CourseError, NotFound
from course.review import optimize
from course.store import review as store
from course.store.content import CourseRow
from course.store.engine import read_only
from course.store.review import CourseParameters, ReviewLog
from course.store.users import User

READ_BATCH = 5000


class Decision(enum.StrEnum):
    """What became of the fitted parameters."""

    STORED = "stored"
    EVALUATE_ONLY = "evaluate only"  # --evaluate: nothing is stored
    NOT_BETTER = "not better"  # they do not beat the parameters they would replace
    TOO_FEW = "too few"  # not enough reviews to fit and score


@dataclass(frozen=True)
class OptimizeReport:
    course_id: str
    reviews: int
    result: optimize.Outcome | optimize.TooFew
    decision: Decision


def _reviews(
    session: Session, course_id: str, total: int, progress: optimize.Progress
) -> Iterator[optimize.Review]:
    """The course's reviews with each learner's time zone, streamed in batches."""
    rows = session.execute(
        select(ReviewLog.card_id, ReviewLog.rating, ReviewLog.reviewed_at, User.timezone)
        .outerjoin(User, User.id == ReviewLog.user_id)
        .where(ReviewLog.course_id == course_id)
        .order_by(ReviewLog.card_id, ReviewLog.reviewed_at, ReviewLog.id)
        .execution_options(yield_per=READ_BATCH)
    )
    for done, (card, rating, at, timezone) in enumerate(rows, 1):
        yield optimize.Review(card, rating, at, timezone or "UTC")
        if done % READ_BATCH == 0 or done == total:
            progress("Reading reviews", done, total)


def optimize_course(
    session: Session,
    clock: Clock,
    course_id: str,
    evaluate_only: bool = False,
    progress: optimize.Progress | None = None,
) -> OptimizeReport:
    """Fit parameters on the earlier reviews, score them on the later ones, and store them
    when they beat the defaults (and the parameters in use) there, unless ``evaluate_only``.

    Raises:
        NotFound: no such course.
        CourseError: the optimizer is not installed, or fsrs-rs failed on the logs.
    """
    report = progress or (lambda stage, done, total: None)
    try:
        optimize.engine()
    except optimize.OptimizerUnavailable as exc:  # the installation, not the input
        raise CourseError(str(exc)) from exc
    with session.begin():
        read_only(session, batches=True)
        if session.get(CourseRow, course_id) is None:
            raise NotFound(f"No course '{course_id}'.", field="course")
        current = store.course_parameters(session, course_id)
        total = session.scalar(
            select(func.count()).select_from(ReviewLog).where(ReviewLog.course_id == course_id)
        )
        reviews = list(_reviews(session, course_id, total or 0, report))
    try:
        result = optimize.optimize(reviews, current, progress=report)
    except optimize.FitFailed as exc:
        raise CourseError(f"{exc}; the current parameters stay in use") from exc
    if isinstance(result, optimize.TooFew):
        decision = Decision.TOO_FEW
    elif evaluate_only:
        decision = Decision.EVALUATE_ONLY
    elif not result.better:
        decision = Decision.NOT_BETTER
    else:
        with session.begin():
            row = session.get(CourseParameters, course_id) or CourseParameters(course_id=course_id)
            row.parameters = list(result.parameters)
            row.fitted_at = clock.now()
            row.review_count = len(reviews)
            row.log_loss = result.fitted.log_loss
            row.rmse_bins = result.fitted.rmse_bins
            session.add(row)
        store.forget_parameters(session)
        decision = Decision.STORED
    return OptimizeReport(course_id, len(reviews), result, decision)
