"""The broken-key detector over a real class: proposals with evidence and dry runs,
applied through the service (new version, regrade, audit, nobody lowered)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from course.clock import FixedClock
from course.errors import Conflict, NotFound, PermissionDenied
from course.grading.keycheck import FlagKind
from course.services import keyfix
from course.services.authz import Actor
from course.services.content_sync import sync_root
from course.store.audit import ScoreChange
from course.store.content import QuestionRevision
from tests.factories import make_class, make_instructor, make_learner
from tests.keyseeds import CASES, COURSE_ID, QUIZ_ID, seed_class, write_root

LEARNERS = 30


@pytest.fixture
def seeded(session: Session, clock: FixedClock, tmp_path: Path) -> tuple[Actor, int]:
    sync_root(session, clock, write_root(tmp_path / "seeded"))
    teacher = make_instructor(session, clock)
    class_id, code = make_class(session, clock, teacher, course=COURSE_ID)
    seed_class(session, clock, code, LEARNERS, seed=3)
    return teacher, class_id


def test_the_report_proposes_each_seeded_fix_and_nothing_else(
    session: Session, seeded: tuple[Actor, int]
) -> None:
    teacher, class_id = seeded
    report = keyfix.key_report(session, teacher, class_id, QUIZ_ID)
    assert report.learners == LEARNERS and report.too_few == ()
    found = {(p.question, p.flag.kind, p.flag.fix) for p in report.proposals}
    for qid, expected in CASES.items():
        mine = {(k, f) for q, k, f in found if q == qid}
        if expected is None:
            assert mine == set(), qid
        else:
            assert any(k in expected[0] and f == expected[1] for k, f in mine), (qid, mine)
    flagged = {q for q, _k, _f in found}
    assert flagged <= {q for q, e in CASES.items() if e is not None}
    zhukov = next(p for p in report.proposals if p.question == "moscow-text")
    # The dry run: this class's learners whose score the fix would change, all raised.
    assert zhukov.rows and zhukov.lowered == 0 and zhukov.elsewhere == 0
    assert all(r.new_score == 1.0 and r.new_total > r.old_total for r in zhukov.rows)
    axis = next(p for p in report.proposals if p.question == "axis-multi")
    assert axis.flag.kind is FlagKind.CHOICE_AVOIDED and axis.lowered > 0  # Sweden pickers


def test_apply_raises_scores_keeps_lowered_ones_and_refuses_stale(
    session: Session, clock: FixedClock, seeded: tuple[Actor, int]
) -> None:
    teacher, class_id = seeded
    report = keyfix.key_report(session, teacher, class_id, QUIZ_ID)
    axis = next(p for p in report.proposals if p.question == "axis-multi")
    assert axis.flag.fix is not None
    applied = keyfix.apply_proposal(
        session,
        teacher,
        class_id,
        axis.question_id,
        axis.flag.fix,
        revision_id=axis.revision_id,
        now=clock.now(),
        note="Sweden was neutral",
    )
    assert len(applied.raised) == axis.raised and applied.lowered == ()
    assert len(applied.regrade.kept) == axis.lowered
    with session.begin():
        reasons = set(session.scalars(select(ScoreChange.reason)))
        reason = "regrade after key fix: mark 'Sweden' wrong (Sweden was neutral)"
        kept = f"{reason} (the new key gives less; your score was kept)"
        assert reasons == ({reason, kept} if axis.lowered else {reason})
        definition = session.scalar(
            select(QuestionRevision.definition).where(QuestionRevision.id == applied.revision_id)
        )
    assert definition is not None
    assert [c["text"] for c in definition["choices"] if c["correct"]] == ["Romania", "Finland"]
    with pytest.raises(Conflict):
        keyfix.apply_proposal(
            session,
            teacher,
            class_id,
            axis.question_id,
            axis.flag.fix,
            revision_id=axis.revision_id,
            now=clock.now(),
        )
    after = keyfix.key_report(session, teacher, class_id, QUIZ_ID)
    assert "axis-multi" not in {p.question for p in after.proposals}


def test_other_instructors_and_learners_see_nothing(
    session: Session, clock: FixedClock, seeded: tuple[Actor, int]
) -> None:
    _teacher, class_id = seeded
    other = make_instructor(session, clock, "other@example.org")
    with pytest.raises(NotFound):
        keyfix.key_report(session, other, class_id, QUIZ_ID)
    learner = make_learner(session, clock, "someone@example.org")
    with pytest.raises(PermissionDenied):
        keyfix.key_report(session, learner, class_id, QUIZ_ID)
