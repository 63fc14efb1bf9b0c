"""The wheel works, not only the checkout: templates, static files, migrations and the
bundled course are packaged, and installed into a fresh virtualenv by the pip that Python
bundles, `course --help`, `course init` and `course serve` serve pages from it."""

from __future__ import annotations

import ensurepip
import os
import subprocess
import sys
import urllib.request
import zipfile
from pathlib import Path

import pytest

from tests.factories import REPO
from tests.servers import free_port, serve, stop


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
        "course/bundled/media/timeline.svg",  # the course's figure
        "course/py.typed",
    ):
        assert needed in names, needed
    assert any(n.startswith("course/store/migrations/versions/0001") for n in names)


@pytest.fixture(scope="module")
def fresh_venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new virtualenv with the pip this Python bundles (never upgraded), into which
    `pip install <wheel>` resolves the dependencies from pyproject's ranges, as a user's
    install would. 3.11 bundles pip 23.2, which ignores `lxml[html_clean]` in a dependency."""
    venv = tmp_path_factory.mktemp("venv") / "v"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    pip = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert pip.stdout.startswith(f"pip {ensurepip.version()} "), pip.stdout
    subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", str(wheel)],
        check=True,
        timeout=900,
    )
    return venv


def test_fresh_venv_install_serves_pages(fresh_venv: Path, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "COURSE_INSTANCE": str(tmp_path / "inst"),
        "LOG_LEVEL": "WARNING",
        "PATH": f"{fresh_venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    for name in ("COURSE_CONTENT", "DATABASE_URL", "PYTHONPATH", "VIRTUAL_ENV"):
        env.pop(name, None)
    course = str(fresh_venv / "bin" / "course")
    where = subprocess.run(
        [str(fresh_venv / "bin" / "python"), "-c", "import course; print(course.__file__)"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert where.stdout.startswith(str(fresh_venv))  # the wheel, not the checkout
    help_ = subprocess.run(
        [course, "--help"], env=env, cwd=tmp_path, capture_output=True, text=True
    )
    assert help_.returncode == 0, help_.stderr
    assert "serve" in help_.stdout
    # The authoring dependencies are installed and work too (trafilatura needs lxml's cleaner).
    page = REPO / "tests" / "content" / "pages" / "wordpress-article.html"
    imported = subprocess.run(
        [course, "import-article", str(page), "--root", str(tmp_path / "draft")],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert imported.returncode == 0, imported.stderr
    init = subprocess.run(
        [course, "init", "--no-demo"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert init.returncode == 0, init.stderr
    port = free_port()
    server = serve(env, port, command=[course])
    try:
        url = f"http://127.0.0.1:{port}"
        with urllib.request.urlopen(f"{url}/", timeout=30) as response:
            assert "The Soviet Union in World War II" in response.read().decode()
        with urllib.request.urlopen(f"{url}/static/style.css", timeout=30) as response:
            assert response.status == 200
            assert response.headers["Content-Type"].startswith("text/css")
        # The bundled course's figure, served from the installed package.
        timeline = f"{url}/media/ww2-soviet-union/media/timeline.svg"
        with urllib.request.urlopen(timeline, timeout=30) as response:
            assert response.status == 200
            assert response.headers["Content-Type"].startswith("image/svg+xml")
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            assert response.read() == (REPO / "media" / "timeline.svg").read_bytes()
    finally:
        stop(server)
