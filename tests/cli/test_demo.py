"""Demo accounts exist only when asked for; passwords are printed only at creation
(THREATS 58)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, select

from course.cli import main
from course.store.users import User
from tests.factories import REPO


@pytest.fixture
def runner(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("COURSE_INSTANCE", str(tmp_path / "instance"))
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("COURSE_CONTENT", str(REPO))
    # `serve` would block in gunicorn; everything before it runs for real.
    monkeypatch.setattr("course.cli.run_gunicorn", lambda *args: None)
    return CliRunner()


def emails(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return sorted(conn.scalars(select(User.email)))


@pytest.mark.parametrize(
    "commands",
    [
        [["init"]],
        [["init", "--no-demo"]],
        [["serve"]],
        [["init", "--no-demo"], ["serve"], ["serve", "--workers", "1"]],
    ],
)
def test_production_set_up_creates_no_account(
    runner: CliRunner, engine: Engine, commands: list[list[str]]
) -> None:
    for args in commands:
        result = runner.invoke(main, args)
        assert result.exit_code == 0, result.output
        assert "password" not in result.output.lower()
    assert emails(engine) == []


def test_demo_accounts_only_with_demo_and_passwords_only_once(
    runner: CliRunner, engine: Engine
) -> None:
    first = runner.invoke(main, ["init", "--demo"])
    assert first.exit_code == 0, first.output
    assert first.output.count("password: ") == 2
    assert emails(engine) == ["instructor@example.org", "learner@example.org"]
    for args in (["init", "--demo"], ["init"], ["serve"]):
        again = runner.invoke(main, args)
        assert again.exit_code == 0, again.output
        assert "password: " not in again.output
    assert len(emails(engine)) == 2
