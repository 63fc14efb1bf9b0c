"""The `course` command end to end on a real database."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from course.cli import main
from tests.factories import REPO

COMMANDS = ["init", "serve", "validate", "sync", "create-user", "db", "schema", "backup", "restore"]


@pytest.fixture
def runner(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("COURSE_INSTANCE", str(tmp_path / "instance"))
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("COURSE_CONTENT", str(REPO))
    return CliRunner()


def test_help_lists_commands(runner: CliRunner) -> None:
    out = runner.invoke(main, ["--help"]).output
    for command in COMMANDS:
        assert f"  {command} " in out


def test_validate_bundled_course(runner: CliRunner) -> None:
    result = runner.invoke(main, ["validate", str(REPO)])
    assert result.exit_code == 0, result.output
    lessons = len(list((REPO / "lessons").glob("*.md")))
    quizzes = len(list((REPO / "quizzes").glob("*.yaml")))
    assert lessons >= 5 and quizzes == lessons  # a quiz per lesson, the review quiz included
    assert f"OK: {lessons} lesson(s), {quizzes} quiz(zes)" in result.output


def broken_copy(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    shutil.copytree(REPO / "lessons", root / "lessons")
    shutil.copytree(REPO / "quizzes", root / "quizzes")
    shutil.copytree(REPO / "media", root / "media")
    quiz = root / "quizzes" / "soviet-union-ww2.yaml"
    quiz.write_text(
        quiz.read_text(encoding="utf-8")
        .replace("pass_mark: 80%", "pass_mrk: 80%")
        .replace('"1944": 0', '"1944": 1'),
        encoding="utf-8",
    )
    return root


def test_validate_reports_every_problem(runner: CliRunner, tmp_path: Path) -> None:
    root = broken_copy(tmp_path)
    result = runner.invoke(main, ["validate", str(root)])
    assert result.exit_code == 1
    quiz = f"{root}/quizzes/soviet-union-ww2.yaml"
    assert f"{quiz}:5:1: unknown key 'pass_mrk' in quiz; did you mean 'pass_mark'?" in result.output
    assert "2 problem(s) found." in result.output


def test_init_then_sync_is_idempotent(runner: CliRunner) -> None:
    first = runner.invoke(main, ["init", "--demo"])
    assert first.exit_code == 0, first.output
    assert "Demo accounts" in first.output and "learner@example.org" in first.output
    again = runner.invoke(main, ["init", "--demo"])
    assert "password:" not in again.output  # shown once, at creation
    result = runner.invoke(main, ["sync"])
    assert result.exit_code == 0 and "Unchanged" in result.output


def test_broken_sync_changes_nothing(runner: CliRunner, tmp_path: Path) -> None:
    runner.invoke(main, ["init", "--no-demo"])
    result = runner.invoke(main, ["sync", str(broken_copy(tmp_path))])
    assert result.exit_code == 1
    assert "nothing was changed" in result.output
    assert "Unchanged" in runner.invoke(main, ["sync"]).output


def test_create_user(runner: CliRunner) -> None:
    runner.invoke(main, ["db", "upgrade"])
    ok = runner.invoke(
        main,
        ["create-user", "t@example.org", "--role", "instructor", "--password", "a long password 1"],
    )
    assert ok.exit_code == 0 and "Created instructor t@example.org" in ok.output
    dup = runner.invoke(main, ["create-user", "T@example.org", "--password", "a long password 1"])
    assert dup.exit_code == 1 and "already exists" in dup.output
    weak = runner.invoke(main, ["create-user", "u@example.org", "--password", "short"])
    assert weak.exit_code == 1 and "at least 10 characters" in weak.output


def test_schema_validates_bundled_quiz(runner: CliRunner, tmp_path: Path) -> None:
    import json

    import jsonschema
    import yaml

    out = tmp_path / "quiz.schema.json"
    assert runner.invoke(main, ["schema", "-o", str(out)]).exit_code == 0
    schema = json.loads(out.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)

    class Yaml12(yaml.SafeLoader):
        """Editors read YAML 1.2: no timestamps, so 1945-08-09 stays a string."""

    Yaml12.yaml_implicit_resolvers = {
        key: [(tag, rx) for tag, rx in rules if tag != "tag:yaml.org,2002:timestamp"]
        for key, rules in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    text = (REPO / "quizzes" / "soviet-union-ww2.yaml").read_text(encoding="utf-8")
    data = yaml.load(text, Loader=Yaml12)
    jsonschema.validate(data, schema)
    data["questions"][0]["answr"] = "x"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, schema)


def test_validate_a_file_checks_its_root(runner: CliRunner, tmp_path: Path) -> None:
    root = broken_copy(tmp_path)
    result = runner.invoke(main, ["validate", str(root / "quizzes" / "soviet-union-ww2.yaml")])
    assert result.exit_code == 1 and "unknown key 'pass_mrk'" in result.output
    stray = tmp_path / "stray.yaml"
    stray.write_text("title: x\n", encoding="utf-8")
    lone = runner.invoke(main, ["validate", str(stray)])
    assert lone.exit_code == 1 and "pass the content root folder" in lone.output
    missing = runner.invoke(main, ["validate", str(tmp_path / "nope")])
    assert missing.exit_code == 1 and "content root is not a folder" in missing.output


WARNED_QUESTION = """
  - id: language-name
    type: text
    prompt: Which language?
    answer: C #sharp
    section: The war with Japan
    examples:
      "C": 1
      "D": 0
"""


def warned_copy(tmp_path: Path) -> Path:
    """The bundled course plus a question with two warnings: a key cut by a comment and
    a section written as its heading's text."""
    root = tmp_path / "warned"
    for folder in ("lessons", "quizzes", "media"):
        shutil.copytree(REPO / folder, root / folder)
    shutil.copy(REPO / "course.yaml", root / "course.yaml")
    quiz = root / "quizzes" / "soviet-union-ww2.yaml"
    quiz.write_text(quiz.read_text(encoding="utf-8") + WARNED_QUESTION, encoding="utf-8")
    return root


def test_sync_and_init_show_the_warnings_without_failing(runner: CliRunner, tmp_path: Path) -> None:
    root = warned_copy(tmp_path)
    quiz = f"{root}/quizzes/soviet-union-ww2.yaml"
    assert runner.invoke(main, ["init", "--no-demo"]).exit_code == 0
    synced = runner.invoke(main, ["sync", str(root)])
    assert synced.exit_code == 0, synced.output
    assert "Synced course" in synced.stdout
    warnings = [line for line in synced.stderr.splitlines() if ": warning: " in line]
    assert len(warnings) == 2, synced.stderr
    assert warnings[0].startswith(f"{quiz}:") and "'answer' value is read as 'C'" in warnings[0]
    assert "is a heading's text, not its anchor" in warnings[1]
    assert "2 warning(s)" in synced.stderr
    assert runner.invoke(main, ["validate", str(root)]).output.count(": warning: ") == 2

    fresh = tmp_path / "fresh"
    runner.env = {"COURSE_CONTENT": str(root), "COURSE_INSTANCE": str(fresh)}
    runner.env["DATABASE_URL"] = f"sqlite:///{fresh / 'course.db'}"
    first = runner.invoke(main, ["init", "--no-demo"])  # the first load is a sync too
    assert first.exit_code == 0, first.output
    assert first.stderr.count(": warning: ") == 2, first.stderr
