"""`course sync` after web edits, and `course export-content`, end to end (issue 12)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy.orm import Session

from course.cli import main
from course.clock import FixedClock
from course.services import authoring
from course.services.authz import Actor
from course.store.engine import make_engine, make_sessionmaker
from course.store.users import Role
from tests.factories import COURSE, course_copy, make_user

LESSON = "lessons/soviet-union-ww2.md"
MARK = "Only the database holds this paragraph."


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return course_copy(tmp_path / "content")


@pytest.fixture
def runner(
    tmp_path: Path, database_url: str, root: Path, monkeypatch: pytest.MonkeyPatch
) -> CliRunner:
    monkeypatch.setenv("COURSE_INSTANCE", str(tmp_path / "instance"))
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("COURSE_CONTENT", str(root))
    return CliRunner()


def web_edit(database_url: str, root: Path, clock: FixedClock) -> None:
    engine = make_engine(database_url)
    try:
        session: Session = make_sessionmaker(engine)()
        admin = make_user(session, clock, "admin@example.org", role=Role.ADMIN)
        data = (root / LESSON).read_bytes() + f"\n\n{MARK}\n".encode()
        authoring.publish(session, clock, Actor(admin.id, Role.ADMIN), COURSE, LESSON, data)
        session.close()
    finally:
        engine.dispose()


def test_sync_keeps_web_edits_and_stops_on_conflicts(
    runner: CliRunner, root: Path, database_url: str, clock: FixedClock
) -> None:
    assert runner.invoke(main, ["init"]).exit_code == 0
    web_edit(database_url, root, clock)
    kept = runner.invoke(main, ["sync"])
    assert kept.exit_code == 0, kept.output
    assert f"Kept the web version of {LESSON}." in kept.output

    (root / LESSON).write_text((root / LESSON).read_text() + "\nChanged on disk too.\n")
    refused = runner.invoke(main, ["sync"])
    assert refused.exit_code == 1
    assert "edited on the web and also changed on disk" in refused.output
    assert f"  {LESSON} (served: version 2 by admin@example.org" in refused.output
    both = runner.invoke(main, ["sync", "--keep-web", "--take-disk"])
    assert both.exit_code == 2 and "choose one of" in both.output
    taken = runner.invoke(main, ["sync", "--take-disk"])
    assert taken.exit_code == 0 and "Synced course" in taken.output
    assert runner.invoke(main, ["sync"]).exit_code == 0


def test_export_content_round_trip(
    runner: CliRunner, root: Path, database_url: str, clock: FixedClock, tmp_path: Path
) -> None:
    assert runner.invoke(main, ["init"]).exit_code == 0
    web_edit(database_url, root, clock)
    served = runner.invoke(main, ["sync"]).output.split("already serves ")[1][:12]
    target = tmp_path / "exported"
    out = runner.invoke(main, ["export-content", str(target)])
    assert out.exit_code == 0, out.output
    assert f"of course '{COURSE}' to {target}" in out.output
    assert MARK in (target / LESSON).read_text(encoding="utf-8")
    valid = runner.invoke(main, ["validate", str(target)])
    assert valid.exit_code == 0, valid.output
    fresh = tmp_path / "fresh"
    synced = runner.invoke(
        main, ["sync", str(target)], env={"DATABASE_URL": f"sqlite:///{fresh}.db"}
    )
    assert synced.exit_code == 0 and f"Synced course '{COURSE}' to {served}:" in synced.output
    again = runner.invoke(main, ["export-content", str(target)])
    assert again.exit_code == 1 and "not an empty folder" in again.output


def test_help_names_the_content_commands(runner: CliRunner) -> None:
    assert "  export-content " in runner.invoke(main, ["--help"]).output
    sync_help = runner.invoke(main, ["sync", "--help"]).output
    assert "--keep-web" in sync_help and "--take-disk" in sync_help
