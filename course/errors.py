"""Domain errors shared by every layer; ``course.web.errors`` maps them to HTTP."""

from __future__ import annotations


class CourseError(Exception):
    """Base of every error a user can be shown."""

    status = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        # Which input the message is about ("email", "password", "current"), so a form
        # can show it beside that field; None when it is about the request as a whole.
        self.field = field


class InvalidInput(CourseError):
    """The request or argument is malformed; the message says how to fix it."""

    status = 400


class PermissionDenied(CourseError):
    """The actor may not do this."""

    status = 403


class NotFound(CourseError):
    """The thing does not exist, or the actor may not know that it does."""

    status = 404


class Conflict(CourseError):
    """The action clashes with the current state (a duplicate, a finished attempt)."""

    status = 409


class TooManyRequests(CourseError):
    """Throttled; ``retry_after`` is in seconds."""

    status = 429

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ContentInvalid(CourseError):
    """A content root failed validation; ``lines`` are ``path:line:col: message``."""

    status = 422

    def __init__(self, lines: list[str]) -> None:
        super().__init__(f"content has {len(lines)} problem(s)")
        self.lines = lines
