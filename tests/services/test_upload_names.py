"""THREATS 31: authored uploads never place a file outside the course's lessons/ or
quizzes/, and no archive is ever extracted (the engine takes one lesson or quiz file at
a time). Nothing is ever written to disk: a file becomes a version in the database."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from course.clock import FixedClock
from course.errors import InvalidInput, PermissionDenied
from course.services import authoring
from course.services.authz import Actor
from course.store.users import Role
from tests.factories import COURSE, REPO, make_user

QUIZ = b"id: uploaded\ntitle: Uploaded\nlesson: soviet-union-ww2\nquestions: []\n"


@pytest.fixture
def admin(session: Session, clock: FixedClock, synced: None) -> Actor:
    return Actor(make_user(session, clock, "admin@example.org", role=Role.ADMIN).id, Role.ADMIN)


@pytest.mark.parametrize(
    "name",
    [
        "course.zip",  # archives are refused, never opened
        "bomb.tar.gz",
        "lesson.md.zip",
        "quiz.yaml.exe",
        ".hidden.yaml",
        "UPPER/..",
        "",
    ],
)
def test_archives_and_odd_names_are_refused(
    name: str, session: Session, clock: FixedClock, admin: Actor
) -> None:
    with pytest.raises(InvalidInput, match="Name the file like"):
        authoring.preview(session, clock, admin, COURSE, name, QUIZ)


@pytest.mark.parametrize(
    "name",
    ["../../etc/evil.yaml", "/etc/evil.yaml", "quizzes/../../evil.yaml", "..\\..\\evil.yaml"],
)
def test_path_parts_are_dropped_so_files_stay_in_the_root(
    name: str, session: Session, clock: FixedClock, admin: Actor
) -> None:
    checked = authoring.preview(session, clock, admin, COURSE, name, QUIZ)
    assert checked.filename == "evil.yaml"  # only the last part names the file
    assert checked.path == "quizzes/evil.yaml"
    for problem in checked.problems:  # reported, if at all, as the course's quizzes/
        assert problem.path == "quizzes/evil.yaml"
    assert not (REPO.parent / "evil.yaml").exists()
    assert not Path("/etc/evil.yaml").exists()


def test_learners_cannot_preview(session: Session, clock: FixedClock, synced: None) -> None:
    learner = make_user(session, clock, "kim@example.org")
    with pytest.raises(PermissionDenied):
        authoring.preview(session, clock, Actor(learner.id, Role.LEARNER), COURSE, "q.yaml", QUIZ)


def test_instructors_of_other_courses_cannot_preview(
    session: Session, clock: FixedClock, synced: None
) -> None:
    teacher = make_user(session, clock, "t@example.org", role=Role.INSTRUCTOR)
    with pytest.raises(PermissionDenied, match="run a class of this course"):
        authoring.preview(
            session, clock, Actor(teacher.id, Role.INSTRUCTOR), COURSE, "q.yaml", QUIZ
        )
