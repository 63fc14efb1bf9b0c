"""CSV exports for instructors: the gradebook and the raw responses, spreadsheet-safe."""

from __future__ import annotations

import csv
import io
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from course.services.authz import Actor, managed_class
from course.services.dashboard import overview
from course.services.personal_data import LOG_COLUMNS, fsrs_csv
from course.store.attempts import Attempt, Response
from course.store.audit import latest_changes
from course.store.classes import Membership
from course.store.content import ContentVersion, QuestionRow, QuizRow
from course.store.engine import read_only
from course.store.review import ReviewLog
from course.store.users import User

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """Text a spreadsheet shows as text: cells that could start a formula get a quote."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _csv(rows: list[list[object]], bom: bool) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    data = out.getvalue().encode("utf-8")
    return b"\xef\xbb\xbf" + data if bom else data


def gradebook(
    session: Session, now: datetime, actor: Actor, class_id: int, bom: bool = False
) -> bytes:
    """A row per learner, a column pair per assignment (points or read, percent)."""
    view = overview(session, now, actor, class_id)
    header: list[object] = ["name", "email"]
    for column in view.columns:
        label = f"{column.kind.value}: {column.title}"
        header += [f"{label} (status)", f"{label} (%)"]
    rows: list[list[object]] = [header]
    for learner in view.learners:
        row: list[object] = [learner.name, learner.email]
        for cell in learner.cells:
            status = cell.state.value + (f" ({cell.mark})" if cell.mark else "")
            row += [status, "" if cell.percent is None else cell.percent]
        rows.append(row)
    return _csv(rows, bom)


def responses(session: Session, actor: Actor, class_id: int, bom: bool = False) -> bytes:
    """Every response of the class's learners to the course's quizzes."""
    with session.begin():
        read_only(session)
        row = managed_class(session, actor, class_id)
        members = select(Membership.user_id).where(Membership.class_id == class_id)
        current = latest_changes()  # a regraded score, not the first grade
        data = session.execute(
            select(
                User.email,
                Attempt.id,
                Attempt.number,
                QuizRow.slug,
                QuestionRow.slug,
                Response.response_text,
                func.coalesce(current.c.score, Response.score),
                func.coalesce(current.c.points, Response.points),
                func.coalesce(current.c.max_points, Response.max_points),
                Response.answered_at,
                Response.duration_ms,
                Response.confidence,
                ContentVersion.content_hash,
            )
            .join(Attempt, Attempt.id == Response.attempt_id)
            .join(User, User.id == Attempt.user_id)
            .join(QuizRow, QuizRow.id == Attempt.quiz_id)
            .join(QuestionRow, QuestionRow.id == Response.question_id)
            .join(ContentVersion, ContentVersion.id == Attempt.version_id)
            .outerjoin(current, current.c.response_id == Response.id)
            .where(Attempt.user_id.in_(members), QuizRow.course_id == row.course_id)
            .order_by(User.email, Attempt.id, Response.id)
        ).all()
    rows: list[list[object]] = [
        [
            "email",
            "attempt",
            "attempt_number",
            "quiz",
            "question",
            "response",
            "score",
            "points",
            "max_points",
            "answered_at",
            "seconds",
            "confidence",
            "content_version",
        ]
    ]
    for (
        email,
        attempt,
        number,
        quiz,
        question,
        text,
        score,
        points,
        max_points,
        at,
        ms,
        confidence,
        digest,
    ) in data:
        rows.append(
            [
                email,
                attempt,
                number,
                quiz,
                question,
                text,
                round(score, 4),
                points,
                max_points,
                at.isoformat(),
                round(ms / 1000, 1),
                confidence or "",
                digest[:12],
            ]
        )
    return _csv(rows, bom)


def review_logs(session: Session, course_id: str) -> bytes:
    """Every review of a course (for `course export-reviews`) in the FSRS optimizer's
    layout (``personal_data.fsrs_csv``: card_id, review_time in ms, review_rating,
    review_state, review_duration), then learner, source and score."""
    with session.begin():
        read_only(session)
        rows = session.execute(
            select(*LOG_COLUMNS, ReviewLog.user_id, ReviewLog.source, ReviewLog.score)
            .where(ReviewLog.course_id == course_id)
            .order_by(ReviewLog.card_id, ReviewLog.reviewed_at)
        ).all()
    return fsrs_csv(
        [(*row[:-1], round(row[-1], 4)) for row in rows], ("user_id", "source", "score")
    )
