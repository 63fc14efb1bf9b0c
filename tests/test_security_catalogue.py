"""docs/security.md lists every THREATS case with a status and tests that exist.

The catalogue in the doc is the promise "every case has a test"; this keeps the promise
honest as tests are renamed or moved: each named ``file::function`` must be a test
function in that file, and cases 1–60 must each appear once.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DOC = REPO / "docs" / "security.md"
ROW = re.compile(r"^\| (\d+) \| ([^|]+) \| ([^|]+) \| (.+) \|$", re.M)
TEST = re.compile(r"`([\w/]+\.py)::(\w+)`")
CASES = 60


def _rows() -> dict[int, tuple[str, list[tuple[str, str]]]]:
    rows: dict[int, tuple[str, list[tuple[str, str]]]] = {}
    for number, _case, status, tests in ROW.findall(DOC.read_text(encoding="utf-8")):
        assert int(number) not in rows, f"case {number} is listed twice"
        rows[int(number)] = (status.strip(), TEST.findall(tests))
    return rows


def test_every_case_is_listed_with_a_status_and_a_test() -> None:
    rows = _rows()
    assert sorted(rows) == list(range(1, CASES + 1))
    for number, (status, tests) in rows.items():
        assert status.split(":")[0].split(" (")[0] in {"defended", "partial", "n/a"}, number
        assert tests, f"case {number} names no test"


@pytest.mark.parametrize("number", range(1, CASES + 1))
def test_named_tests_exist(number: int) -> None:
    _, tests = _rows()[number]
    for path, name in tests:
        source = REPO / "tests" / path
        assert source.is_file(), f"case {number}: {path} does not exist"
        assert re.search(rf"^def {name}\(", source.read_text(encoding="utf-8"), re.M), (
            f"case {number}: {path} has no test {name}"
        )
