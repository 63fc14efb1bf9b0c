"""The wrk benchmarks still work: bench/wrk_suite.py at its --quick size.

It proves that the suite runs end to end (hello baseline, answers with the database's
row check, pages, worker memory) and reports numbers; it asserts no speed, ever: timing
is the benchmark's business, never a test's. The suite itself fails when an
acknowledged answer is missing from the database or a request is rejected."""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import psycopg
import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench" / "wrk_suite.py"
PG_ADMIN = os.environ.get("PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test")


def _pg_unreachable() -> str:
    try:
        with psycopg.connect(PG_ADMIN, connect_timeout=5):
            return ""
    except psycopg.Error as exc:
        return f"PostgreSQL at {PG_ADMIN} is not reachable: {exc}".strip()


@pytest.fixture(scope="module")
def quick(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One --quick run of the suite: SQLite, and PostgreSQL when it is reachable."""
    if shutil.which("wrk") is None:
        pytest.skip("wrk is not installed (Debian package wrk)")
    out = tmp_path_factory.mktemp("bench") / "results.json"
    db = "sqlite" if _pg_unreachable() else "sqlite,pg"
    run = subprocess.run(
        [sys.executable, str(BENCH), "--quick", "--db", db, "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    results: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return results


def _check(results: dict[str, Any], db: str, rows: set[str]) -> None:
    found = [r for r in results["results"] if r["db"] == db]
    assert {r["row"] for r in found} == rows, found
    for row in found:
        assert isinstance(row["app"], float) and math.isfinite(row["app"]), row
        assert row["app"] > 0, row
        if row["ratio"] is not None:
            assert math.isfinite(row["ratio"]) and row["ratio"] > 0, row
            assert math.isfinite(row["base"]) and row["base"] > 0, row
    check = results["checks"][db]
    # Every acknowledged answer is stored; at most the requests cut off at the end of a
    # run are stored beyond them (the suite checks this per run; here, the totals).
    assert check["acknowledged"] > 0, check
    assert check["acknowledged"] <= check["stored"] <= check["acknowledged"] + check["cut_off"]


ANSWER_ROWS = {"answer", "whole", "scale", "rss"}


def test_the_quick_benchmarks_run_on_sqlite(quick: dict[str, Any]) -> None:
    _check(quick, "sqlite", ANSWER_ROWS | {"lesson", "course"})
    assert quick["hello_rss_mb"], quick


def test_the_quick_benchmarks_run_on_postgresql(quick: dict[str, Any]) -> None:
    reason = _pg_unreachable()
    if reason:
        pytest.skip(reason)
    _check(quick, "pg", ANSWER_ROWS)
