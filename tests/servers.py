"""Real servers for tests that need one: an instance set up with the `course` command and
served by gunicorn on a free loopback port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path


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


def serve(env: dict[str, str], port: int, workers: int = 1) -> subprocess.Popen[bytes]:
    """Start `course serve` in its own process group and wait until it accepts connections."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "course.cli",
            "serve",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise AssertionError("the server did not start")
