"""Settings from the environment: safe defaults, one clear line when wrong (THREATS 8)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from course.settings import SettingsError, default_content_path, from_env


def test_defaults_generate_and_keep_secret(tmp_path: Path) -> None:
    env = {"COURSE_INSTANCE": str(tmp_path / "inst")}
    first = from_env(env)
    second = from_env(env)
    assert first.secret_key == second.secret_key and len(first.secret_key) >= 32
    key_file = tmp_path / "inst" / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert first.database_url == f"sqlite:///{tmp_path / 'inst' / 'course.db'}"
    assert first.content_path == default_content_path()
    assert not first.require_login


def test_postgres_url_normalized(tmp_path: Path) -> None:
    s = from_env({"COURSE_INSTANCE": str(tmp_path), "DATABASE_URL": "postgres://u@h/db"})
    assert s.database_url == "postgresql+psycopg://u@h/db"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL='mysql://x' is not supported"),
        ({"COURSE_CONTENT": "/does/not/exist"}, "COURSE_CONTENT='/does/not/exist' is not a folder"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY is shorter than 16 characters"),
        ({"REQUIRE_LOGIN": "maybe"}, "REQUIRE_LOGIN='maybe' is not a boolean"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL='LOUD' is unknown"),
    ],
)
def test_bad_values_fail_with_one_line(tmp_path: Path, env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match="^" + message.replace("(", r"\(")):
        from_env({"COURSE_INSTANCE": str(tmp_path), **env})


def test_cli_reports_bad_setting_in_one_line(tmp_path: Path) -> None:
    env = {**os.environ, "COURSE_INSTANCE": str(tmp_path), "DATABASE_URL": "oracle://x"}
    done = subprocess.run(
        [sys.executable, "-m", "course.cli", "init"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0
    assert "configuration error: DATABASE_URL='oracle://x' is not supported" in done.stderr
    assert "Traceback" not in done.stderr
