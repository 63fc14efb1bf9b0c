"""Back up the whole database, and restore a backup into an empty one (operator use
cases behind `course backup` and `course restore`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from course.clock import Clock
from course.store import backup as store
from course.store.backup import BackupFailed, BackupKind, Progress, no_progress
from course.store.engine import make_engine, sqlite_path
from course.store.migrate import head_revision, knows_revision, upgrade

SUFFIX = {BackupKind.SQLITE: ".sqlite3", BackupKind.POSTGRESQL: ".pgdump"}
_WHAT = {BackupKind.SQLITE: "a SQLite backup", BackupKind.POSTGRESQL: "a PostgreSQL dump"}


@dataclass(frozen=True)
class BackupResult:
    path: Path
    kind: BackupKind
    size: int


@dataclass(frozen=True)
class RestoreResult:
    kind: BackupKind
    revision: str  # the schema revision the backup was taken at
    migrated_to: str | None  # the newer revision it was migrated to, if any
    rows: dict[str, int]  # rows per table after the restore


def _target(dest: Path, kind: BackupKind, clock: Clock) -> Path:
    if dest.is_dir():
        dest = dest / default_name(kind, clock.now())
    if dest.exists():
        raise BackupFailed(f"{dest} already exists; choose a new file name or a folder")
    if dest.parent.exists() and not dest.parent.is_dir():
        raise BackupFailed(f"{dest.parent} is not a folder; name a file in a folder")
    if not dest.parent.is_dir():
        raise BackupFailed(f"the folder {dest.parent} does not exist; create it first")
    return dest


def backup(
    database_url: str, dest: Path, clock: Clock, progress: Progress = no_progress
) -> BackupResult:
    """Copy the database into ``dest`` (a new file, or a new time-stamped file in the
    folder ``dest``) while the app keeps running.

    Raises:
        BackupFailed: no database, ``dest`` taken or unwritable, a tool missing or failing.
    """
    kind = store.kind_of_database(database_url)
    target = _target(dest, kind, clock)
    try:
        if kind is BackupKind.SQLITE:
            path = sqlite_path(database_url)
            if path is None:
                raise BackupFailed("only a SQLite file can be backed up (not :memory:)")
            store.sqlite_backup(path, target, progress)
        else:
            engine = make_engine(database_url)
            try:
                store.pg_dump(database_url, engine, target, progress)
            finally:
                engine.dispose()
    except OSError as exc:  # unwritable, a special file system (/proc), disk full, …
        why = exc.strerror or str(exc)
        raise BackupFailed(f"cannot write the backup {target}: {why}") from exc
    return BackupResult(target, kind, target.stat().st_size)


def _check_source(src: Path, kind: BackupKind) -> None:
    if not src.exists():
        raise BackupFailed(f"{src} does not exist")
    if not src.is_file():
        raise BackupFailed(f"{src} is not a file; name the backup file itself")
    try:
        found = store.kind_of_file(src)
    except PermissionError as exc:
        raise BackupFailed(f"cannot read {src}: {exc.strerror}") from exc
    if found is None:
        raise BackupFailed(
            f"{src} is not a course backup (neither a SQLite database nor a pg_dump "
            "custom-format file)"
        )
    if found is not kind:
        where = "SQLite" if kind is BackupKind.SQLITE else "PostgreSQL"
        raise BackupFailed(
            f"{src} is {_WHAT[found]}, but DATABASE_URL names a {where} database; restore "
            "it into the same kind of database it came from"
        )


def restore(
    database_url: str, src: Path, *, force: bool = False, progress: Progress = no_progress
) -> RestoreResult:
    """Restore the backup ``src`` into the configured database, then migrate it.

    Refuses a database that holds rows unless ``force`` (its content is then replaced),
    and a backup from a newer version of the engine (an unknown schema revision).

    Raises:
        BackupFailed: the reason, in a sentence with the fix.
    """
    kind = store.kind_of_database(database_url)
    _check_source(src, kind)
    revision = (
        store.sqlite_revision(src) if kind is BackupKind.SQLITE else store.pg_dump_revision(src)
    )
    if revision is None:
        raise BackupFailed(f"{src} holds no course schema revision; it is not a course backup")
    if not knows_revision(database_url, revision):
        raise BackupFailed(
            f"{src} was taken at schema revision {revision}, newer than this version of "
            f"course knows (up to {head_revision(database_url)}); upgrade course first"
        )
    path = sqlite_path(database_url) if kind is BackupKind.SQLITE else None
    if path is not None and store.sqlite_in_use(path):
        raise BackupFailed(
            f"{path} is in use by another process (a running `course serve`?); stop the app "
            "on every host first, then restore"
        )
    created = path is not None and not path.exists()
    try:
        return _restore(database_url, src, kind, revision, force, progress)
    except BaseException:
        if created and path is not None:  # leave no empty or half-restored file behind
            for leftover in (path, *(path.with_name(path.name + s) for s in ("-wal", "-shm"))):
                leftover.unlink(missing_ok=True)
        raise


def _restore(
    database_url: str,
    src: Path,
    kind: BackupKind,
    revision: str,
    force: bool,
    progress: Progress,
) -> RestoreResult:
    engine = make_engine(database_url)
    try:
        held = {name: n for name, n in store.row_counts(engine).items() if n}
        if held and not force:
            tables = ", ".join(f"{name} ({n})" for name, n in sorted(held.items())[:5])
            raise BackupFailed(
                f"the database already holds data: {tables}{', …' if len(held) > 5 else ''}; "
                "restore into an empty database, or pass --force to replace everything in it"
            )
        if kind is BackupKind.SQLITE:
            path = sqlite_path(database_url)
            if path is None:
                raise BackupFailed("only a SQLite file can be restored into (not :memory:)")
            engine.dispose()
            store.sqlite_restore(src, path, progress)
        else:
            store.pg_drop_all(engine)
            engine.dispose()
            store.pg_restore(src, database_url, progress)
        head = head_revision(database_url)
        if revision != head:
            upgrade(database_url)
        rows = store.row_counts(engine)
    finally:
        engine.dispose()
    return RestoreResult(kind, revision, head if revision != head else None, rows)


def default_name(kind: BackupKind, now: datetime) -> str:
    """The file name ``course backup`` gives a backup written into a folder."""
    return f"course-{now.strftime('%Y%m%d-%H%M%S')}{SUFFIX[kind]}"
