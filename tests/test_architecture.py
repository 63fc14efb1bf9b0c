"""Layers hold: the core imports no Flask (import-linter checks the full contracts in CI)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from course.content.model import QuestionType
from course.grading import registry


@pytest.mark.parametrize(
    "module",
    [
        "course.content.loader",
        "course.grading.registry",
        "course.store.models",
        "course.services.content_sync",
        "course.settings",
        "course",
    ],
)
def test_core_imports_no_flask(module: str) -> None:
    code = (
        f"import sys, {module}; "
        "print(any(m == 'flask' or m.startswith('flask.') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_registry_covers_every_type() -> None:
    source = Path(registry.__file__).read_text(encoding="utf-8")
    for qtype in QuestionType:
        class_name = "".join(part.title() for part in qtype.value.split("_")) + "Question"
        assert f"case {class_name}()" in source, qtype
