"""`course backup` and `course restore`: a database with accounts, attempts and content
is copied, restored into a fresh one with the same rows, and a learner logs in there.

Runs on SQLite, and on PostgreSQL in the PostgreSQL pass (``COURSE_TEST_DATABASE_URL``),
where the restore goes into a database of its own (``deploy_restore_…``), dropped after.
"""

from __future__ import annotations

import secrets
import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner, Result
from flask import Flask
from psycopg import sql
from sqlalchemy import Engine, make_url, text

from course.cli import main
from course.clock import FixedClock
from course.services import backup as backups
from course.settings import Settings, display_url
from course.store.backup import row_counts, sqlite_backup
from course.store.engine import make_engine
from course.store.migrate import upgrade
from course.web.app import create_app
from tests.factories import PASSWORD, QUIZ_PAGE, REPO, AuthActions, attempt_id_from


def _admin_url(url: str) -> str:
    """A libpq URL of the test server's maintenance database ``test``."""
    parsed = make_url(url).set(drivername="postgresql", database="test")
    return parsed.render_as_string(hide_password=False)


@pytest.fixture
def fresh_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """An empty database of the same kind as the test database, to restore into."""
    if database_url.startswith("sqlite"):
        (tmp_path / "restored").mkdir()
        yield f"sqlite:///{tmp_path / 'restored' / 'course.db'}"
        return
    name = f"deploy_restore_{secrets.token_hex(4)}"
    admin = _admin_url(database_url)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield make_url(database_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def cli(tmp_path: Path, url: str, *args: str) -> Result:
    env = {"DATABASE_URL": url, "COURSE_INSTANCE": str(tmp_path / "cli-instance")}
    return CliRunner().invoke(main, list(args), env=env)


def learner_with_an_attempt(auth: AuthActions) -> None:
    auth.signup("kept@example.org")
    started = auth.post(f"{QUIZ_PAGE}/start", token_from=QUIZ_PAGE)
    assert started.status_code == 302
    attempt = attempt_id_from(started.headers["Location"])
    assert auth.client.get(f"/attempts/{attempt}").status_code == 200


def counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    try:
        return row_counts(engine)
    finally:
        engine.dispose()


def app_on(url: str, engine: Engine, tmp_path: Path, clock: FixedClock) -> Flask:
    settings = Settings(
        instance_path=tmp_path,
        database_url=url,
        secret_key="test-secret-key-not-for-production",
        content_path=REPO,
    )
    application = create_app(settings, engine, clock)
    application.config.update(TESTING=True)
    return application


def test_backup_then_restore_into_a_fresh_database(
    app: Flask,
    auth: AuthActions,
    database_url: str,
    fresh_url: str,
    tmp_path: Path,
    clock: FixedClock,
) -> None:
    learner_with_an_attempt(auth)
    before = counts(database_url)
    assert before["users"] == 1 and before["attempts"] == 1 and before["questions"] > 0

    made = cli(tmp_path, database_url, "backup", str(tmp_path))
    assert made.exit_code == 0, made.output
    backup = next(tmp_path.glob("course-*.*"))
    assert backup.stat().st_mode & 0o077 == 0  # password hashes and answers: owner only

    restored = cli(tmp_path, fresh_url, "restore", str(backup))
    assert restored.exit_code == 0, restored.output
    assert "Restored" in restored.output
    assert counts(fresh_url) == before

    engine = make_engine(fresh_url)
    try:
        browser = AuthActions(app_on(fresh_url, engine, tmp_path, clock).test_client())
        assert browser.login("kept@example.org", PASSWORD).status_code == 302
        assert browser.client.get("/account").status_code == 200
    finally:
        engine.dispose()

    # The restored database now holds data: a second restore needs --force.
    again = cli(tmp_path, fresh_url, "restore", str(backup))
    assert again.exit_code == 1 and "already holds data" in again.output
    assert "Traceback" not in again.output
    forced = cli(tmp_path, fresh_url, "restore", "--force", str(backup))
    assert forced.exit_code == 0, forced.output
    assert counts(fresh_url) == before


def test_an_older_backup_is_migrated_and_a_newer_one_refused(
    database_url: str, fresh_url: str, tmp_path: Path
) -> None:
    upgrade(fresh_url, "0009")  # a database of the version before: schema, no rows
    made = cli(tmp_path, fresh_url, "backup", str(tmp_path / "old-backup"))
    assert made.exit_code == 0, made.output
    restored = cli(tmp_path, fresh_url, "restore", str(tmp_path / "old-backup"))
    assert restored.exit_code == 0, restored.output
    assert (
        "schema 0009" in restored.output and "Migrated the schema from 0009 to" in restored.output
    )

    engine = make_engine(fresh_url)  # now pretend a newer version of course wrote it
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    made = cli(tmp_path, fresh_url, "backup", str(tmp_path / "new-backup"))
    assert made.exit_code == 0, made.output
    refused = cli(tmp_path, fresh_url, "restore", "--force", str(tmp_path / "new-backup"))
    assert refused.exit_code == 1
    assert "revision 9999, newer than this version of course knows" in refused.output


@pytest.mark.parametrize(
    ("make", "on_sqlite", "on_postgresql"),
    [
        (lambda p: p / "missing.db", "does not exist", "does not exist"),
        (lambda p: p, "is not a file", "is not a file"),
        (
            lambda p: _write(p / "notes.txt", b"hello"),
            "is not a course backup",
            "is not a course backup",
        ),
        (
            lambda p: _write(p / "a.pgdump", b"PGDMP\x01\x0e\x00"),
            "is a PostgreSQL dump, but DATABASE_URL names a SQLite database",
            "pg_restore cannot read",
        ),
        (
            lambda p: _write(p / "a.sqlite3", b"SQLite format 3\x00" + b"\x00" * 100),
            "holds no course schema revision",
            "is a SQLite backup, but DATABASE_URL names a PostgreSQL database",
        ),
    ],
)
def test_wrong_sources_get_one_clear_line(
    make: Callable[[Path], Path],
    on_sqlite: str,
    on_postgresql: str,
    fresh_url: str,
    tmp_path: Path,
) -> None:
    result = cli(tmp_path, fresh_url, "restore", str(make(tmp_path)))
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)  # no traceback
    assert result.output.startswith("course: ")
    assert (on_sqlite if fresh_url.startswith("sqlite") else on_postgresql) in result.output


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_bad_destinations(database_url: str, tmp_path: Path) -> None:
    upgrade(database_url)
    missing = cli(tmp_path, database_url, "backup", str(tmp_path / "no" / "such" / "x"))
    assert missing.exit_code == 1 and "does not exist; create it first" in missing.output
    taken = _write(tmp_path / "taken", b"")
    exists = cli(tmp_path, database_url, "backup", str(taken))
    assert exists.exit_code == 1 and "already exists" in exists.output
    assert taken.read_bytes() == b""


def test_missing_postgresql_tools_are_named(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("pg_dump is used for PostgreSQL only (PostgreSQL pass)")
    monkeypatch.setenv("PATH", str(tmp_path))  # no pg_dump there
    result = cli(tmp_path, database_url, "backup", str(tmp_path))
    assert result.exit_code == 1
    assert "pg_dump is not installed or not on PATH" in result.output
    assert not list(tmp_path.glob("*.pgdump")) and not list(tmp_path.glob(".*partial"))


def test_progress_reaches_the_end(database_url: str, tmp_path: Path, clock: FixedClock) -> None:
    upgrade(database_url)
    seen: list[tuple[str, int, int]] = []
    result = backups.backup(database_url, tmp_path, clock, lambda s, d, t: seen.append((s, d, t)))
    assert seen and seen[-1][1] == seen[-1][2] > 0
    assert result.path.parent == tmp_path


def test_passwords_are_never_printed(database_url: str, synced: None, tmp_path: Path) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("a SQLite URL has no password (PostgreSQL pass)")
    secret = "sekret-Pa55word"  # the test server trusts local connections: any password works
    with_password = make_url(database_url).set(password=secret)
    url = with_password.render_as_string(hide_password=False)
    gone = with_password.set(database="deploy_no_such_database").render_as_string(False)
    outputs = [
        cli(tmp_path, url, "backup", str(tmp_path)),
        cli(tmp_path, url, "restore", str(next(tmp_path.glob("course-*")))),  # holds data
        cli(tmp_path, gone, "backup", str(tmp_path / "b")),  # cannot connect
        cli(tmp_path, url, "init"),
    ]
    assert [r.exit_code for r in outputs] == [0, 1, 2, 0]
    assert "postgresql://postgres:***@" in outputs[0].output
    assert "Ready: database postgresql://postgres:***@" in outputs[3].output
    for result in outputs:
        assert secret not in result.output
        assert "+psycopg" not in result.output


def test_sqlite_backup_is_one_state_while_another_connection_writes(tmp_path: Path) -> None:
    live = tmp_path / "live.db"
    with sqlite3.connect(live) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE t (n INTEGER PRIMARY KEY, pair INTEGER, data BLOB)")
        conn.executemany(
            "INSERT INTO t (n, pair, data) VALUES (?, ?, randomblob(4000))",
            [(i, i) for i in range(3000)],  # ~12 MB: the copy takes several steps
        )
    done = threading.Event()

    def writer() -> None:
        conn = sqlite3.connect(live, timeout=30)
        n = 3000
        while not done.is_set():
            with conn:  # two rows per transaction: a copy holds both or neither
                conn.execute("INSERT INTO t VALUES (?, ?, randomblob(4000))", (n, n + 1))
                conn.execute("INSERT INTO t VALUES (?, ?, randomblob(4000))", (n + 1, n))
            n += 2
        conn.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        sqlite_backup(live, tmp_path / "copy.db")
    finally:
        done.set()
        thread.join()
    with sqlite3.connect(tmp_path / "copy.db") as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        rows = copy.execute("SELECT count(*) FROM t").fetchone()[0]
        orphans = copy.execute(
            "SELECT count(*) FROM t a WHERE NOT EXISTS (SELECT 1 FROM t b WHERE b.n = a.pair)"
        ).fetchone()[0]
    assert rows >= 3000 and rows % 2 == 0 and orphans == 0


def test_unwritable_destinations_get_one_clear_line(database_url: str, tmp_path: Path) -> None:
    upgrade(database_url)
    special = cli(tmp_path, database_url, "backup", "/proc/course-backup-test.bin")
    assert special.exit_code == 1 and isinstance(special.exception, SystemExit)
    assert special.output.startswith("course: cannot write the backup /proc/")
    a_file = _write(tmp_path / "a-file", b"")
    under_a_file = cli(tmp_path, database_url, "backup", str(a_file / "x.backup"))
    assert under_a_file.exit_code == 1
    assert f"{a_file} is not a folder" in under_a_file.output
    assert "does not exist" not in under_a_file.output


def _newer_backup(url: str, tmp_path: Path) -> Path:
    """A backup that claims a schema revision newer than this version knows."""
    upgrade(url)
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    made = cli(tmp_path, url, "backup", str(tmp_path / "newer-backup"))
    assert made.exit_code == 0, made.output
    return tmp_path / "newer-backup"


def test_a_refused_restore_leaves_nothing_behind(fresh_url: str, tmp_path: Path) -> None:
    backup = _newer_backup(fresh_url, tmp_path)  # refused before the target is touched
    instance = tmp_path / "new-instance"
    target = tmp_path / "new-folder" / "course.db"
    target.parent.mkdir()
    url = f"sqlite:///{target}" if fresh_url.startswith("sqlite") else fresh_url
    env = {"DATABASE_URL": url, "COURSE_INSTANCE": str(instance)}
    refused = CliRunner().invoke(main, ["restore", str(backup)], env=env)
    assert refused.exit_code == 1 and "newer than this version" in refused.output
    assert not instance.exists()  # no folder, no secret_key
    assert list(target.parent.iterdir()) == []  # no empty database file either

    instance.mkdir()  # an instance folder the operator made: kept, but no new key in it
    refused = CliRunner().invoke(main, ["restore", str(backup)], env=env)
    assert refused.exit_code == 1
    assert instance.is_dir() and list(instance.iterdir()) == []


def test_restore_refuses_a_sqlite_database_in_use(
    database_url: str, fresh_url: str, tmp_path: Path
) -> None:
    if not fresh_url.startswith("sqlite"):
        pytest.skip("PostgreSQL takes its own locks; this is about a SQLite file")
    made = cli(tmp_path, database_url, "backup", str(tmp_path / "b.sqlite3"))
    assert made.exit_code == 0, made.output
    upgrade(fresh_url)
    engine = make_engine(fresh_url)  # what a running `course serve` holds: a WAL connection
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        refused = cli(tmp_path, fresh_url, "restore", "--force", str(tmp_path / "b.sqlite3"))
        assert refused.exit_code == 1, refused.output
        assert "is in use by another process" in refused.output
    finally:
        engine.dispose()
    restored = cli(tmp_path, fresh_url, "restore", "--force", str(tmp_path / "b.sqlite3"))
    assert restored.exit_code == 0, restored.output


def test_urls_are_shown_as_the_operator_writes_them() -> None:
    assert display_url("postgresql+psycopg://u:pw@db:5432/c") == "postgresql://u:***@db:5432/c"
    assert display_url("sqlite:////srv/course.db") == "sqlite:////srv/course.db"
