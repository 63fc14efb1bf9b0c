"""`bench/logins.py --quick` still runs: the login-burst part against `course serve` with
1 and 2 workers completes and reports a figure for each (no time is asserted: timing is
the benchmark's business, never a test's)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench" / "logins.py"


def test_the_login_burst_benchmark_runs() -> None:
    run = subprocess.run(
        [sys.executable, str(BENCH), "--quick"],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    for workers in ("1 worker ", "2 workers"):
        line = re.search(rf"^  {workers}.*-> +([\d.]+) logins/s per core$", run.stdout, re.M)
        assert line and float(line.group(1)) > 0, run.stdout
