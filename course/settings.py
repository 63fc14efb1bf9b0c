"""Typed settings read once from the environment, with safe defaults.

A wrong value raises :class:`SettingsError` whose message is one line saying which
variable, what is wrong and how to fix it; the CLI prints it and exits 2.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from course.inputs import parse_int

_log = logging.getLogger(__name__)
# Settings that once existed: setting one says so at start instead of doing nothing quietly.
OBSOLETE = {
    "REDIS_URL": "rate limits and sessions live in the database, shared by every worker "
    "and host; unset it",
}

PACKAGE_DIR = Path(__file__).resolve().parent
_CHECKOUT_ROOT = PACKAGE_DIR.parent
_SECRET_FILE = "secret_key"  # noqa: S105 - a file name, not a secret
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


@dataclass(frozen=True)
class HashParams:
    """argon2id cost: passes, memory in KiB, lanes."""

    time_cost: int
    memory_kib: int
    parallelism: int


# OWASP Password Storage Cheat Sheet, argon2id: m=19 MiB, t=2, p=1 (about 50 ms of one
# core here, against 0.3–0.4 s for argon2-cffi's default 64 MiB, t=3, p=4).
ARGON2_OWASP = HashParams(time_cost=2, memory_kib=19 * 1024, parallelism=1)


class SettingsError(Exception):
    """A configuration value is wrong; the message is a single actionable line."""


@dataclass(frozen=True)
class Settings:
    """Everything the app and the CLI need to know about their environment."""

    instance_path: Path
    database_url: str
    secret_key: str
    content_path: Path
    require_login: bool = False
    secure_cookies: bool = False
    trusted_proxies: int = 0  # proxies in front whose X-Forwarded-For/-Proto are believed
    session_idle_minutes: int = 120  # a login not kept ("keep me logged in") ends when idle
    session_max_days: int = 30  # no login lasts longer, kept or not
    remember_days: int = 30  # lifetime of the "keep me logged in" cookie
    # Not read from the environment: tests inject the cheapest parameters here.
    password_hash: HashParams = ARGON2_OWASP
    log_level: str = "INFO"
    max_upload_bytes: int = 2 * 1024 * 1024
    review_fuzz: bool = True  # FSRS interval fuzz; off only for repeatable simulations
    sqlite_synchronous: str = "FULL"  # FULL: acknowledged answers survive a power cut

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def with_overrides(self, **changes: object) -> Settings:
        """Return a copy with some fields replaced (tests use this)."""
        return replace(self, **changes)  # type: ignore[arg-type]


def default_content_path() -> Path:
    """The bundled course: the checkout's root, or the copy shipped in the wheel."""
    if (_CHECKOUT_ROOT / "quizzes").is_dir() and (_CHECKOUT_ROOT / "lessons").is_dir():
        return _CHECKOUT_ROOT
    return PACKAGE_DIR / "bundled"


def normalize_database_url(url: str) -> str:
    """Map the usual spellings of a PostgreSQL URL to the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise SettingsError(f"{name}={raw!r} is not a boolean; use 1/0, true/false, yes/no or on/off")


def _int(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name)
    if raw is None or not raw.strip():
        return default
    value = parse_int(raw, low, high)
    if value is None:
        raise SettingsError(f"{name}={raw!r} must be a whole number from {low} to {high}")
    return value


def _secret_key(instance: Path, env: Mapping[str, str]) -> str:
    given = env.get("SECRET_KEY")
    if given is not None:
        if len(given) < 16:
            raise SettingsError(
                "SECRET_KEY is shorter than 16 characters; unset it to have one generated "
                "or set a long random value"
            )
        return given
    path = instance / _SECRET_FILE
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    key = secrets.token_urlsafe(48)
    # Created with mode 0600 so only the app's user can read it.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key + "\n")
    return key


def redact_url(url: str) -> str:
    """The URL with any password replaced by ``***``, for messages and logs."""
    return re.sub(r"(://[^:/@]*:)[^/]*@", r"\1***@", url)


def display_url(url: str) -> str:
    """The database URL as an operator writes it (``postgresql://``, not the driver's
    ``postgresql+psycopg://``), password replaced by ``***``: for messages."""
    if url.startswith("postgresql+psycopg://"):
        url = "postgresql://" + url[len("postgresql+psycopg://") :]
    return redact_url(url)


def instance_path(env: Mapping[str, str] | None = None) -> Path:
    """The COURSE_INSTANCE folder (default ./instance), resolved; not created."""
    env = os.environ if env is None else env
    return Path(env.get("COURSE_INSTANCE", "instance")).expanduser().resolve()


def _database_url(instance: Path, env: Mapping[str, str]) -> str:
    raw = env.get("DATABASE_URL", "").strip()
    if not raw:
        return f"sqlite:///{instance / 'course.db'}"
    url = normalize_database_url(raw)
    if not (url.startswith("sqlite:") or url.startswith("postgresql+psycopg://")):
        raise SettingsError(
            f"DATABASE_URL={redact_url(raw)!r} is not supported; use sqlite:///path/to/file.db "
            "or postgresql://user@host:5432/dbname"
        )
    return url


def _content_path(env: Mapping[str, str]) -> Path:
    raw = env.get("COURSE_CONTENT", "").strip()
    path = Path(raw).expanduser().resolve() if raw else default_content_path()
    if not path.is_dir():
        raise SettingsError(
            f"COURSE_CONTENT={raw!r} is not a folder; point it at a content root holding "
            "lessons/ and quizzes/"
        )
    return path


def from_env(env: Mapping[str, str] | None = None) -> Settings:
    """Read settings from ``env`` (default: the process environment).

    Raises:
        SettingsError: a value is wrong; the message names the variable and the fix.
    """
    env = os.environ if env is None else env
    for name, why in OBSOLETE.items():
        if env.get(name):
            _log.warning("%s is set but no longer used: %s", name, why)
    instance = instance_path(env)
    try:
        # Owner only: it holds the secret key and the SQLite database.
        instance.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise SettingsError(
            f"COURSE_INSTANCE={str(instance)!r} cannot be created ({exc.strerror}); "
            "choose a writable folder"
        ) from exc
    level = env.get("LOG_LEVEL", "INFO").upper()
    if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise SettingsError(f"LOG_LEVEL={level!r} is unknown; use DEBUG, INFO, WARNING or ERROR")
    upload = env.get("MAX_UPLOAD_BYTES", str(2 * 1024 * 1024))
    if parse_int(upload, 1024) is None:
        raise SettingsError(f"MAX_UPLOAD_BYTES={upload!r} must be a whole number ≥ 1024")
    synchronous = env.get("SQLITE_SYNCHRONOUS", "FULL").strip().upper()
    if synchronous not in {"FULL", "NORMAL"}:
        raise SettingsError(
            f"SQLITE_SYNCHRONOUS={synchronous!r} is unknown; use FULL (durable) or NORMAL"
        )
    return Settings(
        instance_path=instance,
        database_url=_database_url(instance, env),
        secret_key=_secret_key(instance, env),
        content_path=_content_path(env),
        require_login=_bool(env, "REQUIRE_LOGIN", False),
        secure_cookies=_bool(env, "SECURE_COOKIES", False),
        trusted_proxies=_int(env, "TRUSTED_PROXIES", 0, 0, 10),
        session_idle_minutes=_int(env, "SESSION_IDLE_MINUTES", 120, 1, 60 * 24 * 365),
        session_max_days=_int(env, "SESSION_MAX_DAYS", 30, 1, 3650),
        remember_days=_int(env, "REMEMBER_DAYS", 30, 1, 3650),
        log_level=level,
        max_upload_bytes=int(upload),
        review_fuzz=_bool(env, "REVIEW_FUZZ", True),
        sqlite_synchronous=synchronous,
    )
