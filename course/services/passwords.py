"""Password hashing (argon2id) and the password policy.

The hasher's cost is process-wide configuration, like the log level: the app and the
CLI set it from :class:`course.settings.Settings` (OWASP's argon2id profile), and the
test suite sets the cheapest profile through a fixture so hundreds of sign-ups stay fast.
"""

from __future__ import annotations

from functools import cached_property

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

from course.errors import InvalidInput
from course.settings import ARGON2_OWASP, HashParams

MIN_PASSWORD = 10
# Refused before hashing or strength estimation, so a 10 KB password costs nothing.
MAX_PASSWORD = 256
# zxcvbn's matching is super-linear in the length; 72 characters of a longer
# password are more than enough to judge it.
_STRENGTH_PREFIX = 72
_MIN_SCORE = 2  # zxcvbn 0–4: refuse "too guessable" (0) and "very guessable" (1)


OWASP = ARGON2_OWASP
# The smallest argon2 accepts. Tests only: never reachable from the environment.
MINIMUM = HashParams(time_cost=1, memory_kib=8, parallelism=1)


class Hasher:
    """argon2id with fixed parameters; ``hash``/``verify``/``needs_rehash``."""

    def __init__(self, params: HashParams) -> None:
        self.params = params
        self._argon = PasswordHasher(
            time_cost=params.time_cost,
            memory_cost=params.memory_kib,
            parallelism=params.parallelism,
            type=Type.ID,
        )

    @cached_property
    def dummy_hash(self) -> str:
        """Verified against when the email is unknown, so both cases cost one verify."""
        return self._argon.hash("not a real password")

    def hash(self, password: str) -> str:
        return self._argon.hash(password)

    def verify(self, encoded: str, password: str) -> bool:
        """Whether ``password`` matches; over-long input is refused without hashing."""
        if len(password) > MAX_PASSWORD:
            return False
        try:
            return self._argon.verify(encoded, password)
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, encoded: str) -> bool:
        """True when ``encoded`` was made with other parameters (upgrade it at login)."""
        try:
            return self._argon.check_needs_rehash(encoded)
        except InvalidHashError:
            return True


_current: list[Hasher] = [Hasher(OWASP)]


def configure(params: HashParams) -> None:
    """Use ``params`` for every hash from now on (no-op when already in use)."""
    if _current[0].params != params:
        _current[0] = Hasher(params)


def use(hasher: Hasher) -> None:
    """Install a ready hasher (tests use one that counts its calls)."""
    _current[0] = hasher


def hasher() -> Hasher:
    """The hasher in use."""
    return _current[0]


def check_rules(password: str, email: str, name: str = "") -> None:
    """Raise :class:`InvalidInput` stating the rule ``password`` breaks.

    Length first (so a 10 KB password is refused before any work), then the email,
    then zxcvbn's estimate, which refuses common passwords (its lists hold the 30,000
    most common), keyboard walks, dates and words with obvious substitutions.
    """
    if len(password) > MAX_PASSWORD:
        raise InvalidInput(
            f"Password is too long: at most {MAX_PASSWORD} characters.", field="password"
        )
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(
            f"Password is too short: use at least {MIN_PASSWORD} characters.", field="password"
        )
    address = email.strip().lower()
    if password.strip().lower() in {address, address.split("@")[0]}:
        raise InvalidInput("Password must not be your email address.", field="password")
    if len(set(password)) < 4:
        raise InvalidInput(
            "Password is too simple: use more different characters.", field="password"
        )
    inputs = [address, address.split("@")[0], *name.split()]
    result = zxcvbn(password[:_STRENGTH_PREFIX], user_inputs=inputs)
    if result["score"] < _MIN_SCORE:
        feedback = result["feedback"]
        why = feedback.get("warning") or "It is too easy to guess."
        hint = " ".join(feedback.get("suggestions") or []) or "Add another word or two."
        raise InvalidInput(
            f"Password is too easy to guess: {why.rstrip('.')}. {hint} "
            "A few unrelated words make a strong password that is easy to remember.",
            field="password",
        )
