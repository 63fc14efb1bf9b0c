"""The misconception report, the item page and the learner's "a common confusion" as
pages: what they show, to whom, and their links."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from course.clock import FixedClock
from course.services import classes
from course.services.authz import Actor
from course.services.content_sync import sync_root
from course.store.users import Role
from tests.factories import (
    QUIZ,
    AuthActions,
    make_class,
    make_instructor,
    make_learner,
    tagged_root,
    take_quiz,
)

SPY_LINK = (
    "/courses/ww2-soviet-union/lessons/soviet-union-ww2#the-spy-in-tokyo-and-the-siberian-divisions"
)


@pytest.fixture
def world(app: object, session: Session, clock: FixedClock, tmp_path: Path) -> dict[str, int]:
    sync_root(session, clock, tagged_root(tmp_path))
    teacher = make_instructor(session, clock)
    class_id, code = make_class(session, clock, teacher)
    ids = {"class": class_id, "teacher": teacher.id}
    for name in ("ann", "ben", "cy"):
        learner = make_learner(session, clock, f"{name}@example.org", display_name=name.title())
        classes.join(session, clock, learner, code)
        wrong = ["spy-location"] if name != "cy" else []
        answers = {"manchuria-garrison": "Zhukov"} if name != "cy" else None
        ids[name] = learner.id
        ids[f"{name}-attempt"] = take_quiz(session, clock, learner.id, wrong=wrong, answers=answers)
    return ids


def test_report_page_lists_shares_holders_links_chart_and_yaml(
    auth: AuthActions, world: dict[str, int]
) -> None:
    teacher = auth.login_as("teacher@example.org")
    page = teacher.get(f"/teach/classes/{world['class']}/quizzes/{QUIZ}/misconceptions")
    assert page.status_code == 200
    text = html.unescape(page.get_data(as_text=True))
    assert "Thinks Stalin's news of Japan came from Europe" in text
    assert "2 of 3" in text and "(67%)" in text
    assert f'href="/teach/classes/{world["class"]}/learners/{world["ann"]}"' in text
    assert f'href="/teach/classes/{world["class"]}/learners/{world["cy"]}"' not in text
    assert f'href="{SPY_LINK}"' in text
    assert "<svg" in text and "week of" in text
    assert '"Zhukov": {misconception: zhukov}' in text  # the candidate's YAML
    assert f"/teach/classes/{world['class']}/quizzes/{QUIZ}/questions/manchuria-garrison" in text
    whole = teacher.get(f"/teach/classes/{world['class']}/misconceptions")
    assert whole.status_code == 200 and "all quizzes" in whole.get_data(as_text=True)
    missing = teacher.get(f"/teach/classes/{world['class']}/quizzes/nope/misconceptions")
    assert missing.status_code == 404


def test_item_page_shows_versions_and_statistics(auth: AuthActions, world: dict[str, int]) -> None:
    teacher = auth.login_as("teacher@example.org")
    base = f"/teach/classes/{world['class']}/quizzes/{QUIZ}/questions"
    page = teacher.get(f"{base}/spy-location")
    text = html.unescape(page.get_data(as_text=True))
    assert page.status_code == 200
    # The bundled course, then the tagged copy: two versions, the tag in the diff.
    assert "Version 2" in text and "Version 1" in text
    # The diff line names the choice the tag was added to.
    assert re.search(r"\+choices: \{text: Berlin, [^}]*misconception: wrong-front", text)
    assert "“berlin” ×2" in text and "33%" in text  # normalized, as on the analysis page
    assert teacher.get(f"{base}/no-such-question").status_code == 404


def test_learner_results_show_a_common_confusion_with_its_link(
    auth: AuthActions, world: dict[str, int]
) -> None:
    ann = auth.login_as("ann@example.org")
    results = ann.get(f"/attempts/{world['ann-attempt']}/results")
    text = html.unescape(results.get_data(as_text=True))
    assert text.count("A common confusion:") == 1  # Zhukov is wrong but names none
    assert "A common confusion: Thinks Stalin's news of Japan came from Europe" in text
    assert f'href="{SPY_LINK}"' in text
    cy = auth.login_as("cy@example.org")
    right = cy.get(f"/attempts/{world['cy-attempt']}/results").get_data(as_text=True)
    assert "A common confusion" not in right
    assert cy.get(f"/attempts/{world['ann-attempt']}/results").status_code == 404


def test_typed_answers_are_shown_as_text_never_as_markup(
    auth: AuthActions, session: Session, clock: FixedClock, world: dict[str, int]
) -> None:
    teacher_actor = Actor(world["teacher"], Role.INSTRUCTOR)
    code = classes.teaching(session, teacher_actor)[0].join_code
    typed = "[prize](https://evil.example) <b>x</b>"
    for name in ("mal", "mel"):
        learner = make_learner(session, clock, f"{name}@example.org")
        classes.join(session, clock, learner, code)
        take_quiz(session, clock, learner.id, answers={"manchuria-garrison": typed})
    teacher = auth.login_as("teacher@example.org")
    report = teacher.get(f"/teach/classes/{world['class']}/quizzes/{QUIZ}/misconceptions")
    item = teacher.get(
        f"/teach/classes/{world['class']}/quizzes/{QUIZ}/questions/manchuria-garrison"
    )
    assert "[prize](https://evil.example) &lt;b&gt;x&lt;/b&gt;" in report.get_data(as_text=True)
    assert "prize" in item.get_data(as_text=True)  # normalized, as on the analysis page
    for page in (report, item):
        body = page.get_data(as_text=True)
        assert 'href="https://evil.example"' not in body and "<b>x</b>" not in body
