"""Real servers for tests that need one: an instance set up with the `course` command and
served by gunicorn on a free loopback port.

A server runs in its own process group (gunicorn's master and its workers), so stopping it
stops all of them. Three paths make sure no test server outlives the test run: the
fixture or caller calls :func:`stop`; an ``atexit`` hook and a SIGTERM/SIGHUP handler stop
whatever is still running when pytest is interrupted (Ctrl-C ends in a normal interpreter
exit, a signal would not); and on Linux the server's master gets SIGTERM from the kernel
if the test process dies without cleaning up at all (SIGKILL).
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

START_SECONDS = 90  # a loaded 2-core machine can take a while to migrate and boot workers
STOP_SECONDS = 20

_running: dict[int, subprocess.Popen[bytes]] = {}
_previous_handlers: dict[int, object] = {}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def course(env: dict[str, str], *args: str) -> None:
    """Run a `course` command for the test instance; fail the test if it fails."""
    subprocess.run(
        [sys.executable, "-m", "course.cli", *args], env=env, check=True, stdout=subprocess.DEVNULL
    )


def instance_env(instance: Path, content: Path | None = None) -> dict[str, str]:
    """Environment for a SQLite instance in ``instance`` (the bundled course by default)."""
    env = {**os.environ, "COURSE_INSTANCE": str(instance), "LOG_LEVEL": "WARNING"}
    env.pop("DATABASE_URL", None)
    env.pop("COURSE_CONTENT", None)
    if content is not None:
        env["COURSE_CONTENT"] = str(content)
    return env


def _die_with_parent() -> None:
    """In the child before exec: ask the kernel for SIGTERM when the test process dies."""
    pr_set_pdeathsig = 1
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(pr_set_pdeathsig, signal.SIGTERM, 0, 0, 0)


def serve(
    env: dict[str, str],
    port: int,
    workers: int = 1,
    command: Sequence[str] = (sys.executable, "-m", "course.cli"),
) -> subprocess.Popen[bytes]:
    """Start ``<command> serve`` in its own process group and wait until it answers
    ``/livez``. Stop it with :func:`stop` (it is stopped at exit in any case)."""
    _install_signal_handlers()
    proc = subprocess.Popen(
        [*command, "serve", "--port", str(port), "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        preexec_fn=_die_with_parent if sys.platform == "linux" else None,
    )
    _running[proc.pid] = proc
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            _running.pop(proc.pid, None)
            raise AssertionError(f"the server exited with status {proc.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/livez", timeout=5):
                return proc
        except OSError:
            time.sleep(0.1)  # polling for readiness, not waiting out a guess
    stop(proc)
    raise AssertionError(f"the server did not answer within {START_SECONDS} s")


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop a server and every process of its group: SIGTERM, then SIGKILL if it lingers."""
    _running.pop(proc.pid, None)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=STOP_SECONDS)
    # Workers orphaned by a master that died first are still in the group.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=STOP_SECONDS)


def stop_all() -> None:
    for proc in list(_running.values()):
        stop(proc)


atexit.register(stop_all)


def _on_signal(signum: int, frame: FrameType | None) -> None:
    stop_all()
    previous = _previous_handlers.get(signum, signal.SIG_DFL)
    if previous == signal.SIG_IGN:
        return
    if callable(previous):
        previous(signum, frame)
        return
    # Die of the same signal, as the test process would have without this handler.
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


def _install_signal_handlers() -> None:
    """SIGINT already becomes KeyboardInterrupt (finalizers, then atexit); SIGTERM and
    SIGHUP kill Python without either, so they get a handler that stops the servers."""
    if _previous_handlers or sys.platform == "win32":
        return
    for signum in (signal.SIGTERM, signal.SIGHUP):
        try:
            _previous_handlers[signum] = signal.signal(signum, _on_signal)
        except ValueError:  # not the main thread: the atexit hook still runs
            return
