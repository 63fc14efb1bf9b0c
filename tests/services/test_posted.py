"""Services read answers through services.posted.Answers and never see form field names:
any reader works, and drafts keep whatever values the reader chose to keep."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from course.clock import FixedClock
from course.content.model import AnyQuestion
from course.errors import InvalidInput
from course.grading.result import FormatError
from course.services import attempts, drafts
from course.services.content_sync import sync_root
from course.services.posted import Kept
from tests.factories import (
    KEYS,
    QUIZ,
    bundled_questions,
    course_copy,
    end_mode,
    form_answer,
    make_user,
    posted,
)

QUESTIONS = bundled_questions()
END_COURSE = "end-course"


class BySlug:
    """Raw responses by the author's slug, kept as JSON: no HTML field in sight."""

    def __init__(self, raws: Mapping[str, Any]) -> None:
        self.raws = dict(raws)

    def response(self, question: AnyQuestion, key: str) -> Any | FormatError:
        return self.raws.get(question.id, "")

    def is_blank(self, question: AnyQuestion, key: str) -> bool:
        return question.id not in self.raws

    def kept(self, question: AnyQuestion, key: str) -> Kept:
        if question.id not in self.raws:
            return {}
        return {question.id: [json.dumps(self.raws[question.id])]}

    def restored(self, kept: Mapping[str, list[str]]) -> BySlug:
        return BySlug({slug: json.loads(values[0]) for slug, values in kept.items()})


def raw(slug: str, right: bool = True) -> Any:
    """The raw response a learner's form gives for the bundled question ``slug``."""
    question = QUESTIONS[slug]
    return posted(form_answer(question, right)).response(question, KEYS[slug])


@pytest.fixture
def end_course(tmp_path: Path, session: Session, clock: FixedClock, synced: None) -> str:
    sync_root(session, clock, course_copy(tmp_path / "end", END_COURSE, end_mode))
    return END_COURSE


def test_an_immediate_answer_is_graded_from_any_reader(
    session: Session, clock: FixedClock, synced: None
) -> None:
    user = make_user(session, clock, "reader@example.org").id
    attempt = attempts.start_attempt(session, clock, user, "ww2-soviet-union", QUIZ)
    slug = next(iter(QUESTIONS))
    outcome = attempts.submit_answer(
        session, clock, user, attempt, int(KEYS[slug]), BySlug({slug: raw(slug)}), fuzz=False
    )
    assert outcome.answer is not None and outcome.answer.score == 1.0


def test_drafts_keep_the_readers_values_and_submit_grades_them(
    session: Session, clock: FixedClock, end_course: str
) -> None:
    user = make_user(session, clock, "drafts@example.org").id
    attempt = attempts.start_attempt(session, clock, user, end_course, QUIZ)
    slugs = list(QUESTIONS)
    wrong, blank = slugs[0], slugs[1]
    typed = {s: raw(s, s != wrong) for s in slugs if s != blank}
    assert attempts.save_answers(session, clock, user, attempt, BySlug(typed)).count == len(typed)
    with session.begin():
        kept = drafts.load(session, attempt)
    assert kept == {s: [json.dumps(r)] for s, r in typed.items()}  # as the reader kept them

    with pytest.raises(InvalidInput, match="saved answers"):
        attempts.submit_attempt(session, clock, user, attempt, None, fuzz=False)
    # The submit post carries the form again; the learner is asked about the blank one.
    asked = attempts.submit_attempt(session, clock, user, attempt, BySlug(typed), fuzz=False)
    assert len(asked.blanks) == 1 and not asked.submitted
    # The confirmation post carries nothing: the saved answers are graded, the blank one 0.
    done = attempts.submit_attempt(
        session, clock, user, attempt, BySlug({}), fuzz=False, confirm_blanks=True
    )
    assert done.submitted
    results = attempts.results(session, user, attempt)
    worth = {s: q.points for s, q in QUESTIONS.items()}
    assert results.points == sum(worth.values()) - worth[wrong] - worth[blank]
