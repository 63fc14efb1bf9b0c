"""Every command that writes a file treats its path the same way (course/outputs.py):
missing folders are created, a folder, a path through a file or an unwritable file get
one line naming the path and what to do, and an exit code of 1 — never a traceback."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from course.cli import main
from tests.factories import REPO

QUIZ = "barbarossa-and-moscow-quiz"
LESSON = REPO / "lessons" / "looking-back.md"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str) -> Path:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("COURSE_INSTANCE", str(tmp_path / "instance"))
    monkeypatch.setenv("COURSE_CONTENT", str(REPO))
    (tmp_path / "a-file").write_text("not a folder")
    return tmp_path


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def refused(result: Result, *needles: str) -> None:
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception  # no traceback
    assert "Traceback" not in result.output
    line = result.output.strip().splitlines()[-1]
    assert line.startswith("course: cannot write"), result.output
    for needle in needles:
        assert needle in line, line


def commands(out: Path) -> list[list[str]]:
    """Each file-writing command that reads no database, writing to ``out``."""
    return [
        ["schema", "-o", str(out)],
        ["export-gift", QUIZ, "--root", str(REPO), "-o", str(out)],
        ["export-moodle-xml", QUIZ, "--root", str(REPO), "-o", str(out)],
        ["draft-quiz", str(LESSON), "-o", str(out), "--force"],
    ]


def database_commands(out: Path) -> list[list[str]]:
    return [["export-anki", "-o", str(out)], ["export-reviews", "-o", str(out)]]


def test_missing_folders_are_created(env: Path) -> None:
    for i in range(len(commands(env))):
        out = env / "new" / str(i) / "out.txt"
        result = run(*commands(out)[i])
        assert result.exit_code == 0, (i, result.output)
        assert out.stat().st_size > 0, i


def test_missing_folders_are_created_by_database_exports(env: Path) -> None:
    assert run("init").exit_code == 0
    for i in range(len(database_commands(env))):
        out = env / "new" / str(i) / "out"
        result = run(*database_commands(out)[i])
        assert result.exit_code == 0, (i, result.output)
        assert out.is_file(), i


def test_a_folder_is_refused_and_left_alone(env: Path) -> None:
    folder = env / "folder"
    folder.mkdir()
    for args in commands(folder):
        refused(run(*args), f"cannot write {folder}: it is a folder", f"{folder}/")
    assert run("init").exit_code == 0
    for args in database_commands(folder):
        refused(run(*args), f"cannot write {folder}: it is a folder")
    assert list(folder.iterdir()) == []


def test_a_path_through_a_file_is_refused(env: Path) -> None:
    blocker = env / "a-file"
    out = blocker / "x.out"
    for args in commands(out):
        refused(run(*args), str(out), f"{blocker} is a file, not a folder")
    assert run("init").exit_code == 0
    for args in database_commands(out):
        refused(run(*args), f"{blocker} is a file, not a folder")
    assert blocker.read_text() == "not a folder"


@pytest.mark.skipif(not Path("/proc/version").is_file(), reason="needs Linux's /proc")
def test_an_unwritable_file_is_refused(env: Path) -> None:
    for args in commands(Path("/proc/version")):
        refused(run(*args), "cannot write /proc/version: ", "choose a file in a folder")
    assert run("init").exit_code == 0
    for args in database_commands(Path("/proc/version")):
        refused(run(*args), "cannot write /proc/version: ")


def test_imports_and_content_export_refuse_a_file_where_a_folder_must_be(env: Path) -> None:
    blocker = env / "a-file"
    article = run("import-article", str(LESSON), "--root", str(blocker))
    assert article.exit_code == 1 and isinstance(article.exception, SystemExit)
    assert f"{blocker} is a file, not a folder" in article.output
    root = env / "root"
    (root / "lessons").mkdir(parents=True)
    shutil.copy(REPO / "lessons" / "soviet-union-ww2.md", root / "lessons")
    (root / "quizzes").write_text("a file where the quizzes folder goes")
    gift = env / "x.gift"
    gift.write_text("Capital of the USSR? {=Moscow ~Leningrad}\n")
    imported = run("import-gift", str(gift), "--root", str(root))
    refused(imported, f"{root / 'quizzes'} is a file, not a folder")
    assert run("init").exit_code == 0
    content = run("export-content", str(blocker / "out"))
    assert content.exit_code == 1 and isinstance(content.exception, SystemExit)
    assert f"{blocker} is a file, not a folder" in content.output


@pytest.mark.skipif(not Path("/proc/version").is_file(), reason="needs Linux's /proc")
def test_imports_into_an_unwritable_root_are_refused(env: Path) -> None:
    article = run("import-article", str(LESSON), "--root", "/proc")
    refused(article, "/proc/lessons")
