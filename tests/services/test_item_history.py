"""An item's page: its revisions, and how its statistics moved across them."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from course.clock import FixedClock
from course.errors import NotFound, PermissionDenied
from course.services import classes
from course.services.audit import Actor as AuditActor
from course.services.authz import Actor
from course.services.content_sync import sync_root
from course.services.item_history import item_history
from course.services.regrade import Request, regrade
from course.store.audit import SYSTEM_CLI
from tests.factories import (
    COURSE,
    QUIZ,
    course_copy,
    fixed_key_root,
    make_class,
    make_instructor,
    make_learner,
    take_quiz,
)


def test_statistics_per_revision_before_and_after_a_key_fix(
    session: Session, clock: FixedClock, synced: None, tmp_path: Path
) -> None:
    teacher = make_instructor(session, clock)
    class_id, code = make_class(session, clock, teacher)
    learners = {}
    for name in ("ann", "ben", "cy", "di"):
        learners[name] = make_learner(session, clock, f"{name}@example.org")
        classes.join(session, clock, learners[name], code)
    hokkaido = {"north-of-japan": "Hokkaido"}
    take_quiz(session, clock, learners["ann"].id, answers=hokkaido)
    take_quiz(session, clock, learners["ben"].id, answers=hokkaido)
    take_quiz(session, clock, learners["cy"].id, wrong=["spy-location"])
    before = item_history(session, teacher, class_id, QUIZ, "north-of-japan")
    assert len(before.revisions) == 1
    first = before.revisions[0]
    assert (first.number, first.answered, first.changes) == (1, 3, ())
    assert first.facility_then == pytest.approx(1 / 3) == first.facility_now
    # Ann and Ben (rest of the attempt 16) missed it, Cy (rest 15) got it: -1.
    assert first.discrimination == pytest.approx(-1.0)
    assert first.wrong_answers == (("hokkaido", 2),)

    sync_root(session, clock, fixed_key_root(tmp_path))  # Hokkaido accepted from now on
    take_quiz(session, clock, learners["di"].id, answers=hokkaido)
    request = Request(AuditActor(SYSTEM_CLI), clock.now(), "Hokkaido accepted")
    regrade(session, COURSE, QUIZ, "north-of-japan", request=request)
    after = item_history(session, teacher, class_id, QUIZ, "north-of-japan")
    old, new = after.revisions
    assert old.facility_then == pytest.approx(1 / 3) and old.facility_now == 1.0
    assert old.wrong_answers == ()
    assert (new.number, new.answered, new.facility_then, new.discrimination) == (2, 1, 1.0, None)
    assert any(line.startswith("+") and "Hokkaido" in line for line in new.changes)
    assert old.answer == new.answer == "Sakhalin"  # the first accepted answer is shown


def test_item_page_authorization_and_unknown_items(
    session: Session, clock: FixedClock, synced: None
) -> None:
    teacher = make_instructor(session, clock)
    class_id, _ = make_class(session, clock, teacher)
    with pytest.raises(NotFound):
        item_history(session, teacher, class_id, QUIZ, "no-such-question")
    with pytest.raises(NotFound):
        item_history(session, teacher, class_id, "no-such-quiz", "north-of-japan")
    other = make_instructor(session, clock, "other@example.org")
    with pytest.raises(NotFound):
        item_history(session, other, class_id, QUIZ, "north-of-japan")
    learner: Actor = make_learner(session, clock)
    with pytest.raises(PermissionDenied):
        item_history(session, learner, class_id, QUIZ, "north-of-japan")


def _fixed(text: str) -> str:
    """Three key fixes at once: a choice flip, a year, a new shown answer."""
    return (
        text.replace("    answer: The Russo-Japanese War\n", "    answer: The Winter War\n")
        .replace('"The Russo-Japanese War": 1\n', '"The Russo-Japanese War": 0\n')
        .replace('"The Winter War": 0\n', '"The Winter War": 1\n')
        .replace("    answer: 1950\n", "    answer: 1951\n")
        .replace('"1950": 1', '"1950": 0')
        .replace('"1,950": 1', '"1951": 1')
        .replace("    answer: Sakhalin\n", "    answer: [Hokkaido, Sakhalin]\n")
        .replace('"Hokkaido": 0\n', '"Hokkaido": 1\n')
    )


def test_item_diffs_read_as_the_author_wrote_them(
    session: Session, clock: FixedClock, synced: None, tmp_path: Path
) -> None:
    teacher = make_instructor(session, clock)
    class_id, _ = make_class(session, clock, teacher)
    sync_root(session, clock, course_copy(tmp_path / "fixed", edit=_fixed))

    def changes(slug: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        new = item_history(session, teacher, class_id, QUIZ, slug).revisions[-1]
        assert all(":" in line for line in new.changes)
        assert not any(line[1:].startswith(("line:", "col:")) for line in new.changes)
        return new.changes, new.accepted

    flip, _ = changes("earlier-war")
    assert "-choices: {text: The Russo-Japanese War, correct: true}" in flip
    assert "+choices: {text: The Russo-Japanese War, correct: false}" in flip
    assert "+choices: {text: The Winter War, correct: true}" in flip
    year, _ = changes("korean-war-year")
    assert "-answer: 1950" in year and "+answer: 1951" in year
    assert not any(".0" in line for line in year)
    sakhalin, accepted = changes("north-of-japan")
    assert "+answer: [Hokkaido, Sakhalin]" in sakhalin
    assert accepted == ("Hokkaido", "Sakhalin")
