"""Fixtures of the interop tests: the public GIFT/Moodle XML files in ../shared/interop
(read in place, never copied) and a content root with one lesson to import into."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.factories import REPO


def _shared_interop() -> Path:
    """Where the public fixtures are: $COURSE_INTEROP_FIXTURES, else a `shared/interop`
    folder beside the checkout or beside one of its parents (a CI clone may live
    elsewhere than the workspace), else the workspace's own /work/shared/interop."""
    if configured := os.environ.get("COURSE_INTEROP_FIXTURES"):
        return Path(configured)
    for parent in REPO.parents:
        if (parent / "shared" / "interop").is_dir():
            return parent / "shared" / "interop"
    return Path("/work/shared/interop")


SHARED = _shared_interop()


def shared_folder(name: str) -> Path:
    folder = SHARED / name
    if not folder.is_dir():
        pytest.skip(
            f"{folder} is absent: the public GIFT/Moodle XML fixtures live in ../shared "
            "(or set COURSE_INTEROP_FIXTURES)"
        )
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
