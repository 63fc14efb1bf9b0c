"""The wrk benchmarks still work: bench/wrk_suite.py at its --quick size.

It proves that the suite runs end to end (hello baseline, answers with the database's
row check, pages, worker memory) and reports numbers; it asserts no speed, ever: timing
is the benchmark's business, never a test's. The suite itself fails when an
acknowledged answer is missing from the database or a request is rejected."""

from __future__ import annotations

import importlib.util
import json
import math
import os
import shutil
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
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


def _suite() -> Any:
    """bench/wrk_suite.py as a module (bench/ is a folder of scripts, not a package)."""
    spec = importlib.util.spec_from_file_location("wrk_suite", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("wrk_suite", module)  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


class _Acknowledges(BaseHTTPRequestHandler):
    """Acknowledges every answer with the app's redirect, and stores nothing."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(302)
        self.send_header("Location", "/attempts/1?answered=1")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


class _NothingStored:
    """An instance whose database never gets a row."""

    key = "sqlite"

    def prepare(self, size: int, path: Path) -> int:
        line = "/attempts/1/questions/1\tsession=x\tq-1=a&csrf_token=t"
        path.write_text("\n".join([line] * size) + "\n", encoding="utf-8")
        return size

    def stored(self) -> tuple[int, int]:
        return 0, 0

    def settle(self, server: Any) -> tuple[int, int]:
        return 0, 0


def test_an_acknowledged_answer_missing_from_the_database_fails_the_suite(
    tmp_path: Path,
) -> None:
    if shutil.which("wrk") is None:
        pytest.skip("wrk is not installed (Debian package wrk)")
    suite = _suite()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Acknowledges)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        server = suite.Server("fake app", httpd.server_address[1], 1, None)
        opts = suite.Options(duration=1, rounds=1, connections=2, threads=1, warmup=0)
        with pytest.raises(suite.BenchError, match="ROW COUNT MISMATCH"):
            suite.answer_run(_NothingStored(), server, "answer", 50, 1, opts, tmp_path / "p")
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_the_in_process_answer_profile_runs() -> None:
    """bench/answer_profile.py at a tiny size: it answers, checks every answer was
    stored (302) and every page served (200), and prints its rows and parts."""
    script = BENCH.parent / "answer_profile.py"
    run = subprocess.run(
        [sys.executable, str(script), "--answers", "20", "--learners", "20", "--parts"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    for row in ("bare Flask hello", "answer POST", "feedback GET", "whole answer"):
        assert row in run.stdout, run.stdout
    assert "answer read (login + context)" in run.stdout


LADDER_RUNGS = ("post-nothing", "floor", "sqlalchemy-core", "sqlalchemy-orm")


@pytest.mark.parametrize("db", ["sqlite", "pg"])
def test_the_floor_ladder_runs(db: str) -> None:
    """bench/floor_ladder.py at its --quick size, on SQLite and on PostgreSQL (skipped
    with the reason when PostgreSQL is not reachable): every rung is served, answered
    (the benchmark checks each run's rows itself and fails otherwise) and given a ratio to
    the hello of the same run. No speed is asserted."""
    if shutil.which("wrk") is None:
        pytest.skip("wrk is not installed (Debian package wrk)")
    if db == "pg" and (reason := _pg_unreachable()):
        pytest.skip(reason)
    script = BENCH.parent / "floor_ladder.py"
    run = subprocess.run(
        [sys.executable, str(script), "--quick", "--db", db],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    rows = {line.split()[0]: line.split() for line in run.stdout.splitlines() if line.strip()}
    for rung in LADDER_RUNGS:
        assert rung in rows, run.stdout
        # rung, answers/s, ÷ hello, step, each round's ÷ hello, CPU µs/answer, CPU ÷ hello
        for ratio in (float(rows[rung][2]), float(rows[rung][-1])):
            assert math.isfinite(ratio) and ratio > 0, rows[rung]
    checked = [line.split(":")[0] for line in run.stdout.splitlines() if "rows match" in line]
    assert checked == list(LADDER_RUNGS[1:]), run.stdout  # the rungs with a database
