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


def _course_problems(tmp_path: Path, course_yaml: str) -> list[str]:
    root = course_copy(tmp_path)
    (root / "course.yaml").write_text(course_yaml, encoding="utf-8")
    _, report = load_root(root)
    return [line.split("/")[-1] for line in report.lines() if "course.yaml:" in line]


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("new_per_day: -3", "course.yaml:2:14: 'new_per_day' must be 0 or more, not -3"),
        ("new_per_day: 2.5", "course.yaml:2:14: 'new_per_day' must be a whole number (0 or more)"),
        ("leech_lapses: -1", "course.yaml:2:15: 'leech_lapses' must be 0 or more, not -1"),
    ],
)
def test_a_negative_setting_says_it_must_be_0_or_more(
    tmp_path: Path, setting: str, message: str
) -> None:
    found = _course_problems(tmp_path, f"id: ww2\n{setting}\n")
    assert len(found) == 1 and found[0].startswith(message), found


def test_misconception_problems_are_reported_at_their_entry(tmp_path: Path) -> None:
    found = _course_problems(
        tmp_path,
        "id: ww2\nmisconceptions:\n  sides-confused: Mixes up the sides\n  bad slug: x\n  empty:\n",
    )
    assert found == [
        "course.yaml:4:3: misconception 'bad slug' is not a slug (letters, digits, -, _)",
        "course.yaml:5:9: 'misconceptions.empty' is empty; write a value or remove the key",
    ]
    found = _course_problems(tmp_path / "2", "id: ww2\nmisconceptions:\n  a: ok\n  b: [x, y]\n")
    assert found == ["course.yaml:4:6: 'misconceptions.b' must be text, not a list"]
