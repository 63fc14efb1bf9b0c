"""Copies of the whole database: SQLite through its online backup API, PostgreSQL
through ``pg_dump``/``pg_restore`` (custom format).

The mechanics only; :mod:`course.services.backup` decides what may be overwritten and
migrates after a restore. Passwords never reach a command line or a message: the
PostgreSQL tools get the URL without its password and the password in ``PGPASSWORD``.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from enum import StrEnum
from pathlib import Path

from sqlalchemy import Engine, inspect, make_url, text

from course.errors import CourseError

# stage, done, total: the CLI draws a progress bar from it on a terminal.
Progress = Callable[[str, int, int], None]
SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"
_SQLITE_STEP_PAGES = 1024  # 4 MiB per step at SQLite's default page size
_VERSION_TABLE = "alembic_version"


class BackupKind(StrEnum):
    SQLITE = "sqlite"
    POSTGRESQL = "postgresql"


class BackupFailed(CourseError):
    """A backup or restore could not be made; the message says why and what to do."""


def no_progress(stage: str, done: int, total: int) -> None:
    """The default :data:`Progress`: report nothing."""


def kind_of_database(url: str) -> BackupKind:
    return BackupKind.SQLITE if url.startswith("sqlite") else BackupKind.POSTGRESQL


def kind_of_file(path: Path) -> BackupKind | None:
    """What a backup file holds, from its first bytes; None for anything else."""
    with path.open("rb") as handle:
        head = handle.read(len(SQLITE_MAGIC))
    if head.startswith(SQLITE_MAGIC):
        return BackupKind.SQLITE
    if head.startswith(PGDUMP_MAGIC):
        return BackupKind.POSTGRESQL
    return None


@contextlib.contextmanager
def private_partial(dest: Path) -> Iterator[Path]:
    """A new file beside ``dest``, readable by its owner only (a backup holds password
    hashes and answers), renamed to ``dest`` when the block succeeds and removed when it
    fails, so ``dest`` is never a half-written backup."""
    partial = dest.with_name(f".{dest.name}.partial")
    with contextlib.suppress(FileNotFoundError):
        partial.unlink()
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    try:
        yield partial
        os.replace(partial, dest)
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()


# --- SQLite ---------------------------------------------------------------------------


def _sqlite_copy(
    source: sqlite3.Connection, target: sqlite3.Connection, progress: Progress
) -> None:
    def step(_status: int, remaining: int, total: int) -> None:
        progress("Copying", total - remaining, total)

    source.backup(target, pages=_SQLITE_STEP_PAGES, progress=step)


def sqlite_backup(database: Path, dest: Path, progress: Progress = no_progress) -> None:
    """Copy a live SQLite database into ``dest`` (a new file).

    The copy is one snapshot: the source connection holds a read transaction for the
    whole backup, so in WAL mode the app keeps reading and writing meanwhile and the
    copy never restarts or mixes two states.
    """
    if not database.is_file():
        raise BackupFailed(f"there is no database at {database}; check DATABASE_URL")
    source = sqlite3.connect(database, isolation_level=None)
    try:
        source.execute("BEGIN")
        source.execute("SELECT count(*) FROM sqlite_master").fetchone()  # the snapshot
        with private_partial(dest) as partial:
            target = sqlite3.connect(partial, isolation_level=None)
            try:
                _sqlite_copy(source, target, progress)
                # A plain rollback-journal file: readable alone, without -wal or -shm.
                target.execute("PRAGMA journal_mode=DELETE")
                if target.execute("PRAGMA quick_check").fetchone() != ("ok",):
                    raise BackupFailed(f"the copy of {database} does not pass quick_check")
            finally:
                target.close()
        source.execute("COMMIT")
    except sqlite3.DatabaseError as exc:
        raise BackupFailed(f"cannot read {database} as a SQLite database ({exc})") from exc
    finally:
        source.close()


def sqlite_in_use(database: Path, wait_seconds: float = 0.5) -> bool:
    """Does another connection hold ``database`` open (a running ``course serve``)?

    The app keeps its SQLite connections open in WAL mode, and every open WAL connection
    holds a shared lock, so an exclusive lock not granted within ``wait_seconds`` means
    someone uses the file. Nothing is changed; a missing file is not in use.
    """
    if not database.exists():
        return False
    probe = sqlite3.connect(database, timeout=wait_seconds, isolation_level=None)
    try:
        probe.execute("PRAGMA locking_mode=EXCLUSIVE")
        probe.execute("BEGIN EXCLUSIVE")
        probe.execute("ROLLBACK")
    except sqlite3.OperationalError as exc:
        name = str(getattr(exc, "sqlite_errorname", ""))
        return name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED"))
    finally:
        probe.close()
    return False


def sqlite_restore(backup: Path, database: Path, progress: Progress = no_progress) -> None:
    """Replace the SQLite database at ``database`` with the backup's content (the target
    file is locked for the whole copy and created mode 0600 when missing)."""
    if not database.parent.is_dir():
        raise BackupFailed(f"the folder {database.parent} does not exist; check DATABASE_URL")
    with contextlib.suppress(FileExistsError):
        os.close(os.open(database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    source = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
    target = sqlite3.connect(database, isolation_level=None)
    try:
        _sqlite_copy(source, target, progress)
    except sqlite3.DatabaseError as exc:
        raise BackupFailed(f"cannot restore into {database} ({exc})") from exc
    finally:
        target.close()
        source.close()


def sqlite_revision(backup: Path) -> str | None:
    """The schema revision recorded in a SQLite backup; None when it has none."""
    connection = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
    try:
        row = connection.execute(f"SELECT version_num FROM {_VERSION_TABLE}").fetchone()  # noqa: S608
    except sqlite3.DatabaseError:
        return None
    finally:
        connection.close()
    return str(row[0]) if row else None


# --- PostgreSQL -------------------------------------------------------------------------


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupFailed(
            f"{name} is not installed or not on PATH; install the PostgreSQL client tools "
            "of the server's major version or newer (Debian and Ubuntu: "
            "apt install postgresql-client)"
        )
    return found


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """The URL for libpq without its password, and an environment carrying it."""
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password is not None:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


_PASSWORD_IN_URL = re.compile(r"(://[^:/@\s]*:)[^@\s]*@")


def _clean(line: str) -> str:
    return _PASSWORD_IN_URL.sub(r"\1***@", line.rstrip())


def _run_verbose(
    command: list[str], env: dict[str, str], marker: str, stage: str, total: int, progress: Progress
) -> None:
    """Run a PostgreSQL tool with ``--verbose``, counting the lines that start with
    ``marker`` as progress; on failure raise with its error lines (passwords masked)."""
    done = 0
    errors: list[str] = []
    progress(stage, 0, total)
    with subprocess.Popen(  # noqa: S603 - fixed tool, arguments never go through a shell
        command,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
    ) as proc:
        assert proc.stderr is not None
        for line in proc.stderr:
            if marker in line:
                done += 1
                progress(stage, min(done, total), total)
            elif "error" in line.lower() or "fatal" in line.lower() or errors:
                errors.append(_clean(line))
    if proc.returncode != 0:
        name = Path(command[0]).name
        detail = "\n".join(errors[-8:]) or f"exit status {proc.returncode}"
        raise BackupFailed(f"{name} failed:\n{detail}")


def pg_dump(url: str, engine: Engine, dest: Path, progress: Progress = no_progress) -> None:
    """``pg_dump --format=custom`` of the database into ``dest`` (a new file): one
    consistent snapshot, taken while the app keeps running."""
    tool = _tool("pg_dump")
    dbname, env = _libpq(url)
    total = len(inspect(engine).get_table_names())
    with private_partial(dest) as partial:
        command = [
            tool,
            "--format=custom",
            "--verbose",
            "--no-owner",
            f"--file={partial}",
            f"--dbname={dbname}",
        ]
        _run_verbose(command, env, "dumping contents of table", "Dumping", total, progress)


def _pg_restore_text(backup: Path, *args: str) -> str:
    result = subprocess.run(  # noqa: S603 - fixed tool, no shell
        [_tool("pg_restore"), *args, str(backup)],
        capture_output=True,
        text=True,
        errors="replace",
        check=False,
    )
    if result.returncode != 0:
        lines = [_clean(line) for line in result.stderr.splitlines()[-4:]]
        raise BackupFailed(f"pg_restore cannot read {backup}:\n" + "\n".join(lines))
    return result.stdout


def pg_dump_revision(backup: Path) -> str | None:
    """The schema revision recorded in a custom-format dump; None when it has none."""
    script = _pg_restore_text(backup, "--data-only", f"--table={_VERSION_TABLE}", "--file=-")
    match = re.search(
        rf"^COPY [\w.]*{_VERSION_TABLE} \(version_num\) FROM stdin;\n(.*)$", script, re.MULTILINE
    )
    if match is None or match.group(1) == "\\.":
        return None
    return match.group(1).strip()


def pg_drop_all(engine: Engine) -> None:
    """Drop every table, sequence and enum type of the ``public`` schema (one
    transaction), so a dump restores into a clean schema."""
    with engine.begin() as conn:
        for sql in (
            "SELECT format('DROP TABLE IF EXISTS %I.%I CASCADE', schemaname, tablename) "
            "FROM pg_tables WHERE schemaname = 'public'",
            "SELECT format('DROP SEQUENCE IF EXISTS %I.%I CASCADE', sequence_schema, "
            "sequence_name) FROM information_schema.sequences WHERE sequence_schema = 'public'",
            "SELECT format('DROP TYPE IF EXISTS %I.%I CASCADE', n.nspname, t.typname) "
            "FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
            "WHERE n.nspname = 'public' AND t.typtype = 'e'",
        ):
            for (statement,) in conn.execute(text(sql)).all():
                conn.execute(text(statement))


def pg_restore(backup: Path, url: str, progress: Progress = no_progress) -> None:
    """Restore a custom-format dump into the (emptied) database, all or nothing."""
    tool = _tool("pg_restore")
    listing = _pg_restore_text(backup, "--list")
    total = sum(1 for line in listing.splitlines() if " TABLE DATA " in line)
    dbname, env = _libpq(url)
    command = [
        tool,
        "--verbose",
        "--no-owner",
        "--no-privileges",
        "--single-transaction",
        "--exit-on-error",
        f"--dbname={dbname}",
        str(backup),
    ]
    _run_verbose(command, env, "processing data for table", "Restoring", total, progress)


# --- Either --------------------------------------------------------------------------------


def row_counts(engine: Engine) -> dict[str, int]:
    """Rows per table of the app's schema (the migration record left out)."""
    names = [name for name in inspect(engine).get_table_names() if name != _VERSION_TABLE]
    counts: dict[str, int] = {}
    with engine.connect() as conn:
        for name in sorted(names):
            quoted = engine.dialect.identifier_preparer.quote(name)
            counts[name] = int(conn.execute(text(f"SELECT count(*) FROM {quoted}")).scalar() or 0)  # noqa: S608
    return counts
