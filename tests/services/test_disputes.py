"""Disputes through the services: opening one, settling it three ways, who may do what,
the rate limit, and what the instructor's page tells them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from course.clock import FixedClock
from course.errors import Conflict, InvalidInput, NotFound, PermissionDenied, TooManyRequests
from course.grading.trace import Outcome
from course.services import audit, classes, dispute_views, disputes
from course.services.audit import CurrentGrade
from course.services.authz import Actor
from course.services.disputes import Resolution
from course.services.limits import DISPUTES_PER_LEARNER
from course.store.attempts import Attempt, Response
from course.store.audit import ChangeKind, ScoreChange
from course.store.content import QuestionRevision
from course.store.disputes import Dispute, DisputeStatus
from course.store.users import Role
from tests.factories import (
    KEYS,
    bundled_questions,
    make_actor,
    make_class,
    make_instructor,
    make_learner,
    start_attempt,
    take_quiz,
)

SAKHALIN = int(KEYS["north-of-japan"])


@dataclass
class World:
    teacher: Actor
    other_teacher: Actor
    admin: Actor
    kim: Actor
    lea: Actor
    outsider: Actor  # a learner in no class
    class_id: int
    kim_attempt: int
    lea_attempt: int


@pytest.fixture
def world(synced: None, session: Session, clock: FixedClock) -> World:
    teacher = make_instructor(session, clock, "teacher@example.org", display_name="Ms T")
    other_teacher = make_instructor(session, clock, "other@example.org")
    admin = make_actor(session, clock, "admin@example.org", Role.ADMIN)
    kim = make_learner(session, clock, "kim@example.org", display_name="Kim")
    lea = make_learner(session, clock, "lea@example.org", display_name="Lea")
    outsider = make_learner(session, clock, "out@example.org")
    class_id, code = make_class(session, clock, teacher)
    make_class(session, clock, other_teacher, "7A")  # a class of the course, without them
    for learner in (kim, lea):
        classes.join(session, clock, learner, code)
    kim_attempt = take_quiz(session, clock, kim.id, answers={"north-of-japan": "Hokkaido"})
    lea_attempt = take_quiz(session, clock, lea.id, answers={"north-of-japan": "hokkaido "})
    take_quiz(session, clock, outsider.id, answers={"north-of-japan": "Honshu"})
    return World(
        teacher, other_teacher, admin, kim, lea, outsider, class_id, kim_attempt, lea_attempt
    )


def _points(session: Session, attempt_id: int) -> float:
    with session.begin():
        attempt = session.get(Attempt, attempt_id)
        assert attempt is not None
        return attempt.points


def test_dispute_then_accept_for_this_learner(
    world: World, session: Session, clock: FixedClock
) -> None:
    before = _points(session, world.kim_attempt)
    dispute_id = disputes.open_dispute(
        session, clock.now(), world.kim, world.kim_attempt, SAKHALIN, "  Hokkaido is close!  "
    )
    seen = disputes.for_attempt(session, clock.now(), world.kim.id, world.kim_attempt)
    (mine,) = seen.by_key[str(SAKHALIN)]
    assert (mine.status, mine.comment) == (DisputeStatus.OPEN, "Hokkaido is close!")
    assert str(SAKHALIN) not in seen.can_dispute  # one open dispute per answer
    with pytest.raises(Conflict, match="already disputed"):
        disputes.open_dispute(session, clock.now(), world.kim, world.kim_attempt, SAKHALIN, "x")
    settled = disputes.resolve(
        session, clock.now(), world.teacher, dispute_id, Resolution.FOR_LEARNER, "Fair point."
    )
    assert settled.status is DisputeStatus.ACCEPTED and settled.score_changed
    with session.begin():
        (change,) = session.scalars(select(ScoreChange)).all()
        assert change.kind is ChangeKind.DISPUTE
        assert (change.old_points, change.new_points) == (0.0, 1.0)
        assert change.reason == "Dispute accepted for this answer. Fair point."
        assert change.actor == "teacher@example.org"
        response = session.get(Response, change.response_id)
        assert response is not None and response.score == 0.0  # the response is untouched
    assert _points(session, world.kim_attempt) == before + 1
    after = disputes.for_attempt(session, clock.now(), world.kim.id, world.kim_attempt)
    (answered,) = after.by_key[str(SAKHALIN)]
    assert (answered.status, answered.reply) == (DisputeStatus.ACCEPTED, "Fair point.")
    assert answered.resolver == "teacher@example.org"
    assert str(SAKHALIN) not in after.can_dispute  # full credit now
    with pytest.raises(Conflict, match="already settled"):
        disputes.resolve(session, clock.now(), world.teacher, dispute_id, Resolution.DECLINE, "n")
    # Lea's identical answer is not touched: the key did not change.
    assert _points(session, world.lea_attempt) == before


def test_accept_for_everyone_fixes_the_key_and_regrades(
    world: World, session: Session, clock: FixedClock
) -> None:
    kim_before = _points(session, world.kim_attempt)
    lea_before = _points(session, world.lea_attempt)
    mine = disputes.open_dispute(
        session, clock.now(), world.kim, world.kim_attempt, SAKHALIN, "It is an island too."
    )
    leas = disputes.open_dispute(
        session, clock.now(), world.lea, world.lea_attempt, SAKHALIN, "Same as Kim."
    )
    with session.begin():
        revisions = session.scalar(select(func.count(QuestionRevision.id)))
    settled = disputes.resolve(
        session, clock.now(), world.teacher, mine, Resolution.FOR_EVERYONE, "Both count."
    )
    assert settled.status is DisputeStatus.ACCEPTED_FOR_ALL
    assert settled.also_settled == 1 and settled.regraded == 2
    assert _points(session, world.kim_attempt) == kim_before + 1
    assert _points(session, world.lea_attempt) == lea_before + 1
    with session.begin():
        assert session.scalar(select(func.count(QuestionRevision.id))) == revisions + 1
        rows = session.scalars(select(ScoreChange).order_by(ScoreChange.id)).all()
        assert {r.kind for r in rows} == {ChangeKind.REGRADE}
        assert all(r.new_score >= r.old_score for r in rows)  # never lowered
        assert all("“Hokkaido” added to the answer key for everyone" in r.reason for r in rows)
        lea = session.get(Dispute, leas)
        assert lea is not None and lea.status is DisputeStatus.ACCEPTED_FOR_ALL
        assert lea.open_response_id is None


def test_accept_for_everyone_only_for_typed_text(
    world: World, session: Session, clock: FixedClock
) -> None:
    wrong = take_quiz(session, clock, world.kim.id, wrong=["spy-location"])
    dispute_id = disputes.open_dispute(
        session, clock.now(), world.kim, wrong, int(KEYS["spy-location"]), "Tokyo was right."
    )
    with pytest.raises(InvalidInput, match="typed answer to a text question"):
        disputes.resolve(
            session, clock.now(), world.teacher, dispute_id, Resolution.FOR_EVERYONE, ""
        )
    detail = dispute_views.detail(session, world.teacher, dispute_id)
    assert not detail.accept_for_all and detail.open  # still open, nothing changed


def test_decline_needs_a_reply(world: World, session: Session, clock: FixedClock) -> None:
    dispute_id = disputes.open_dispute(
        session, clock.now(), world.kim, world.kim_attempt, SAKHALIN, "Please"
    )
    with pytest.raises(InvalidInput, match="Say why"):
        disputes.resolve(session, clock.now(), world.teacher, dispute_id, Resolution.DECLINE, " ")
    disputes.resolve(
        session, clock.now(), world.teacher, dispute_id, Resolution.DECLINE, "Hokkaido is Japan."
    )
    seen = disputes.for_attempt(session, clock.now(), world.kim.id, world.kim_attempt)
    (declined,) = seen.by_key[str(SAKHALIN)]
    assert (declined.status, declined.reply) == (DisputeStatus.DECLINED, "Hokkaido is Japan.")
    with session.begin():
        assert session.scalar(select(func.count(ScoreChange.id))) == 0


def test_a_declined_answer_is_not_disputed_again(
    world: World, session: Session, clock: FixedClock
) -> None:
    dispute_id = disputes.open_dispute(
        session, clock.now(), world.kim, world.kim_attempt, SAKHALIN, "Please"
    )
    disputes.resolve(
        session, clock.now(), world.teacher, dispute_id, Resolution.DECLINE, "Hokkaido is Japan."
    )
    seen = disputes.for_attempt(session, clock.now(), world.kim.id, world.kim_attempt)
    assert str(SAKHALIN) not in seen.can_dispute and str(SAKHALIN) in seen.declined
    day = f"{clock.now():%d %b %Y}"
    with pytest.raises(Conflict, match=f"declined on {day} by teacher@example.org; ask your"):
        disputes.open_dispute(
            session, clock.now(), world.kim, world.kim_attempt, SAKHALIN, "Again please"
        )
    with session.begin():  # nothing stored, the decline stands
        assert session.scalar(select(func.count(Dispute.id))) == 1


def test_every_dispute_of_an_answer_is_listed_on_both_sides(
    world: World, session: Session, clock: FixedClock
) -> None:
    # Accepted for Kim, then a regrade that lowered the score again (an instructor's
    # choice): a second dispute of the same answer. Both sides see both, newest first.
    first = disputes.open_dispute(
        session, clock.now(), world.kim, world.kim_attempt, SAKHALIN, "First try"
    )
    disputes.resolve(
        session, clock.now(), world.teacher, first, Resolution.FOR_LEARNER, "Fair point."
    )
    with session.begin():
        (change,) = session.scalars(select(ScoreChange)).all()
        response = session.get(Response, change.response_id)
        assert response is not None
        audit.record(
            session,
            clock.now(),
            response,
            CurrentGrade(1.0, 1.0, 1.0, []),
            CurrentGrade(0.0, 0.0, 1.0, []),
            kind=ChangeKind.OVERRIDE,
            actor=audit.Actor("teacher@example.org", world.teacher.id),
            reason="Override",
        )
    clock.advance(timedelta(minutes=5))
    second = disputes.open_dispute(
        session, clock.now(), world.kim, world.kim_attempt, SAKHALIN, "Second try"
    )
    seen = disputes.for_attempt(session, clock.now(), world.kim.id, world.kim_attempt)
    newest, older = seen.by_key[str(SAKHALIN)]
    assert (newest.comment, newest.status) == ("Second try", DisputeStatus.OPEN)
    assert (older.comment, older.reply) == ("First try", "Fair point.")
    page = dispute_views.detail(session, world.teacher, second)
    (earlier,) = page.other_disputes
    assert (earlier.id, earlier.status_label, earlier.reply) == (
        first,
        "Accepted for this learner",
        "Fair point.",
    )
    assert earlier.resolver == "teacher@example.org"
    assert dispute_views.detail(session, world.teacher, first).other_disputes[0].id == second


def test_what_cannot_be_disputed(world: World, session: Session, clock: FixedClock) -> None:
    right = int(KEYS["manchuria-garrison"])
    with pytest.raises(Conflict, match="full credit"):
        disputes.open_dispute(session, clock.now(), world.kim, world.kim_attempt, right, "x")
    with pytest.raises(InvalidInput, match="few words"):
        disputes.open_dispute(session, clock.now(), world.kim, world.kim_attempt, SAKHALIN, "  ")
    with pytest.raises(InvalidInput, match="500 characters"):
        disputes.open_dispute(
            session, clock.now(), world.kim, world.kim_attempt, SAKHALIN, "x" * 501
        )
    with pytest.raises(NotFound):
        disputes.open_dispute(session, clock.now(), world.kim, world.kim_attempt, 99, "x")
    still_open = start_attempt(session, clock, world.kim.id)
    with pytest.raises(Conflict, match="Finish the attempt"):
        disputes.open_dispute(session, clock.now(), world.kim, still_open, SAKHALIN, "x")


def test_who_may_do_what(world: World, session: Session, clock: FixedClock) -> None:
    # A learner disputes their own answers only: another's attempt is not found.
    with pytest.raises(NotFound):
        disputes.open_dispute(session, clock.now(), world.lea, world.kim_attempt, SAKHALIN, "x")
    with pytest.raises(NotFound):
        disputes.for_attempt(session, clock.now(), world.lea.id, world.kim_attempt)
    dispute_id = disputes.open_dispute(
        session, clock.now(), world.kim, world.kim_attempt, SAKHALIN, "Mine"
    )
    # Learners see no inbox and settle nothing.
    with pytest.raises(PermissionDenied):
        dispute_views.inbox(session, world.kim)
    with pytest.raises(PermissionDenied):
        disputes.resolve(session, clock.now(), world.kim, dispute_id, Resolution.FOR_LEARNER, "")
    # An instructor who does not teach Kim: nothing to see, 404 on the dispute.
    assert dispute_views.inbox(session, world.other_teacher).items == ()
    with pytest.raises(NotFound):
        dispute_views.detail(session, world.other_teacher, dispute_id)
    with pytest.raises(NotFound):
        disputes.resolve(
            session, clock.now(), world.other_teacher, dispute_id, Resolution.FOR_LEARNER, ""
        )
    with pytest.raises(NotFound):
        dispute_views.inbox(session, world.other_teacher, world.class_id)
    # Kim's instructor and administrators see it.
    assert [i.id for i in dispute_views.inbox(session, world.teacher).items] == [dispute_id]
    assert [i.id for i in dispute_views.inbox(session, world.teacher, world.class_id).items] == [
        dispute_id
    ]
    assert [i.id for i in dispute_views.inbox(session, world.admin).items] == [dispute_id]
    # A learner in no class: only administrators.
    lone = take_quiz(session, clock, world.outsider.id, wrong=["north-of-japan"])
    theirs = disputes.open_dispute(session, clock.now(), world.outsider, lone, SAKHALIN, "x")
    assert theirs not in [i.id for i in dispute_views.inbox(session, world.teacher).items]
    assert theirs in [i.id for i in dispute_views.inbox(session, world.admin).items]


def test_rate_limited_per_learner(world: World, session: Session, clock: FixedClock) -> None:
    attempt = take_quiz(session, clock, world.kim.id, wrong=list(KEYS))
    positions = sorted(int(k) for k in KEYS.values())
    for position in positions[: DISPUTES_PER_LEARNER.free]:
        disputes.open_dispute(session, clock.now(), world.kim, attempt, position, "Counts")
    with pytest.raises(TooManyRequests) as refused:
        disputes.open_dispute(session, clock.now(), world.kim, attempt, positions[-1], "Counts")
    assert refused.value.message == (
        "You have sent 10 disputes today; you can send more in about 24 hours."
    )
    assert refused.value.retry_after == DISPUTES_PER_LEARNER.window.total_seconds()
    seen = disputes.for_attempt(session, clock.now(), world.kim.id, attempt)
    assert seen.limit_reached == refused.value.message
    clock.advance(timedelta(hours=1, minutes=2))
    seen = disputes.for_attempt(session, clock.now(), world.kim.id, attempt)
    assert seen.limit_reached is not None and "about 23 hours" in seen.limit_reached
    clock.advance(DISPUTES_PER_LEARNER.window - timedelta(hours=1, minutes=2))
    assert disputes.for_attempt(session, clock.now(), world.kim.id, attempt).limit_reached is None
    # Another learner is not slowed; a day later Kim may dispute again.
    disputes.open_dispute(session, clock.now(), world.lea, world.lea_attempt, SAKHALIN, "x")
    disputes.open_dispute(session, clock.now(), world.kim, attempt, positions[-1], "Counts")


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (59, "1 minute"),
        (60 * 59, "59 minutes"),
        (3600, "about 1 hour"),
        (3600 + 20 * 60, "about 1 hour 20 minutes"),
        (86_400 - 120, "about 24 hours"),
        (86_400 - 3600 - 40 * 60, "about 22 hours"),
    ],
)
def test_waits_in_words(seconds: int, words: str) -> None:
    assert disputes.wait_in_words(seconds) == words


def test_one_open_dispute_per_response_in_the_schema(
    world: World, session: Session, clock: FixedClock
) -> None:
    dispute_id = disputes.open_dispute(
        session, clock.now(), world.kim, world.kim_attempt, SAKHALIN, "First"
    )
    with pytest.raises(IntegrityError), session.begin():
        first = session.get(Dispute, dispute_id)
        assert first is not None
        session.add(
            Dispute(
                response_id=first.response_id,
                attempt_id=first.attempt_id,
                user_id=first.user_id,
                question_id=first.question_id,
                revision_id=first.revision_id,
                course_id=first.course_id,
                comment="Second, racing",
                created_at=clock.now(),
                open_response_id=first.response_id,
            )
        )


def test_detail_shows_question_trace_and_similar_answers(
    world: World, session: Session, clock: FixedClock
) -> None:
    dispute_id = disputes.open_dispute(
        session, clock.now(), world.kim, world.kim_attempt, SAKHALIN, "Close enough"
    )
    detail = dispute_views.detail(session, world.teacher, dispute_id)
    question = bundled_questions()["north-of-japan"]
    assert detail.response_text == "Hokkaido" and detail.raw == '"Hokkaido"'
    assert detail.key == "Sakhalin" and not detail.key_changed
    assert question.prompt.split()[0] in detail.question.prompt_html
    assert detail.trace.score == 0.0
    assert ("accepted answer", Outcome.FAILED) in [(s.rule, s.outcome) for s in detail.trace.steps]
    # Others: Lea's "hokkaido " groups with Kim's; the outsider (in no class of the
    # teacher's) is not counted for the teacher, but is for an administrator.
    (same,) = [g for g in detail.similar if g.same]
    assert (same.form, same.answers, same.learners, same.full_credit) == ("hokkaido", 1, 1, 0)
    assert detail.others == 1
    everyone = dispute_views.detail(session, world.admin, dispute_id)
    assert everyone.others == 2
    assert {g.form for g in everyone.similar} == {"hokkaido", "honshu"}


def test_a_learner_nobody_would_answer_is_told_so_instead_of_waiting_forever(
    synced: None, session: Session, clock: FixedClock
) -> None:
    """A learner in no class of the course, on a site without an administrator: a dispute
    would reach nobody (the inbox shows a class's instructor their learners' disputes),
    so the form is not offered and sending one is refused with what to do. Joining a
    class, or an administrator on the site, makes it possible."""
    alone = make_learner(session, clock, "alone@example.org")
    attempt = take_quiz(session, clock, alone.id, answers={"north-of-japan": "Honshu"})
    seen = disputes.for_attempt(session, clock.now(), alone.id, attempt)
    assert str(SAKHALIN) in seen.can_dispute
    assert seen.limit_reached == disputes.NOBODY_ANSWERS
    with pytest.raises(Conflict, match="join your instructor's class"):
        disputes.open_dispute(session, clock.now(), alone, attempt, SAKHALIN, "Close enough")
    with session.begin():
        assert session.scalar(select(func.count()).select_from(Dispute)) == 0

    teacher = make_instructor(session, clock, "teacher@example.org")
    _class_id, code = make_class(session, clock, teacher)
    classes.join(session, clock, alone, code)
    assert disputes.for_attempt(session, clock.now(), alone.id, attempt).limit_reached is None
    dispute_id = disputes.open_dispute(session, clock.now(), alone, attempt, SAKHALIN, "Close")
    inbox = dispute_views.inbox(session, teacher)
    assert [item.id for item in inbox.items] == [dispute_id]


def test_an_administrator_answers_learners_in_no_class(
    world: World, session: Session, clock: FixedClock
) -> None:
    outsiders = session.scalars(
        select(Attempt.id).where(Attempt.user_id == world.outsider.id)
    ).all()
    session.rollback()
    seen = disputes.for_attempt(session, clock.now(), world.outsider.id, outsiders[0])
    assert seen.limit_reached is None
    dispute_id = disputes.open_dispute(
        session, clock.now(), world.outsider, outsiders[0], SAKHALIN, "Honshu is an island too"
    )
    assert dispute_id in [item.id for item in dispute_views.inbox(session, world.admin).items]
