"""Login sessions: one ``user_sessions`` row per login on a device.

The cookie (Flask's session, and the remember cookie when "keep me logged in" is
ticked) carries ``"<row id>:<secret>"``; the row keeps only the secret's SHA-256.
Logging out deletes that row, so a copied cookie stops working at once while the
user's other devices stay logged in. A password or role change, or deleting the
account, deletes every row of the user.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from sqlalchemy import delete
from sqlalchemy.orm import Session

from course.clock import Clock
from course.inputs import parse_int
from course.store.engine import read_only
from course.store.users import LoginRow, Role, UserSession, session_user_row, touch_session

# last_seen_at is written at most this often per session (one UPDATE a minute, not
# one per request).
TOUCH_EVERY = timedelta(minutes=1)
_MAX_ID = 2**63 - 1  # a BIGINT; anything larger is forged


@dataclass(frozen=True)
class SessionPolicy:
    """How long logins last (the SESSION_IDLE_MINUTES, SESSION_MAX_DAYS and
    REMEMBER_DAYS settings)."""

    idle: timedelta = timedelta(minutes=120)
    absolute: timedelta = timedelta(days=30)
    remember: timedelta = timedelta(days=30)


@dataclass(frozen=True)
class SessionUser:
    """The logged-in user as the web layer sees it; ``token`` names the login."""

    id: int
    email: str
    display_name: str
    role: Role
    token: str
    remember: bool = False
    timezone: str = "UTC"  # the zone the person reads times in


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def start(session: Session, user_id: int, remember: bool, now: datetime) -> str:
    """Add a login row for ``user_id``; call inside a transaction. Returns its token."""
    secret = secrets.token_urlsafe(32)
    row = UserSession(
        user_id=user_id,
        token_hash=_digest(secret),
        remember=remember,
        created_at=now,
        last_seen_at=now,
    )
    session.add(row)
    session.flush()
    return f"{row.id}:{secret}"


def _parse(token: str) -> tuple[int, str] | None:
    raw_id, _, secret = token.partition(":")
    sid = parse_int(raw_id, 1, _MAX_ID)
    if sid is None or not secret:
        return None
    return sid, secret


def session_id(token: str) -> int | None:
    """The login row named by ``token`` (``None`` when malformed)."""
    parsed = _parse(token)
    return parsed[0] if parsed else None


@dataclass(frozen=True)
class Login:
    """A login token to check inside a use case's own transaction (the answer path), so
    that a request needs one transaction, not one for the login and one for the work."""

    token: str
    policy: SessionPolicy


class Upkeep(Enum):
    """What a checked login row needs written."""

    NONE = "none"
    TOUCH = "touch"  # last_seen_at is over a minute old
    END = "end"  # idle or too old: delete the row


@dataclass(frozen=True)
class Checked:
    """A login checked in the caller's transaction: its user (None: not logged in) and
    the write it needs (done by :func:`keep_up` in a writing transaction)."""

    user: SessionUser | None
    session_id: int | None = None
    upkeep: Upkeep = Upkeep.NONE


def check(session: Session, now: datetime, login: Login) -> Checked:
    """Resolve a login token inside the caller's (reading) transaction; no write."""
    sid = session_id(login.token)
    if sid is None:
        return Checked(None)
    return check_read(now, login, session_user_row(session, sid))


def check_read(now: datetime, login: Login, row: LoginRow | None) -> Checked:
    """:func:`check` on the login row the caller read itself (by ``session_id(token)``,
    joined into one of its own statements); None: no such login."""
    parsed = _parse(login.token)
    if parsed is None:
        return Checked(None)
    sid, secret = parsed
    if row is None or not secrets.compare_digest(row.token_hash, _digest(secret)):
        return Checked(None)
    idle = login.policy.remember if row.remember else login.policy.idle
    if now - row.last_seen_at > idle or now - row.created_at > login.policy.absolute:
        return Checked(None, sid, Upkeep.END)
    user = SessionUser(
        row.id, row.email, row.display_name, row.role, login.token, row.remember, row.timezone
    )
    touch = now - row.last_seen_at >= TOUCH_EVERY
    return Checked(user, sid, Upkeep.TOUCH if touch else Upkeep.NONE)


def keep_up(session: Session, now: datetime, checked: Checked) -> None:
    """Write what :func:`check` found due, inside the caller's writing transaction."""
    if checked.session_id is None:
        return
    if checked.upkeep is Upkeep.TOUCH:
        touch_session(session, checked.session_id, now)
    elif checked.upkeep is Upkeep.END:
        session.execute(delete(UserSession).where(UserSession.id == checked.session_id))


def load(session: Session, clock: Clock, token: str, policy: SessionPolicy) -> SessionUser | None:
    """Resolve a cookie's token; ``None`` when unknown, ended, idle or too old.

    Runs on every request: one prebuilt query by primary key, and an UPDATE of
    ``last_seen_at`` at most once a minute.
    """
    now = clock.now()
    with session.begin():
        read_only(session)
        checked = check(session, now, Login(token, policy))
    if checked.upkeep is not Upkeep.NONE:
        with session.begin():
            keep_up(session, now, checked)
    return checked.user


def end(session: Session, token: str) -> None:
    """Log out the login named by ``token`` (only if its secret matches)."""
    parsed = _parse(token)
    if parsed is None:
        return
    sid, secret = parsed
    with session.begin():
        session.execute(
            delete(UserSession).where(
                UserSession.id == sid, UserSession.token_hash == _digest(secret)
            )
        )
