"""Classes, dashboards, item analysis and exports on seeded fixtures with known answers."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, event, text
from sqlalchemy.orm import Session

from course.clock import FixedClock
from course.errors import Conflict, InvalidInput, NotFound, PermissionDenied, TooManyRequests
from course.services import analysis, classes, dashboard, exports
from course.services.authz import Actor
from course.store.classes import AssignmentKind
from course.store.users import Role
from tests.factories import (
    bundled_questions,
    make_actor,
    make_class,
    make_instructor,
    make_user,
    take_quiz,
)

COURSE, QUIZ, LESSON = "ww2-soviet-union", "soviet-union-ww2-quiz", "soviet-union-ww2"
QUESTIONS = bundled_questions()
ORDER = list(QUESTIONS)


def answer_quiz(
    session: Session,
    clock: FixedClock,
    who: Actor,
    right: set[str],
    answers: dict[str, str] | None = None,
) -> None:
    wrong = set(ORDER) - right
    pause = timedelta(seconds=10)
    take_quiz(session, clock, who.id, wrong=wrong, answers=answers, pause=pause, fuzz=False)


@pytest.fixture
def klass(session: Session, clock: FixedClock, synced: None) -> tuple[Actor, int]:
    teacher = make_instructor(session, clock)
    class_id, _ = make_class(session, clock, teacher, "History 9B", COURSE)
    return teacher, class_id


def join(session: Session, clock: FixedClock, class_id: int, teacher: Actor, who: Actor) -> None:
    code = {c.id: c.join_code for c in classes.teaching(session, teacher)}[class_id]
    classes.join(session, clock, who, code)


def test_join_rules(session: Session, clock: FixedClock, klass: tuple[Actor, int]) -> None:
    teacher, class_id = klass
    learner = make_actor(session, clock, "l@example.org")
    join(session, clock, class_id, teacher, learner)
    join(session, clock, class_id, teacher, learner)  # twice: harmless
    assert classes.teaching(session, teacher)[0].members == 1
    old = classes.teaching(session, teacher)[0].join_code
    classes.rotate_code(session, teacher, class_id)
    other = make_actor(session, clock, "o@example.org")
    with pytest.raises(InvalidInput, match="No class has that code"):
        classes.join(session, clock, other, old)
    classes.set_joining(session, teacher, class_id, False)
    with pytest.raises(Conflict, match="not accepting"):
        join(session, clock, class_id, teacher, other)
    guesser = make_actor(session, clock, "g@example.org")
    for i in range(10):
        with pytest.raises(InvalidInput):
            classes.join(session, clock, guesser, f"WRONG{i:03d}")
    with pytest.raises(TooManyRequests):
        classes.join(session, clock, guesser, "WRONG999")


def test_authorization_in_services(
    session: Session, clock: FixedClock, klass: tuple[Actor, int]
) -> None:
    _teacher, class_id = klass
    learner = make_actor(session, clock, "l@example.org")
    other_teacher = make_actor(session, clock, "t2@example.org", Role.INSTRUCTOR)
    admin = make_actor(session, clock, "a@example.org", Role.ADMIN)
    with pytest.raises(PermissionDenied):
        classes.create_class(session, clock, learner, COURSE, "Mine")
    with pytest.raises(PermissionDenied):
        dashboard.overview(session, clock.now(), learner, class_id)
    with pytest.raises(NotFound):
        dashboard.overview(session, clock.now(), other_teacher, class_id)
    assert dashboard.overview(session, clock.now(), admin, class_id).name == "History 9B"


def test_overview_grid_late_and_risks(
    session: Session, clock: FixedClock, klass: tuple[Actor, int]
) -> None:
    teacher, class_id = klass
    due = clock.now() + timedelta(days=2)
    classes.add_assignment(session, clock, teacher, class_id, AssignmentKind.QUIZ, QUIZ, due)
    classes.add_assignment(session, clock, teacher, class_id, AssignmentKind.LESSON, LESSON, due)
    ada, ben, cy = (make_actor(session, clock, f"{n}@example.org") for n in ("ada", "ben", "cy"))
    for who in (ada, ben, cy):
        join(session, clock, class_id, teacher, who)
    answer_quiz(session, clock, ada, set(ORDER))  # passes on time
    clock.advance(timedelta(days=3))
    answer_quiz(session, clock, ben, set(ORDER[:5]))  # attempts late, fails
    view = dashboard.overview(session, clock.now(), teacher, class_id)
    rows = {r.email: r for r in view.learners}
    quiz_col = [c.kind for c in view.columns].index("quiz")
    lesson_col = [c.kind for c in view.columns].index("lesson")
    assert rows["ada@example.org"].cells[quiz_col].state == "passed"
    assert not rows["ada@example.org"].cells[quiz_col].late
    assert rows["ada@example.org"].cells[quiz_col].percent == 100
    assert rows["ben@example.org"].cells[quiz_col].state == "attempted"
    assert rows["ben@example.org"].cells[quiz_col].mark == "overdue"  # no pass, past due
    assert rows["cy@example.org"].cells[lesson_col].state == "overdue"
    risky = {r.email: r.risks for r in view.at_risk}
    assert "never active" in risky["cy@example.org"]
    assert any("low scores" in r for r in risky["ben@example.org"])
    assert any("overdue" in r for r in risky["ben@example.org"])
    by_score = dashboard.overview(session, clock.now(), teacher, class_id, "score").learners
    assert [r.email for r in by_score][-1] == "ada@example.org"
    learner_assignments = classes.learner_assignments(session, clock, cy)
    assert [a.label for a in learner_assignments] == ["overdue", "overdue"]


def test_item_analysis_hand_computed(
    session: Session, clock: FixedClock, klass: tuple[Actor, int]
) -> None:
    """Four learners; 'north-of-japan' right only for the two weakest (negative discrimination),
    'manchuria-garrison' wrong for all with the same answer written two ways."""
    teacher, class_id = klass
    people = [make_actor(session, clock, f"p{i}@example.org") for i in range(4)]
    base = [q for q in ORDER if q not in ("north-of-japan", "manchuria-garrison")]
    plans = [
        set(base),
        set(base[:10]),
        {"north-of-japan", *base[:6]},
        {"north-of-japan", *base[:2]},
    ]
    for who, right in zip(people, plans, strict=True):
        join(session, clock, class_id, teacher, who)
        answer_quiz(
            session,
            clock,
            who,
            right,
            {"manchuria-garrison": "Stalin." if who is people[0] else "stalin"},
        )
    result = analysis.analyse(session, teacher, class_id, QUIZ)
    items = {i.question: i for i in result.items}
    sak = items["north-of-japan"]
    assert sak.facility == pytest.approx(0.5)
    # item scores [0, 0, 1, 1]; rest of the test [15, 10⅙, 6⅙, 2⅙] (a reversed order
    # question keeps 1/6 credit). By hand: Σdxdy = −8.4167, Σdy² = 90.52, so
    # r = −8.4167 / √90.52 = −0.8846.
    assert sak.discrimination == pytest.approx(-0.8846, abs=1e-3)
    assert any("negative discrimination" in f for f in sak.flags)
    kwa = items["manchuria-garrison"]
    assert kwa.facility == 0 and kwa.wrong_answers == (("stalin", 4),)
    assert any("everyone got it wrong" in f for f in kwa.flags)
    assert any("“stalin” is given by 4 of 4" in f for f in kwa.flags)
    assert result.learners == 4


def test_pearson() -> None:
    # By hand: Σdxdy = −8.5, Σdy² = 92.75 → r = −8.5 / √92.75 = −0.8826
    assert analysis.pearson([0, 0, 1, 1], [15, 10, 6, 2]) == pytest.approx(-0.8826, abs=1e-4)
    assert analysis.pearson([1, 1, 1], [1, 2, 3]) is None


def test_csv_exports_cell_by_cell(
    session: Session, clock: FixedClock, klass: tuple[Actor, int]
) -> None:
    teacher, class_id = klass
    classes.add_assignment(
        session,
        clock,
        teacher,
        class_id,
        AssignmentKind.QUIZ,
        QUIZ,
        clock.now() + timedelta(days=1),
    )
    evil = Actor(
        make_user(session, clock, "evil@example.org", display_name='=HYPERLINK("http://x")').id,
        Role.LEARNER,
    )
    join(session, clock, class_id, teacher, evil)
    answer_quiz(session, clock, evil, set(ORDER) - {"north-of-japan"}, {"north-of-japan": "+1-2"})
    data = exports.gradebook(session, clock.now(), teacher, class_id, bom=True)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][:2] == ["name", "email"]
    assert rows[0][2].startswith("quiz: The Soviet Union") and rows[0][2].endswith("(status)")
    assert rows[1] == ['\'=HYPERLINK("http://x")', "evil@example.org", "passed", "94"]
    raw = list(csv.reader(io.StringIO(exports.responses(session, teacher, class_id).decode())))
    assert raw[0][:6] == ["email", "attempt", "attempt_number", "quiz", "question", "response"]
    assert len(raw) == 1 + 17
    sakhalin = next(r for r in raw if r[4] == "north-of-japan")
    assert sakhalin[5] == "'+1-2" and sakhalin[6] == "0.0"


def test_overview_query_count_is_fixed(
    session: Session, clock: FixedClock, engine: Engine, klass: tuple[Actor, int]
) -> None:
    teacher, class_id = klass
    classes.add_assignment(
        session,
        clock,
        teacher,
        class_id,
        AssignmentKind.QUIZ,
        QUIZ,
        clock.now() + timedelta(days=1),
    )
    classes.add_assignment(
        session,
        clock,
        teacher,
        class_id,
        AssignmentKind.LESSON,
        LESSON,
        clock.now() + timedelta(days=1),
    )

    def count_queries() -> int:
        seen: list[Any] = []

        def record(*_args: Any) -> None:
            seen.append(1)

        event.listen(engine, "before_cursor_execute", record)
        try:
            dashboard.overview(session, clock.now(), teacher, class_id)
            analysis.analyse(session, teacher, class_id, QUIZ)
        finally:
            event.remove(engine, "before_cursor_execute", record)
        return len(seen)

    learners = [make_actor(session, clock, f"q{i}@example.org") for i in range(2)]
    for who in learners:
        join(session, clock, class_id, teacher, who)
        answer_quiz(session, clock, who, set(ORDER[:8]))
    small = count_queries()
    for i in range(2, 12):
        who = make_actor(session, clock, f"q{i}@example.org")
        join(session, clock, class_id, teacher, who)
        answer_quiz(session, clock, who, set(ORDER[: i % 17]))
    assert count_queries() == small


def test_kinds_and_cell_states_are_enums_stored_as_before(
    session: Session, clock: FixedClock, klass: tuple[Actor, int]
) -> None:
    """Issue 11 §6: assignment kind and cell state are closed sets (enums), and the
    assignments table keeps the strings it always stored."""
    teacher, class_id = klass
    due = clock.now() + timedelta(days=1)
    classes.add_assignment(session, clock, teacher, class_id, AssignmentKind.QUIZ, QUIZ, due)
    classes.add_assignment(session, clock, teacher, class_id, AssignmentKind.LESSON, LESSON, due)
    with session.begin():
        stored = set(session.scalars(text("SELECT kind FROM assignments")))
    assert stored == {"quiz", "lesson"}
    assert classes.assignment_kind("quiz") is AssignmentKind.QUIZ
    assert classes.assignment_kind("essay") is None
    with pytest.raises(InvalidInput, match="Assign a lesson or a quiz"):
        classes.add_assignment(session, clock, teacher, class_id, None, QUIZ, due)
    learner = make_actor(session, clock, "l@example.org")
    with pytest.raises(PermissionDenied):  # authorization before the kind is checked
        classes.add_assignment(session, clock, learner, class_id, None, QUIZ, due)
    join(session, clock, class_id, teacher, learner)
    answer_quiz(session, clock, learner, set(ORDER[:5]))
    view = dashboard.overview(session, clock.now(), teacher, class_id)
    assert {type(c.kind) for c in view.columns} == {AssignmentKind}
    cells = {c.kind: cell for c, cell in zip(view.columns, view.learners[0].cells, strict=True)}
    assert cells[AssignmentKind.QUIZ].state is dashboard.CellState.ATTEMPTED
    assert cells[AssignmentKind.LESSON].state is dashboard.CellState.NOT_STARTED
    assert dashboard.CellState.NOT_STARTED.css_class == "not-started"
    mine = classes.learner_assignments(session, clock, learner)
    assert {a.kind for a in mine} == {AssignmentKind.QUIZ, AssignmentKind.LESSON}
    assert all(isinstance(a.kind, AssignmentKind) for a in mine)
