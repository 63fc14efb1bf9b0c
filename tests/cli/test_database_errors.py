"""A database that refuses a command ends it with one `course: …` line, never a
traceback: every command goes through the same handler (course.cli._Commands).

The read-only case runs for real in the PostgreSQL pass (``COURSE_TEST_DATABASE_URL``),
on a database of its own marked ``default_transaction_read_only`` and dropped after.
"""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner, Result
from psycopg import sql
from sqlalchemy import make_url
from sqlalchemy.exc import OperationalError

import course.cli
from course.cli import main
from course.store.migrate import upgrade
from tests.factories import PG_URL, REPO, USING_PG

READ_ONLY = "the database refuses writes: it is read-only"


def run(tmp_path: Path, url: str, *args: str) -> Result:
    env = {
        "DATABASE_URL": url,
        "COURSE_INSTANCE": str(tmp_path / "instance"),
        "COURSE_CONTENT": str(REPO),
    }
    return CliRunner().invoke(main, list(args), env=env)


def one_clear_line(result: Result, expected: str) -> None:
    assert result.exit_code != 0
    assert isinstance(result.exception, SystemExit), result.exception  # no traceback
    assert result.output.startswith(f"course: {expected}"), result.output
    assert len(result.output.strip().splitlines()) == 1


@pytest.fixture
def serve_never_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    """`course serve` must stop before gunicorn; reaching it fails the test."""

    def refuse(*_args: object) -> None:
        raise AssertionError("course serve started gunicorn on a database refusing writes")

    monkeypatch.setattr(course.cli, "run_gunicorn", refuse)


def _admin(url: str) -> str:
    return make_url(url).set(drivername="postgresql", database="test").render_as_string(False)


@pytest.fixture
def read_only_pg() -> Iterator[tuple[str, str]]:
    """(URL of an empty read-only database, URL of a migrated read-only database)."""
    if not USING_PG:
        pytest.skip("a real read-only database: PostgreSQL pass")
    names = [f"readonly_{secrets.token_hex(4)}" for _ in range(2)]
    urls = [make_url(PG_URL).set(database=n).render_as_string(False) for n in names]
    admin = _admin(PG_URL)
    with psycopg.connect(admin, autocommit=True) as conn:
        for name in names:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        upgrade(urls[1])  # migrated, no course loaded yet
        with psycopg.connect(admin, autocommit=True) as conn:
            for name in names:
                conn.execute(
                    sql.SQL("ALTER DATABASE {} SET default_transaction_read_only = on").format(
                        sql.Identifier(name)
                    )
                )
        yield urls[0], urls[1]
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            for name in names:
                conn.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )


def test_a_read_only_postgresql_database_is_named_as_such(
    read_only_pg: tuple[str, str], tmp_path: Path, serve_never_starts: None
) -> None:
    empty, migrated = read_only_pg
    for url, args in [
        (empty, ["db", "upgrade"]),
        (empty, ["serve"]),
        (empty, ["init"]),
        (migrated, ["serve"]),  # SELECT … FOR UPDATE while loading the course
        (migrated, ["sync"]),
    ]:
        result = run(tmp_path, url, *args)
        one_clear_line(result, READ_ONLY)
        assert "default_transaction_read_only = off" in result.output


def test_a_read_only_sqlite_error_is_named_as_such(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "ro.db"
    sqlite3.connect(path).close()
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        conn.execute("CREATE TABLE t (x)")
    except sqlite3.OperationalError as exc:
        refused = exc  # a real SQLITE_READONLY error, as a read-only file gives
    finally:
        conn.close()

    def upgrade_refused(*_args: object) -> None:
        raise OperationalError("CREATE TABLE t (x)", {}, refused)

    monkeypatch.setattr(course.cli, "upgrade", upgrade_refused)
    one_clear_line(run(tmp_path, database_url, "db", "upgrade"), READ_ONLY)


def test_an_unreachable_database_exits_2(tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such" / "folder" / "course.db"
    result = run(tmp_path, f"sqlite:///{missing}", "db", "upgrade")
    assert result.exit_code == 2
    one_clear_line(result, "cannot reach the database")


NEEDS_A_DATABASE = [
    ["regrade", "some-quiz"],
    ["export-anki", "-o", "deck.apkg"],
    ["export-content", "out"],
    ["export-reviews", "-o", "reviews.csv"],
    ["optimize", "--evaluate"],
    ["create-user", "kim@example.org", "--password", "a long enough password"],
]


@pytest.mark.parametrize("args", NEEDS_A_DATABASE, ids=lambda a: a[0])
def test_no_database_yet_creates_nothing(
    args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In a folder never initialized, a command that needs the course says to run
    `course init` and leaves no instance folder, secret key or empty database behind."""
    monkeypatch.chdir(tmp_path)
    for name in ("DATABASE_URL", "COURSE_INSTANCE", "COURSE_CONTENT", "SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)
    assert result.output == (
        f"course: there is no database at {tmp_path.resolve() / 'instance' / 'course.db'}: "
        "run `course init` first to create it, or point DATABASE_URL (or COURSE_INSTANCE) "
        "at the existing one\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_an_instance_without_its_database_keeps_its_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "secret_key").write_text("k" * 64)
    monkeypatch.setenv("COURSE_INSTANCE", str(instance))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    result = CliRunner().invoke(main, ["regrade", "q"])
    assert result.exit_code == 1 and "run `course init` first" in result.output
    assert sorted(p.name for p in instance.iterdir()) == ["secret_key"]
