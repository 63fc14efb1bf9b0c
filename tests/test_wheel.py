"""The wheel works, not only the checkout: templates, static files, migrations and the
bundled course are packaged, and `course init` + `course serve` serve pages from it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.servers import free_port


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(out), str(REPO)],
        check=True,
        timeout=300,
    )
    return next(out.glob("course-*.whl"))


def test_wheel_contents(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in (
        "course/templates/base.html",
        "course/web/static/style.css",
        "course/store/migrations/env.py",
        "course/bundled/quizzes/soviet-union-ww2.yaml",
        "course/bundled/lessons/soviet-union-ww2.md",
        "course/py.typed",
    ):
        assert needed in names, needed
    assert any(n.startswith("course/store/migrations/versions/0001") for n in names)


def test_installed_wheel_serves_pages(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        timeout=300,
    )
    env = {**os.environ, "PYTHONPATH": str(target), "COURSE_INSTANCE": str(tmp_path / "inst")}
    env.pop("COURSE_CONTENT", None)
    env.pop("DATABASE_URL", None)
    where = subprocess.run(
        [sys.executable, "-c", "import course; print(course.__file__)"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert where.stdout.startswith(str(target))  # the wheel, not the checkout
    init = subprocess.run(
        [sys.executable, "-m", "course.cli", "init"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert init.returncode == 0, init.stderr
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "course.cli", "serve", "--port", str(port), "--workers", "1"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        body = ""
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/") as response:
                    body = response.read().decode()
                break
            except OSError:
                time.sleep(0.2)
        assert "The Soviet Union in World War II" in body
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/static/style.css") as response:
            assert response.status == 200
    finally:
        server.terminate()
        server.wait(timeout=20)
