"""Interrupting pytest (Ctrl-C, SIGTERM from a CI runner, or a SIGKILL) while a test's
server runs leaves no gunicorn process behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.factories import REPO

# A test that starts a server the usual way (a fixture with a finalizer), says which
# process group it is in, and then waits until it is interrupted.
INNER_TEST = """
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers import free_port, instance_env, serve, stop


@pytest.fixture
def server(tmp_path: Path) -> Iterator[int]:
    proc = serve(instance_env(tmp_path / "instance"), free_port())
    try:
        yield proc.pid
    finally:
        stop(proc)


def test_waits_for_interrupt(server: int, tmp_path: Path) -> None:
    Path({ready!r}).write_text(str(server))
    threading.Event().wait()
"""


def live_members(group: int) -> list[int]:
    """Processes of a process group that are still running (zombies excluded)."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid pgrp ...: comm may hold spaces, so split after ")".
        state, _ppid, pgrp = stat.rsplit(")", 1)[1].split()[:3]
        if int(pgrp) == group and state != "Z":
            members.append(int(entry.name))
    return members


def wait_for(condition: str, check: Callable[[], object], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)  # polling a condition, with a deadline
    raise AssertionError(f"timed out waiting for {condition}")


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL])
def test_interrupted_pytest_leaves_no_server(tmp_path: Path, signum: signal.Signals) -> None:
    ready = tmp_path / "server-group"
    inner = tmp_path / "test_inner.py"
    inner.write_text(INNER_TEST.format(ready=str(ready)), encoding="utf-8")
    pytest_run = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--rootdir",
            str(tmp_path),
            "--basetemp",
            str(tmp_path / "inner-tmp"),
            str(inner),
        ],
        cwd=REPO,  # so that `tests.servers` imports
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # a terminal's Ctrl-C reaches pytest, not this test run
    )
    try:
        wait_for("the inner test's server", lambda: ready.exists() and ready.read_text(), 120)
        group = int(ready.read_text())
        assert live_members(group), "the server should be running before the interrupt"
        pytest_run.send_signal(signum)
        output, _ = pytest_run.communicate(timeout=60)
        wait_for(f"server group {group} to end", lambda: not live_members(group), 30)
    finally:
        if pytest_run.poll() is None:
            os.killpg(pytest_run.pid, signal.SIGKILL)
            pytest_run.wait()
    if signum == signal.SIGINT:
        assert b"KeyboardInterrupt" in output
