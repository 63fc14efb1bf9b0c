"""Use cases for accounts: create users, check passwords."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from course.clock import Clock
from course.errors import Conflict, InvalidInput, NotFound
from course.services import throttle
from course.services.authz import Actor, require_admin
from course.store.attempts import Attempt, LessonRead
from course.store.engine import read_only
from course.store.users import Role, User, get_by_email, normalize_email, session_user_row

MIN_PASSWORD = 10
MAX_PASSWORD = 256  # refused before hashing, so a 10 KB password costs nothing
_HASHER = PasswordHasher()
_EMAIL_MAX = 254


@dataclass(frozen=True)
class Account:
    """What adapters may know of a user."""

    id: int
    email: str
    display_name: str
    role: Role


def _account(user: User) -> Account:
    return Account(user.id, user.email, user.display_name, user.role)


def check_password_rules(password: str, email: str) -> None:
    """Raise :class:`InvalidInput` stating the rule a password breaks."""
    if len(password) > MAX_PASSWORD:
        raise InvalidInput(f"Password is too long: at most {MAX_PASSWORD} characters.")
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"Password is too short: use at least {MIN_PASSWORD} characters.")
    if password.strip().lower() in {normalize_email(email), normalize_email(email).split("@")[0]}:
        raise InvalidInput("Password must not be your email address.")
    if len(set(password)) < 4:
        raise InvalidInput("Password is too simple: use more different characters.")


def check_email(email: str) -> str:
    value = normalize_email(email)
    local, _, domain = value.partition("@")
    if not local or "." not in domain or len(value) > _EMAIL_MAX or " " in value:
        raise InvalidInput("Enter a valid email address, like name@example.org.")
    return value


def create_user(
    session: Session,
    clock: Clock,
    email: str,
    password: str,
    display_name: str = "",
    role: Role = Role.LEARNER,
) -> Account:
    """Create an account; the email must be new.

    Raises:
        InvalidInput: the email or password breaks a rule (the message says which).
        Conflict: an account with this email exists.
    """
    address = check_email(email)
    check_password_rules(password, address)
    name = (display_name.strip() or address.split("@")[0])[:80]
    with session.begin():
        if get_by_email(session, address) is not None:
            raise Conflict(f"An account for {address} already exists.")
        user = User(
            email=address,
            display_name=name,
            password_hash=_HASHER.hash(password),
            role=role,
            session_token=secrets.token_hex(16),
            created_at=clock.now(),
        )
        session.add(user)
        try:
            session.flush()
        except IntegrityError as exc:  # a concurrent sign-up won the race
            raise Conflict(f"An account for {address} already exists.") from exc
        return _account(user)


def verify_password(user: User, password: str) -> bool:
    """Constant-work password check (argon2)."""
    if len(password) > MAX_PASSWORD:
        return False
    try:
        return _HASHER.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class SessionUser:
    """The logged-in user as the web layer sees it; ``token`` ends with a password change."""

    id: int
    email: str
    display_name: str
    role: Role
    token: str


def _session_user(user: User) -> SessionUser:
    return SessionUser(
        user.id, user.email, user.display_name, user.role, f"{user.id}:{user.session_token}"
    )


def authenticate(
    session: Session, clock: Clock, email: str, password: str, address: str = ""
) -> SessionUser | None:
    """The user if the password is right; ``None`` otherwise (same for unknown emails).

    Failed attempts are throttled per account and per address.

    Raises:
        TooManyRequests: too many recent failures for the account or the address.
    """
    now = clock.now()
    account_key = f"login:account:{normalize_email(email)}"
    address_key = f"login:address:{address}"
    with session.begin():
        throttle.check(session, account_key, throttle.LOGIN_PER_ACCOUNT, now)
        if address:
            throttle.check(session, address_key, throttle.LOGIN_PER_ADDRESS, now)
        user = get_by_email(session, email)
        ok = user is not None and verify_password(user, password)
        if user is None:
            # Hash anyway so unknown and known emails take the same time.
            _HASHER.hash(password[:MAX_PASSWORD] or "x")
        if not ok or user is None:
            throttle.hit(session, account_key, throttle.LOGIN_PER_ACCOUNT, now)
            if address:
                throttle.hit(session, address_key, throttle.LOGIN_PER_ADDRESS, now)
            return None
        throttle.clear(session, account_key)
        if _HASHER.check_needs_rehash(user.password_hash):
            user.password_hash = _HASHER.hash(password)
        return _session_user(user)


def register(
    session: Session,
    clock: Clock,
    email: str,
    password: str,
    display_name: str,
    address: str = "",
    timezone: str = "UTC",
) -> SessionUser:
    """Sign up as a learner and return the session user.

    Raises:
        InvalidInput, Conflict: as :func:`create_user`; TooManyRequests per address.
    """
    if address:
        with session.begin():
            throttle.check(session, f"signup:{address}", throttle.SIGNUP_PER_ADDRESS, clock.now())
            throttle.hit(session, f"signup:{address}", throttle.SIGNUP_PER_ADDRESS, clock.now())
    account = create_user(session, clock, email, password, display_name, Role.LEARNER)
    with session.begin():
        user = session.get(User, account.id)
        assert user is not None
        user.timezone = timezone if _known_zone(timezone) else "UTC"
        return _session_user(user)


def _known_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def change_password(session: Session, user_id: int, current: str, new: str) -> SessionUser:
    """Change the password; every other session and remember-me cookie stops working.

    Raises:
        InvalidInput: the current password is wrong or the new one breaks a rule.
    """
    with session.begin():
        user = session.get(User, user_id)
        if user is None:
            raise InvalidInput("Your account no longer exists.")
        if not verify_password(user, current):
            raise InvalidInput("Your current password is not right.")
        check_password_rules(new, user.email)
        user.password_hash = _HASHER.hash(new)
        user.session_token = secrets.token_hex(16)
        return _session_user(user)


def delete_account(session: Session, user_id: int, password: str) -> None:
    """Delete the account and everything it did (attempts, answers, reads).

    Raises:
        InvalidInput: the password is wrong.
    """
    with session.begin():
        user = session.get(User, user_id)
        if user is None:
            return
        if not verify_password(user, password):
            raise InvalidInput("The password is not right; nothing was deleted.")
        for model in owned_tables():
            session.execute(delete(model).where(model.user_id == user_id))
        session.delete(user)


def get_timezone(session: Session, user_id: int) -> str:
    with session.begin():
        read_only(session)
        return session.scalar(select(User.timezone).where(User.id == user_id)) or "UTC"


def set_timezone(session: Session, user_id: int, timezone: str) -> None:
    """Store the learner's time zone (IANA name, e.g. Europe/Berlin)."""
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput(
            f"Unknown time zone {timezone!r}; use a name like Europe/Berlin."
        ) from exc
    with session.begin():
        user = session.get(User, user_id)
        if user is not None:
            user.timezone = timezone


def load_session_user(session: Session, token: str) -> SessionUser | None:
    """Resolve a session token ``"<id>:<secret>"``; ``None`` when stale or unknown.

    Runs on every request, so it reads five columns rather than loading an ORM object.
    """
    user_id, _, secret = token.partition(":")
    if not user_id.isdigit() or not secret:
        return None
    with session.begin():
        read_only(session)
        row = session_user_row(session, int(user_id))
    if row is None or not secrets.compare_digest(row.session_token, secret):
        return None
    return SessionUser(
        row.id, row.email, row.display_name, row.role, f"{row.id}:{row.session_token}"
    )


def owned_tables() -> list[Any]:
    """Tables holding a user's own rows, deleted with the account (children cascade)."""
    return [Attempt, LessonRead]


def list_users(session: Session, actor: Actor) -> list[Account]:
    """Every account, for administrators."""
    require_admin(actor)
    with session.begin():
        read_only(session)
        return [_account(u) for u in session.scalars(select(User).order_by(User.email))]


def set_role(session: Session, actor: Actor, user_id: int, role: Role) -> None:
    """Promote or demote an account (administrators; not their own)."""
    require_admin(actor)
    if user_id == actor.id:
        raise InvalidInput("You cannot change your own role.")
    with session.begin():
        user = session.get(User, user_id)
        if user is None:
            raise NotFound("No such account.")
        user.role = role
