"""Use case: fit a course's FSRS parameters from its stored review logs."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from course.clock import Clock
from course.errors import InvalidInput, NotFound
from course.review import optimize
from course.review.scheduler import DEFAULT_PARAMETERS
from course.store import review as store
from course.store.content import CourseRow
from course.store.engine import read_only
from course.store.review import CourseParameters, ReviewLog


@dataclass(frozen=True)
class OptimizeReport:
    course_id: str
    fit: optimize.Fit | None
    items: int
    stored: bool


def _reviews(session: Session, course_id: str) -> list[optimize.Review]:
    rows = session.execute(
        select(ReviewLog.card_id, ReviewLog.rating, ReviewLog.reviewed_at)
        .where(ReviewLog.course_id == course_id)
        .order_by(ReviewLog.card_id, ReviewLog.reviewed_at)
    ).all()
    return [optimize.Review(card, rating, at) for card, rating, at in rows]


def optimize_course(
    session: Session, clock: Clock, course_id: str, evaluate_only: bool = False
) -> OptimizeReport:
    """Fit parameters when there are enough reviews; store them unless ``evaluate_only``.

    Raises:
        NotFound: no such course.
    """
    with session.begin():
        read_only(session)
        if session.get(CourseRow, course_id) is None:
            raise NotFound(f"No course '{course_id}'.")
        current = store.course_parameters(session, course_id) or DEFAULT_PARAMETERS
        reviews = _reviews(session, course_id)
    result = optimize.fit(reviews, current)
    if isinstance(result, int):
        return OptimizeReport(course_id, None, result, False)
    if result.max_state_difference > 0.01:
        raise InvalidInput(
            f"fitted parameters schedule differently in fsrs (stability off by "
            f"{result.max_state_difference:.1%}); kept the current parameters"
        )
    if evaluate_only:
        return OptimizeReport(course_id, result, result.items, False)
    with session.begin():
        row = session.get(CourseParameters, course_id) or CourseParameters(course_id=course_id)
        row.parameters = list(result.parameters)
        row.fitted_at = clock.now()
        row.review_count = len(reviews)
        row.log_loss = result.after.log_loss
        row.rmse_bins = result.after.rmse_bins
        session.add(row)
    store.forget_parameters(session)
    return OptimizeReport(course_id, result, result.items, True)
