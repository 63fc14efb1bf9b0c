"""Use cases for accounts: sign up, log in and out, change email or password, delete."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from course.clock import Clock
from course.errors import Conflict, InvalidInput, NotFound
from course.inputs import bidi_control
from course.services import passwords, personal_data, sessions, throttle
from course.services.authz import Actor, require_admin
from course.services.limits import (
    LOGIN_PER_ACCOUNT,
    LOGIN_PER_ACCOUNT_ADDRESS,
    LOGIN_PER_ADDRESS,
    REAUTH_PER_ACCOUNT,
    SIGNUP_PER_ADDRESS,
)
from course.services.passwords import MAX_PASSWORD, check_rules
from course.services.sessions import SessionPolicy, SessionUser
from course.store.engine import read_only
from course.store.users import (
    Role,
    User,
    count_admins,
    delete_sessions,
    get_by_email,
    normalize_email,
)

__all__ = [
    "LOGIN_PER_ACCOUNT",
    "LOGIN_PER_ACCOUNT_ADDRESS",
    "LOGIN_PER_ADDRESS",
    "MAX_PASSWORD",
    "SIGNUP_PER_ADDRESS",
    "Account",
    "SessionPolicy",
    "SessionUser",
]

log = logging.getLogger("course.security")
_EMAIL_MAX = 254

KNOWN_ADDRESS_FOR = timedelta(days=30)
_TAKEN = (
    "This email cannot be used to sign up. If you already have an account, log in; "
    "if you forgot its password, ask your instructor or administrator."
)


@dataclass(frozen=True)
class Account:
    """What adapters may know of a user."""

    id: int
    email: str
    display_name: str
    role: Role


def _account(user: User) -> Account:
    return Account(user.id, user.email, user.display_name, user.role)


def account_ref(email: str) -> str:
    """What logs say instead of an email: a short hash, stable across lines."""
    return hashlib.sha256(normalize_email(email).encode("utf-8", "replace")).hexdigest()[:16]


def check_password_rules(password: str, email: str, name: str = "") -> None:
    """Raise :class:`InvalidInput` stating the rule a password breaks."""
    check_rules(password, normalize_email(email), name)


def check_display_name(display_name: str) -> None:
    """Refuse a name with a bidirectional control character: shown in class lists,
    dashboards and disputes, "Ivan\u202e..." would read as a different name there.

    Raises:
        InvalidInput: about the ``display_name`` field.
    """
    code = bidi_control(display_name)
    if code:
        raise InvalidInput(
            f"Your name contains an invisible direction-control character ({code}), which "
            "can make it show as another name. Type it again without that character.",
            field="display_name",
        )


def check_email(email: str) -> str:
    """The normalized address, or :class:`InvalidInput` saying what a valid one is."""
    value = normalize_email(email)
    if len(value) > _EMAIL_MAX:
        raise InvalidInput(
            f"That email address is too long: at most {_EMAIL_MAX} characters.", field="email"
        )
    local, _, domain = value.partition("@")
    if not local or "." not in domain or " " in value or "\x00" in value:
        raise InvalidInput("Enter a valid email address, like name@example.org.", field="email")
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
    check_display_name(display_name)
    check_password_rules(password, address, display_name)
    name = (display_name.strip() or address.split("@")[0])[:80]
    # Hashed before looking the email up, so a taken email costs the same time.
    encoded = passwords.hasher().hash(password)
    with session.begin():
        if get_by_email(session, address) is not None:
            raise Conflict(f"An account for {address} already exists.")
        user = User(
            email=address,
            display_name=name,
            password_hash=encoded,
            role=role,
            created_at=clock.now(),
        )
        session.add(user)
        try:
            session.flush()
        except IntegrityError as exc:  # a concurrent sign-up won the race
            raise Conflict(f"An account for {address} already exists.") from exc
        return _account(user)


def verify_password(user: User, password: str) -> bool:
    """Constant-work password check (argon2); over-long input is refused unhashed."""
    return passwords.hasher().verify(user.password_hash, password)


def _login_keys(email: str, address: str) -> dict[str, str]:
    return {
        "pair": f"login:account_address:{email}|{address}",
        "account": f"login:account:{email}",
        "address": f"login:address:{address}",
        "known": f"login:known:{email}|{address}",
    }


def authenticate(
    session: Session,
    clock: Clock,
    email: str,
    password: str,
    address: str = "",
    remember: bool = False,
) -> SessionUser | None:
    """Log in: a new session for the user if the password is right, else ``None``
    (the same for unknown emails, at the same cost).

    Each attempt is counted before the password is checked (so racing requests cannot
    overrun a limit) and given back when it succeeds.

    Raises:
        TooManyRequests: too many recent failures; ``retry_after`` says how long to wait.
    """
    now = clock.now()
    address_key = normalize_email(email)
    keys = _login_keys(address_key, address)
    with session.begin():
        known = throttle.seen_since(session, keys["known"], now - KNOWN_ADDRESS_FOR)
        throttle.take(session, keys["pair"], LOGIN_PER_ACCOUNT_ADDRESS, now)
        if not known:
            throttle.take(session, keys["account"], LOGIN_PER_ACCOUNT, now)
            if address:
                throttle.take(session, keys["address"], LOGIN_PER_ADDRESS, now)
        # An email no account can have is not looked up (PostgreSQL refuses NUL bytes).
        lookup = len(address_key) <= _EMAIL_MAX and "\x00" not in address_key
        user = get_by_email(session, address_key) if lookup else None
        user_id, encoded = (user.id, user.password_hash) if user else (None, None)
    hasher = passwords.hasher()
    ok = hasher.verify(encoded or hasher.dummy_hash, password) and user_id is not None
    if not ok or user_id is None:
        log.warning(
            "security event=login_failed account=%s address=%s known_address=%s",
            account_ref(address_key),
            address,
            known,
        )
        return None
    with session.begin():
        throttle.clear(session, keys["pair"])
        if not known:
            throttle.refund(session, keys["account"], now)
            if address:
                throttle.refund(session, keys["address"], now)
        throttle.mark(session, keys["known"], now)
        # Counters nobody touched for over a month go (one indexed range delete).
        throttle.purge(session, now - KNOWN_ADDRESS_FOR - timedelta(days=1))
        user = session.get(User, user_id)
        assert user is not None
        if hasher.needs_rehash(user.password_hash):
            user.password_hash = hasher.hash(password)
        token = sessions.start(session, user.id, remember, now)
        return SessionUser(
            user.id, user.email, user.display_name, user.role, token, remember, user.timezone
        )


def register(
    session: Session,
    clock: Clock,
    email: str,
    password: str,
    display_name: str,
    address: str = "",
    timezone: str = "UTC",
) -> SessionUser:
    """Sign up as a learner and return the new session.

    A taken email gets a message that does not name the account, after the same work
    (one hash) as a new one; see docs/architecture.md for what it still reveals.

    Raises:
        InvalidInput: as :func:`create_user`. Conflict: the email cannot be used.
        TooManyRequests: too many sign-ups from the address.
    """
    now = clock.now()
    if address:
        with session.begin():
            throttle.take(session, f"signup:address:{address}", SIGNUP_PER_ADDRESS, now)
            throttle.purge(session, now - KNOWN_ADDRESS_FOR - timedelta(days=1))
    try:
        account = create_user(session, clock, email, password, display_name, Role.LEARNER)
    except Conflict as exc:
        raise Conflict(_TAKEN) from exc
    with session.begin():
        user = session.get(User, account.id)
        assert user is not None
        user.timezone = timezone if _known_zone(timezone) else "UTC"
        throttle.mark(session, _login_keys(user.email, address)["known"], now)
        token = sessions.start(session, user.id, False, now)
        return SessionUser(
            user.id, user.email, user.display_name, user.role, token, timezone=user.timezone
        )


def _known_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _confirm_password(session: Session, clock: Clock, user_id: int, password: str) -> None:
    """Check the current password before a sensitive change (throttled per account).

    Raises:
        InvalidInput: the password is wrong. TooManyRequests: too many wrong ones.
    """
    key = f"reauth:user:{user_id}"
    with session.begin():
        throttle.take(session, key, REAUTH_PER_ACCOUNT, clock.now())
        encoded = session.scalar(select(User.password_hash).where(User.id == user_id))
    if encoded is None:
        raise InvalidInput("Your account no longer exists.")
    if not passwords.hasher().verify(encoded, password):
        log.warning("security event=reauth_failed user_id=%d", user_id)
        raise InvalidInput("Your current password is not right.", field="current")
    with session.begin():
        throttle.clear(session, key)


def change_password(
    session: Session, clock: Clock, user_id: int, current: str, new: str, remember: bool = False
) -> SessionUser:
    """Change the password: every session of the user ends, and this device gets a new one.

    Raises:
        InvalidInput: the current password is wrong or the new one breaks a rule.
    """
    with session.begin():
        read_only(session)
        email, name = session.execute(
            select(User.email, User.display_name).where(User.id == user_id)
        ).one()
    check_password_rules(new, email, name)
    _confirm_password(session, clock, user_id, current)
    encoded = passwords.hasher().hash(new)
    with session.begin():
        user = session.get(User, user_id)
        if user is None:
            raise InvalidInput("Your account no longer exists.")
        user.password_hash = encoded
        delete_sessions(session, user_id)
        token = sessions.start(session, user_id, remember, clock.now())
        return SessionUser(
            user.id, user.email, user.display_name, user.role, token, remember, user.timezone
        )


def change_email(session: Session, clock: Clock, user_id: int, current: str, new_email: str) -> str:
    """Change the login email after checking the current password; returns the new one.

    Raises:
        InvalidInput: the password is wrong or the email is not valid.
        Conflict: another account uses that email.
    """
    address = check_email(new_email)
    _confirm_password(session, clock, user_id, current)
    with session.begin():
        user = session.get(User, user_id)
        if user is None:
            raise InvalidInput("Your account no longer exists.")
        if user.email != address and get_by_email(session, address) is not None:
            raise Conflict("Another account uses that email; choose another one.")
        user.email = address
        try:
            session.flush()
        except IntegrityError as exc:
            raise Conflict("Another account uses that email; choose another one.") from exc
    return address


def delete_account(session: Session, clock: Clock, user_id: int, password: str) -> None:
    """Delete the account and everything stored about it (the one list of
    :mod:`course.services.personal_data`, which the data export reads too).

    Raises:
        InvalidInput: the password is wrong. Conflict: it is the last administrator.
    """
    _confirm_password(session, clock, user_id, password)
    with session.begin():
        user = session.get(User, user_id)
        if user is None:
            return
        if user.role is Role.ADMIN and count_admins(session) <= 1:
            raise Conflict(
                "You are the only administrator. Make someone else an administrator first."
            )
        delete_sessions(session, user_id)
        personal_data.erase(session, user_id)
        session.expunge(user)


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


def load_session_user(
    session: Session, clock: Clock, token: str, policy: SessionPolicy
) -> SessionUser | None:
    """The user of a session cookie's token; see :func:`course.services.sessions.load`."""
    return sessions.load(session, clock, token, policy)


def logout(session: Session, token: str) -> None:
    """End this login only; the user's other devices stay logged in."""
    sessions.end(session, token)


def list_users(session: Session, actor: Actor) -> list[Account]:
    """Every account, for administrators."""
    require_admin(actor)
    with session.begin():
        read_only(session)
        return [_account(u) for u in session.scalars(select(User).order_by(User.email))]


def set_role(session: Session, actor: Actor, user_id: int, role: Role) -> None:
    """Promote or demote an account (administrators; not their own). The account's
    sessions end at once, so the new role applies on its next request.

    Raises:
        PermissionDenied: the actor is not an administrator.
        InvalidInput: the actor's own account. NotFound: no such account.
        Conflict: it would leave no administrator.
    """
    require_admin(actor)
    if user_id == actor.id:
        raise InvalidInput("You cannot change your own role; another administrator can.")
    with session.begin():
        user = session.get(User, user_id)
        if user is None:
            raise NotFound("No such account.")
        if user.role is Role.ADMIN and role is not Role.ADMIN and count_admins(session) <= 1:
            raise Conflict("This is the only administrator; promote someone else first.")
        if user.role is not role:
            user.role = role
            delete_sessions(session, user_id)
