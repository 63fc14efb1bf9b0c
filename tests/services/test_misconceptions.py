"""The misconception report and the learner's "a common confusion", on a seeded class
whose shares are known; the rules that map a misconception to a lesson section."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from course.clock import FixedClock
from course.content.model import build_question
from course.errors import NotFound, PermissionDenied
from course.services import classes, misconceptions
from course.services import misconception_rules as rules
from course.services.authz import Actor
from course.services.content_sync import sync_root
from course.services.item_history import item_history
from course.services.misconception_rules import LessonInfo
from tests.factories import (
    QUIZ,
    make_class,
    make_instructor,
    make_learner,
    statements,
    tagged_root,
    take_quiz,
)

SPY = "the-spy-in-tokyo-and-the-siberian-divisions"


@pytest.fixture
def seeded(session: Session, clock: FixedClock, tmp_path: Path) -> dict[str, object]:
    """Five learners in a class. Week 1: Ann and Ben pick Berlin, Ann and Ben type
    "Imperial Guard", Cy and Di type "Zhukov". Week 2: Ann retakes, all right. Out of
    class, Zed picks Berlin."""
    sync_root(session, clock, tagged_root(tmp_path))
    teacher = make_instructor(session, clock)
    class_id, code = make_class(session, clock, teacher)
    people = {}
    for name in ("ann", "ben", "cy", "di", "eve", "zed"):
        people[name] = make_learner(session, clock, f"{name}@example.org", display_name=name)
        if name != "zed":
            classes.join(session, clock, people[name], code)
    army = {"ann": "Imperial Guard", "ben": "imperial guard", "cy": "Zhukov", "di": "zhukov"}
    attempts = {}
    for name, learner in people.items():
        wrong = ["spy-location"] if name in ("ann", "ben", "zed") else []
        answers = {"manchuria-garrison": army[name]} if name in army else None
        attempts[name] = take_quiz(session, clock, learner.id, wrong=wrong, answers=answers)
    clock.advance(timedelta(days=7))
    attempts["ann-2"] = take_quiz(session, clock, people["ann"].id)
    return {
        "teacher": teacher,
        "class_id": class_id,
        "code": code,
        "people": people,
        "attempts": attempts,
    }


def test_report_gives_known_shares_holders_and_trend(
    session: Session, seeded: dict[str, object]
) -> None:
    teacher, class_id = seeded["teacher"], seeded["class_id"]
    assert isinstance(teacher, Actor) and isinstance(class_id, int)
    report = misconceptions.report(session, teacher, class_id, QUIZ)
    assert report.learners == 5
    rows = {r.slug: r for r in report.rows}
    assert set(rows) == {"wrong-front", "home-army"}  # "unused" is named by no question
    front = rows["wrong-front"]
    assert (front.learners, front.exposed, front.share) == (2, 5, 0.4)
    assert front.description.startswith("Thinks Stalin's news")
    assert [(h.name, h.times, h.still) for h in front.holders] == [
        ("ann", 1, False),  # answered right in week 2
        ("ben", 1, True),
    ]
    assert [(s.question, s.answer, s.learners) for s in front.answers] == [
        ("spy-location", "Berlin", 2)
    ]
    assert [(showed, answered) for _w, showed, answered in front.weeks] == [(2, 5), (0, 1)]
    assert front.link is not None
    assert (front.link.lesson_slug, front.link.anchor, front.link.rule) == (
        "soviet-union-ww2",
        SPY,
        "question",
    )
    army = rows["home-army"]
    assert (army.learners, army.exposed) == (2, 5)
    assert [h.still for h in army.holders] == [False, True]
    assert army.link is not None and army.link.anchor == "the-war-with-japan"


def test_untagged_frequent_wrong_answer_is_a_candidate_with_its_yaml(
    session: Session, seeded: dict[str, object]
) -> None:
    teacher, class_id = seeded["teacher"], seeded["class_id"]
    assert isinstance(teacher, Actor) and isinstance(class_id, int)
    report = misconceptions.report(session, teacher, class_id, QUIZ)
    # "Zhukov" twice (Cy, Di: 2 of 5); tagged answers and single wrong answers are not.
    assert [(c.question, c.answer, c.learners, c.answered) for c in report.candidates] == [
        ("manchuria-garrison", "Zhukov", 2, 5)
    ]
    candidate = report.candidates[0]
    assert candidate.path == "quizzes/soviet-union-ww2.yaml"
    assert '      "Zhukov": {misconception: zhukov}' in candidate.quiz_yaml
    assert '  zhukov: "TODO:' in candidate.course_yaml


def test_whole_class_report_and_an_unknown_quiz(
    session: Session, seeded: dict[str, object]
) -> None:
    teacher, class_id = seeded["teacher"], seeded["class_id"]
    assert isinstance(teacher, Actor) and isinstance(class_id, int)
    whole = misconceptions.report(session, teacher, class_id)
    assert whole.quiz_slug is None and QUIZ in [slug for slug, _ in whole.quizzes]
    assert {r.slug: r.learners for r in whole.rows} == {"wrong-front": 2, "home-army": 2}
    with pytest.raises(NotFound):
        misconceptions.report(session, teacher, class_id, "no-such-quiz")


def test_only_the_class_instructor_and_admins_see_it(
    session: Session, clock: FixedClock, seeded: dict[str, object]
) -> None:
    class_id = seeded["class_id"]
    people = seeded["people"]
    assert isinstance(class_id, int) and isinstance(people, dict)
    with pytest.raises(PermissionDenied):
        misconceptions.report(session, people["ann"], class_id)
    other = make_instructor(session, clock, "other@example.org")
    with pytest.raises(NotFound):
        misconceptions.report(session, other, class_id)


def test_learner_sees_the_confusion_of_their_own_wrong_answers(
    session: Session, seeded: dict[str, object]
) -> None:
    people, attempts = seeded["people"], seeded["attempts"]
    assert isinstance(people, dict) and isinstance(attempts, dict)
    ben = misconceptions.confusions(session, people["ben"].id, attempts["ben"])
    assert len(ben) == 2
    spy = next(c for c in ben.values() if c.description.startswith("Thinks Stalin's"))
    assert spy.link is not None and spy.link.anchor == SPY
    # Right answers, someone else's attempt, untagged wrong answers: nothing.
    assert misconceptions.confusions(session, people["eve"].id, attempts["eve"]) == {}
    assert misconceptions.confusions(session, people["eve"].id, attempts["ben"]) == {}
    assert misconceptions.confusions(session, people["cy"].id, attempts["cy"]) == {}


def test_a_course_without_misconceptions_shows_no_confusion(
    session: Session, clock: FixedClock, synced: None
) -> None:
    learner = make_learner(session, clock)
    attempt = take_quiz(session, clock, learner.id, wrong=["spy-location"])
    assert misconceptions.confusions(session, learner.id, attempt) == {}


# --- pure rules ------------------------------------------------------------------------

LESSON = LessonInfo(
    "l",
    "The lesson",
    (("A tense border in Manchuria", "border"), ("The spy in Tokyo", "spy")),
)


def test_section_rule_prefers_the_questions_section_then_heading_words_then_lesson() -> None:
    lessons = {"l": LESSON}
    most = rules.lesson_link("x", "y", {("l", "border"): 1, ("l", "spy"): 3}, LESSON, lessons)
    tie = rules.lesson_link("x", "y", {("l", "border"): 0, ("l", "spy"): 0}, LESSON, lessons)
    assert most is not None and (most.anchor, most.heading, most.rule) == (
        "spy",
        "The spy in Tokyo",
        "question",
    )
    assert tie is not None and tie.anchor == "border"
    sections: dict[tuple[str, str | None], int] = {("l", None): 2}
    words = rules.lesson_link("tokyo-spy", "The spy was in Europe", sections, LESSON, lessons)
    assert words is not None and (words.anchor, words.rule) == ("spy", "heading")
    none = rules.lesson_link("x", "Nothing in common here", {}, LESSON, lessons)
    assert none is not None and (none.anchor, none.rule) == (None, "lesson")


def test_seen_in_reads_tags_from_the_definition() -> None:
    question = build_question(
        {
            "id": "q",
            "type": "multi_choice",
            "prompt": "Pick",
            "choices": [
                {"text": "A", "correct": True},
                {"text": "B", "misconception": "b-is-right"},
                {"text": "C"},
            ],
        }
    )
    ids = {c.text: c.id for c in question.choices}  # type: ignore[union-attr]
    seen = rules.seen_in(question, [ids["A"], ids["B"], ids["C"]], 0.0)
    assert seen.misconception == "b-is-right" and seen.untagged == ((ids["C"], "C"),)
    assert rules.seen_in(question, [ids["A"]], 1.0) == rules.Seen(None)
    assert rules.seen_in(question, ["forged"], 0.0) == rules.Seen(None)


def test_report_item_page_and_confusions_run_a_fixed_number_of_queries(
    session: Session, clock: FixedClock, engine: Engine, seeded: dict[str, object]
) -> None:
    teacher, class_id, people = seeded["teacher"], seeded["class_id"], seeded["people"]
    code, attempts = seeded["code"], seeded["attempts"]
    assert isinstance(teacher, Actor) and isinstance(class_id, int) and isinstance(code, str)
    assert isinstance(people, dict) and isinstance(attempts, dict)

    def count_queries() -> int:
        with statements(engine) as seen:
            misconceptions.report(session, teacher, class_id)
            misconceptions.report(session, teacher, class_id, QUIZ)
            item_history(session, teacher, class_id, QUIZ, "spy-location")
            misconceptions.confusions(session, people["ben"].id, attempts["ben"])
        return len(seen)

    small = count_queries()
    for i in range(6):  # six more learners, half of them showing a misconception
        learner = make_learner(session, clock, f"more{i}@example.org")
        classes.join(session, clock, learner, code)
        take_quiz(session, clock, learner.id, wrong=["spy-location"] if i % 2 else [])
    assert count_queries() == small
