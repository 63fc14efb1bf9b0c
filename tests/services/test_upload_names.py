"""THREATS 31: authored uploads never place a file outside the content root, and no
archive is ever extracted (the engine takes one lesson or quiz file at a time)."""

from __future__ import annotations

from pathlib import Path

import pytest

from course.errors import InvalidInput, PermissionDenied
from course.services import authoring
from course.services.authz import Actor
from course.store.users import Role

REPO = Path(__file__).resolve().parents[2]
QUIZ = b"id: uploaded\ntitle: Uploaded\nlesson: soviet-union-ww2\nquestions: []\n"
STAFF = Actor(1, Role.INSTRUCTOR)


@pytest.mark.parametrize(
    "name",
    [
        "course.zip",  # archives are refused, never opened
        "bomb.tar.gz",
        "lesson.md.zip",
        "quiz.yaml.exe",
        ".hidden.yaml",
        "UPPER/..",
        "..\\..\\evil.yaml",  # backslashes are not separators here: refused as a name
        "",
    ],
)
def test_archives_and_odd_names_are_refused(name: str) -> None:
    with pytest.raises(InvalidInput, match="Name the file like"):
        authoring.preview(STAFF, REPO, name, QUIZ)


@pytest.mark.parametrize(
    "name",
    ["../../etc/evil.yaml", "/etc/evil.yaml", "quizzes/../../evil.yaml"],
)
def test_path_parts_are_dropped_so_files_stay_in_the_root(name: str) -> None:
    checked = authoring.preview(STAFF, REPO, name, QUIZ)
    assert checked.filename == "evil.yaml"  # only the last part names the file
    for problem in checked.problems:  # reported, if at all, inside the root's quizzes/
        assert "/quizzes/evil.yaml" in problem.path
    assert not (REPO.parent / "evil.yaml").exists()
    assert not Path("/etc/evil.yaml").exists()


def test_learners_cannot_preview() -> None:
    with pytest.raises(PermissionDenied):
        authoring.preview(Actor(2, Role.LEARNER), REPO, "quiz.yaml", QUIZ)
