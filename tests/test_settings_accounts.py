"""Settings for sessions, proxies and rate limits: read, validated, nothing that does nothing."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest

from course.settings import SettingsError, from_env


def env(tmp_path: Path, **values: str) -> dict[str, str]:
    return {"COURSE_INSTANCE": str(tmp_path / "instance"), **values}


def test_defaults(tmp_path: Path) -> None:
    settings = from_env(env(tmp_path))
    assert settings.trusted_proxies == 0
    assert settings.session_idle_minutes == 120
    assert settings.session_max_days == 30
    assert settings.remember_days == 30


def test_values_are_read(tmp_path: Path) -> None:
    settings = from_env(
        env(
            tmp_path,
            TRUSTED_PROXIES="2",
            SESSION_IDLE_MINUTES="45",
            SESSION_MAX_DAYS="7",
            REMEMBER_DAYS="14",
        )
    )
    assert (settings.trusted_proxies, settings.session_idle_minutes) == (2, 45)
    assert (settings.session_max_days, settings.remember_days) == (7, 14)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("TRUSTED_PROXIES", "-1"),
        ("TRUSTED_PROXIES", "many"),
        ("SESSION_IDLE_MINUTES", "0"),
        ("SESSION_MAX_DAYS", "٣"),
        ("REMEMBER_DAYS", "9" * 5000),
    ],
)
def test_bad_values_fail_in_one_line_naming_the_variable(
    tmp_path: Path, name: str, value: str
) -> None:
    with pytest.raises(SettingsError) as error:
        from_env(env(tmp_path, **{name: value}))
    message = str(error.value)
    assert message.startswith(f"{name}=") and "\n" not in message and "whole number" in message


def test_redis_url_is_gone(tmp_path: Path) -> None:
    """It was documented as shared rate limits but nothing used it; the database is the
    shared store."""
    assert "redis_url" not in {f.name for f in fields(from_env(env(tmp_path)))}
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    assert "REDIS_URL" not in readme
