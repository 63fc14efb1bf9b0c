"""Review settings in course.yaml: learning steps, learn-ahead, leech threshold."""

from __future__ import annotations

from pathlib import Path

import pytest

from course.content.loader import load_root
from tests.factories import REPO, course_copy


def _root(tmp_path: Path, extra: str) -> Path:
    root = course_copy(tmp_path)
    text = (REPO / "course.yaml").read_text(encoding="utf-8")
    (root / "course.yaml").write_text(text + extra, encoding="utf-8")
    return root


def test_defaults_are_ankis() -> None:
    bundle, _ = load_root(REPO)
    assert bundle is not None
    info = bundle.course
    assert (info.learning_steps, info.relearning_steps) == ((1, 10), (10,))
    assert (info.learn_ahead_minutes, info.leech_lapses) == (20, 8)


def test_steps_in_minutes_or_hours(tmp_path: Path) -> None:
    extra = (
        "learning_steps: [5m, 30, 2h]\nrelearning_steps: []\n"
        "learn_ahead_minutes: 0\nleech_lapses: 4\n"
    )
    bundle, report = load_root(_root(tmp_path, extra))
    assert bundle is not None, report
    info = bundle.course
    assert info.learning_steps == (5, 30, 120) and info.relearning_steps == ()
    assert (info.learn_ahead_minutes, info.leech_lapses) == (0, 4)


@pytest.mark.parametrize("step", ["soon", "0m", "24h", "-5", "1d"])
def test_a_step_that_cannot_be_read_is_an_error_with_its_place(tmp_path: Path, step: str) -> None:
    bundle, report = load_root(_root(tmp_path, f"learning_steps: [1m, {step}]\n"))
    assert bundle is None
    messages = report.lines()
    assert any("course.yaml:" in m and f"'{step}' is not a step" in m for m in messages)
