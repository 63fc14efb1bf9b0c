"""THREATS 38 in miniature: a classroom logs in and takes the quiz against the real server
(gunicorn, 2 workers) for a bounded time; 0 errors and 0 lost answers.

The full figure (200 learners for 60 s) comes from ``bench/classroom.py`` and is reported
in docs/security.md; this runs the same code small enough for every CI run. It asserts
no latency: timing is the benchmark's business, never a test's."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench" / "classroom.py"


def test_a_small_classroom_gets_no_error_and_loses_no_answer() -> None:
    run = subprocess.run(
        [sys.executable, str(BENCH), "--learners", "25", "--seconds", "12", "--think", "0.3"],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    out = run.stdout
    assert re.search(r"^errors\s+0$", out, re.M), out
    answers = re.search(r"acknowledged (\d+), stored (\d+), lost (-?\d+)", out)
    assert answers, out
    acknowledged, stored, lost = map(int, answers.groups())
    assert acknowledged > 25 and stored == acknowledged and lost == 0, out
    logins = re.search(r"^logins\s+(\d+)", out, re.M)
    assert logins and int(logins.group(1)) == 25, out
