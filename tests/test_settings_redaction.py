"""Settings never echo a database password, and an obsolete setting is named at start."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from course.settings import SettingsError, from_env, redact_url


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("mysql://u:S3cretPW@x/db", "mysql://u:***@x/db"),
        ("postgresql://u:p@ss@h:5432/db", "postgresql://u:***@h:5432/db"),
        ("postgresql://u@h/db", "postgresql://u@h/db"),
        ("sqlite:///tmp/x.db", "sqlite:///tmp/x.db"),
    ],
)
def test_redact_url(url: str, shown: str) -> None:
    assert redact_url(url) == shown


def test_unsupported_database_url_error_hides_the_password(tmp_path: Path) -> None:
    env = {"COURSE_INSTANCE": str(tmp_path), "DATABASE_URL": "mysql://u:S3cretPW@x/db"}
    with pytest.raises(SettingsError) as error:
        from_env(env)
    assert "S3cretPW" not in str(error.value) and "mysql://u:***@x/db" in str(error.value)


def test_redis_url_is_named_as_unused(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    env = {"COURSE_INSTANCE": str(tmp_path), "REDIS_URL": "redis://127.0.0.1:6379/0"}
    with caplog.at_level(logging.WARNING, logger="course.settings"):
        from_env(env)
    assert "REDIS_URL is set but no longer used" in caplog.text
