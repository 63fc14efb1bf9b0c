"""Files the app creates are its user's alone (THREATS 59); SQLite is durable by default."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from sqlalchemy import text

from course.settings import SettingsError, from_env
from course.store.engine import make_engine
from tests.servers import course, instance_env


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_instance_database_and_secret_are_private_after_init(tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    course(instance_env(instance), "init", "--no-demo")
    assert mode(instance) == 0o700
    assert mode(instance / "secret_key") == 0o600
    assert mode(instance / "course.db") == 0o600
    engine = make_engine(f"sqlite:///{instance / 'course.db'}")
    try:
        with engine.begin() as conn:  # open: the -wal and -shm files exist now
            conn.execute(text("DELETE FROM throttle_counters"))
            for suffix in ("-wal", "-shm"):
                assert mode(instance / f"course.db{suffix}") == 0o600, suffix
    finally:
        engine.dispose()


def test_new_sqlite_file_is_private_even_with_a_loose_umask(tmp_path: Path) -> None:
    import os

    old = os.umask(0)
    try:
        engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (x INTEGER)"))
        engine.dispose()
    finally:
        os.umask(old)
    assert mode(tmp_path / "x.db") == 0o600


def test_sqlite_is_durable_by_default(tmp_path: Path) -> None:
    """synchronous=FULL: a commit is on disk before the answer is acknowledged."""
    settings = from_env({"COURSE_INSTANCE": str(tmp_path / "i")})
    assert settings.sqlite_synchronous == "FULL"
    for setting, expected in (("FULL", 2), ("NORMAL", 1)):
        engine = make_engine(settings.database_url, sqlite_synchronous=setting)
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA synchronous")).scalar() == expected
        engine.dispose()
    normal = from_env({"COURSE_INSTANCE": str(tmp_path / "i"), "SQLITE_SYNCHRONOUS": "normal"})
    assert normal.sqlite_synchronous == "NORMAL"
    with pytest.raises(SettingsError, match="SQLITE_SYNCHRONOUS"):
        from_env({"COURSE_INSTANCE": str(tmp_path / "i"), "SQLITE_SYNCHRONOUS": "OFF"})
