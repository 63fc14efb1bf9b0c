"""A missing or broken authoring library (trafilatura, lxml) never takes down the engine:
`course --help`, `init` and `serve` work without them, and `import-article` of a web page
says what is wrong instead of printing a traceback."""

from __future__ import annotations

import subprocess
import sys
import urllib.request
from pathlib import Path

from tests.servers import free_port, instance_env, serve, stop

# Importing either now fails as it would if it were absent (or broken, like lxml without
# the separate lxml_html_clean): `import trafilatura` raises ImportError.
POISON = (
    "import sys; sys.modules['trafilatura'] = None; sys.modules['lxml'] = None; "
    "from course.cli import main; main()"
)
WITHOUT_AUTHORING = (sys.executable, "-c", POISON)
PAGE = Path(__file__).parent / "content" / "pages"


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*WITHOUT_AUTHORING, *args], env=env, capture_output=True, text=True, timeout=120
    )


def test_help_init_and_serve_without_authoring_libraries(tmp_path: Path) -> None:
    env = instance_env(tmp_path / "instance")
    help_ = run(env, "--help")
    assert help_.returncode == 0, help_.stderr
    assert "import-article" in help_.stdout
    init = run(env, "init", "--no-demo")
    assert init.returncode == 0, init.stderr
    port = free_port()
    server = serve(env, port, command=WITHOUT_AUTHORING)
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30) as response:
            assert "The Soviet Union in World War II" in response.read().decode()
    finally:
        stop(server)


def test_import_article_says_what_is_missing(tmp_path: Path) -> None:
    env = instance_env(tmp_path / "instance")
    page = next(PAGE.glob("*.html"))
    result = run(env, "import-article", str(page), "--root", str(tmp_path / "content"))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("course: importing a web page needs trafilatura and lxml")
    assert "plain-text file" in result.stderr
    assert not (tmp_path / "content").exists()  # nothing half-written


def test_plain_text_articles_import_without_authoring_libraries(tmp_path: Path) -> None:
    env = instance_env(tmp_path / "instance")
    text = tmp_path / "article.txt"
    text.write_text(
        "History Weekly\n\nThe Winter War\n\n"
        "The Soviet Union invaded Finland on 30 November 1939, three months after the start "
        "of the Second World War.\n",
        encoding="utf-8",
    )
    result = run(env, "import-article", str(text), "--root", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "lessons" / "the-winter-war.md").exists()
