"""The class overview at scale (issue 13): a fixed number of queries whatever the
numbers of learners and assignments, and card figures that are computed once per
learner's cards yet always match the learner's own progress page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from course.clock import FixedClock
from course.services import classes, dashboard, exports, progress
from course.services.authz import Actor
from course.services.dashboard import CellState
from course.store.classes import AssignmentKind
from tests.factories import (
    COURSE,
    answer_next_review,
    bundled_questions,
    make_class,
    make_instructor,
    make_learner,
    start_attempt,
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
    session: Session,
    clock: FixedClock,
    class_id: int,
    teacher: Actor,
    n: int,
    wrong: int | None,
) -> Actor:
    """A learner who joined the class and took the quiz with ``wrong`` questions wrong
    (None: never submitted it)."""
    who = make_learner(session, clock, f"learner{n}@example.org")
    code = {c.id: c.join_code for c in classes.teaching(session, teacher)}[class_id]
    classes.join(session, clock, who, code)
    if wrong is not None:
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


def test_overview_cells_match_the_learners_own_pages_and_the_due_dates(
    session: Session, clock: FixedClock, klass: tuple[Actor, int]
) -> None:
    """Every cell shows what the learner's own progress page shows (read, best score,
    passed), marked late or overdue against its due date; the gradebook says the same."""
    teacher, class_id = klass
    for kind, slug in (("lesson", LESSONS[0]), ("lesson", LESSONS[1]), ("quiz", QUIZZES[0])):
        assign(session, clock, teacher, class_id, kind, slug)  # all due tomorrow
    on_time = add_learner(session, clock, class_id, teacher, 0, wrong=0)
    progress.mark_read(session, clock, on_time.id, COURSE, LESSONS[0])
    clock.advance(timedelta(days=2))  # past the due date
    late = add_learner(session, clock, class_id, teacher, 1, wrong=0)
    progress.mark_read(session, clock, late.id, COURSE, LESSONS[0])
    progress.mark_read(session, clock, late.id, COURSE, LESSONS[1])
    failed = add_learner(session, clock, class_id, teacher, 2, wrong=len(ORDER))
    started = add_learner(session, clock, class_id, teacher, 3, wrong=None)
    start_attempt(session, clock, started.id)
    idle = add_learner(session, clock, class_id, teacher, 4, wrong=None)

    view = dashboard.overview(session, clock.now(), teacher, class_id)
    assert [(c.kind.value, c.slug) for c in view.columns] == [
        ("lesson", LESSONS[0]),
        ("lesson", LESSONS[1]),
        ("quiz", QUIZZES[0]),
    ]
    for row in view.learners:
        own = progress.progress_at(session, clock.now(), row.user_id, COURSE)
        read = {lesson.slug: lesson.read for lesson in own.lessons}
        quizzes = {q.slug: q for lesson in own.lessons for q in lesson.quizzes}
        for column, cell in zip(view.columns, row.cells, strict=True):
            if column.kind is AssignmentKind.LESSON:
                assert (cell.state is CellState.DONE) == read[column.slug]
                assert cell.percent is None
            else:
                assert cell.percent == quizzes[column.slug].best_percent
                assert (cell.state is CellState.PASSED) == quizzes[column.slug].passed
        scores = [cell.percent for cell in row.cells if cell.percent is not None]
        assert row.mean_percent == (round(sum(scores) / len(scores)) if scores else None)

    done, passed, tried, overdue = (
        CellState.DONE,
        CellState.PASSED,
        CellState.ATTEMPTED,
        CellState.OVERDUE,
    )
    # (state, the mark beside it): "late" is done after the due date; "overdue" is not
    # done (not read, or no passing attempt) past it, as on the learner's own page.
    cells = {r.user_id: [(c.state, c.mark) for c in r.cells] for r in view.learners}
    assert cells[on_time.id] == [(done, ""), (overdue, ""), (passed, "")]
    assert cells[late.id] == [(done, "late"), (done, "late"), (passed, "late")]
    assert cells[failed.id] == [(overdue, ""), (overdue, ""), (tried, "overdue")]
    assert cells[started.id] == [(overdue, "")] * 3  # started, not submitted, past due
    assert cells[idle.id] == [(overdue, "")] * 3
    risks = {r.user_id: r.risks for r in view.learners}
    assert "1 overdue assignment" in risks[on_time.id]
    assert not any("overdue" in risk for risk in risks[late.id])
    assert "3 overdue assignments" in risks[failed.id]  # the failed quiz too
    assert "3 overdue assignments" in risks[idle.id]
    # Each learner's own list of assignments counts the same ones overdue.
    for who in (on_time, late, failed, started, idle):
        own = sum(a.label == "overdue" for a in classes.learner_assignments(session, clock, who))
        said = " ".join(risks[who.id])
        assert f"{own} overdue assignment" in said if own else "overdue" not in said

    csv = exports.gradebook(session, clock.now(), teacher, class_id).decode().splitlines()
    by_email = {line.split(",")[1]: line.split(",")[2:] for line in csv[1:]}
    assert by_email["learner1@example.org"] == [
        "done (late)",
        "",
        "done (late)",
        "",
        "passed (late)",
        "100",
    ]
    assert by_email["learner2@example.org"][:5] == [
        "overdue",
        "",
        "overdue",
        "",
        "attempted (overdue)",
    ]

    clock.advance(timedelta(days=-3))  # before the due date: nothing is overdue yet
    before = dashboard.overview(session, clock.now(), teacher, class_id)
    early = {r.user_id: [(c.state, c.late) for c in r.cells] for r in before.learners}
    untouched, in_progress = CellState.NOT_STARTED, CellState.IN_PROGRESS
    assert early[idle.id] == [(untouched, False)] * 3
    assert early[started.id] == [(untouched, False), (untouched, False), (in_progress, False)]
    assert early[failed.id] == [(untouched, False), (untouched, False), (tried, False)]
