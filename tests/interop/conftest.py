"""Fixtures of the interop tests: the public GIFT/Moodle XML files in ../shared/interop
(read in place, never copied) and a content root with one lesson to import into."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.factories import REPO

SHARED = REPO.parent / "shared" / "interop"


def shared_folder(name: str) -> Path:
    folder = SHARED / name
    if not folder.is_dir():
        pytest.skip(f"{folder} is absent: the public GIFT/Moodle XML fixtures live in ../shared")
    return folder


@pytest.fixture
def gift_folder() -> Path:
    return shared_folder("gift-peg")


@pytest.fixture
def moodle_folder() -> Path:
    return shared_folder("moodle-xml")


@pytest.fixture
def content_root(tmp_path: Path) -> Path:
    """A content root holding the bundled lesson and no quiz."""
    root = tmp_path / "content"
    shutil.copytree(REPO / "lessons", root / "lessons")
    (root / "quizzes").mkdir()
    shutil.copy(REPO / "course.yaml", root / "course.yaml")
    return root
