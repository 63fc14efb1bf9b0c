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
    """A content root holding one bundled lesson (the seed article's) and no quiz, so an
    import that names no lesson has exactly one to pair with."""
    root = tmp_path / "content"
    (root / "lessons").mkdir(parents=True)
    shutil.copy(REPO / "lessons" / "soviet-union-ww2.md", root / "lessons")
    (root / "quizzes").mkdir()
    shutil.copy(REPO / "course.yaml", root / "course.yaml")
    return root
