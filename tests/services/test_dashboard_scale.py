"""The class overview at scale (issue 13): a fixed number of queries whatever the
numbers of learners and assignments, and card figures that are computed once per
learner's cards yet always match the learner's own progress page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from course.clock import FixedClock
from course.services import classes, dashboard, progress
from course.services.authz import Actor
from course.store.classes import AssignmentKind
from tests.factories import (
    COURSE,
    answer_next_review,
    bundled_questions,
    make_class,
    make_instructor,
    make_learner,
    statements,
    take_quiz,
)

ORDER = list(bundled_questions())
LESSONS = ["pact-and-winter-war", "soviet-union-ww2"]
QUIZZES = ["soviet-union-ww2-quiz"]


@pytest.fixture
def klass(session: Session, clock: FixedClock, synced: None) -> tuple[Actor, int]:
    teacher = make_instructor(session, clock)
    class_id, _ = make_class(session, clock, teacher, "History 9B", COURSE)
    return teacher, class_id


def add_learner(
    session: Session, clock: FixedClock, class_id: int, teacher: Actor, n: int, wrong: int
) -> Actor:
    who = make_learner(session, clock, f"learner{n}@example.org")
    code = {c.id: c.join_code for c in classes.teaching(session, teacher)}[class_id]
    classes.join(session, clock, who, code)
    take_quiz(session, clock, who.id, wrong=set(ORDER[:wrong]), fuzz=False)
    return who


def assign(
    session: Session, clock: FixedClock, teacher: Actor, class_id: int, kind: str, slug: str
) -> None:
    due = clock.now() + timedelta(days=1)
    classes.add_assignment(session, clock, teacher, class_id, AssignmentKind(kind), slug, due)


def test_overview_runs_the_same_queries_for_any_class_size(
    session: Session, clock: FixedClock, engine: Engine, klass: tuple[Actor, int]
) -> None:
    teacher, class_id = klass
    add_learner(session, clock, class_id, teacher, 0, wrong=3)
    assign(session, clock, teacher, class_id, "lesson", LESSONS[0])
    dashboard.overview(session, clock.now(), teacher, class_id)  # caches warm
    with statements(engine) as small:
        small_view = dashboard.overview(session, clock.now(), teacher, class_id)

    for n in range(1, 6):
        add_learner(session, clock, class_id, teacher, n, wrong=n)
    assign(session, clock, teacher, class_id, "lesson", LESSONS[1])
    assign(session, clock, teacher, class_id, "quiz", QUIZZES[0])
    with statements(engine) as big:
        big_view = dashboard.overview(session, clock.now(), teacher, class_id)

    assert (len(small_view.learners), len(small_view.columns)) == (1, 1)
    assert (len(big_view.learners), len(big_view.columns)) == (6, 3)
    assert len(big) == len(small)


def test_overview_card_figures_match_the_learners_own_page_after_every_change(
    session: Session, clock: FixedClock, klass: tuple[Actor, int]
) -> None:
    """The figures are kept between overviews; a review, a new day or a new learner
    must show at once, exactly as the learner's progress page computes them."""
    teacher, class_id = klass
    learners = [add_learner(session, clock, class_id, teacher, n, wrong=2 + n) for n in range(2)]

    def check() -> None:
        view = dashboard.overview(session, clock.now(), teacher, class_id)
        assert len(view.learners) == len(learners)
        for row in view.learners:
            own = progress.progress_at(session, clock.now(), row.user_id, COURSE)
            assert own.memory is not None
            assert row.learned == own.questions_learned
            assert row.backlog == own.due_today
            # (summed in the order the database returns the cards: the last bit may differ)
            assert row.retention == pytest.approx(own.memory.recall_tomorrow, rel=1e-12)
            assert row.completion == own.completion_percent

    check()
    check()  # from the kept figures
    clock.advance(timedelta(days=3))  # a new learner day: recall and due counts move
    check()
    before = dashboard.overview(session, clock.now(), teacher, class_id)
    assert answer_next_review(session, clock, learners[0].id, right=True) is not None
    after = dashboard.overview(session, clock.now(), teacher, class_id)
    mine = [(r.user_id, r.retention, r.backlog) for r in (*before.learners, *after.learners)]
    assert len(set(mine)) > len(learners)  # the reviewed learner's figures changed
    check()
    learners.append(add_learner(session, clock, class_id, teacher, 9, wrong=0))
    check()
