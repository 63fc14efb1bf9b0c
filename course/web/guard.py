"""One gate for hostile input, before any view runs: every path segment, query argument,
form field and file name is checked for what no column can store (NUL bytes, lone
surrogates) and for lengths no column holds; ids in paths are ASCII digits in the
columns' range (anything else is a 404, never an overflow). Form fields are also refused
when they carry a bidirectional control character (text that would show to others as
something other than what it is).

Views keep their own meaning checks; this only refuses what could never be valid.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, request
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.routing import IntegerConverter, Map

from course.errors import InvalidInput, NotFound
from course.inputs import MAX_ID, bidi_control, scrub, unstorable

# Longest value of any form field. Free-text answers are stored whole; 10,000 characters
# is several pages of typing, and anything longer is refused before grading.
FIELD_MAX = 10_000
# Fields that legitimately carry a whole file (the request size limit still applies).
LARGE_FIELDS = {("teach.author", "text")}
# Fields whose form checks bidirectional controls itself, to show the error beside the
# field (the service refuses them too, for every other caller).
CHECKED_BY_FORM = {("auth.signup", "display_name")}
# Most values one form may carry (the largest real form, end-of-quiz, has well under 200;
# Werkzeug's MAX_FORM_PARTS counts only multipart bodies).
FORM_VALUES_MAX = 1_000
# Most fields shown back on an error page.
TYPED_BACK_MAX = 200
QUERY_MAX = 2_000
SEGMENT_MAX = 300  # path segments: ids and slugs are at most 100 characters
PATH_MAX = 1_000  # a media path below the content root


class IdConverter(IntegerConverter):
    """``<int:...>`` for database ids: ASCII digits only, 0 to 2**31-1, else 404.

    Werkzeug's own converter matches ``\\d``, which includes ``٣`` and ``²``, and lets a
    30-digit id reach the database, where PostgreSQL's INTEGER overflows.
    """

    regex = r"[0-9]{1,18}"

    def __init__(
        self,
        map: Map,
        fixed_digits: int = 0,
        min: int | None = None,
        max: int | None = None,
        signed: bool = False,
    ) -> None:
        super().__init__(map, fixed_digits, 0 if min is None else min, max or MAX_ID, False)


def init_app(app: Flask) -> None:
    """Install the id converter (before any route is added) and the input gate."""
    app.url_map.converters["int"] = IdConverter
    app.before_request(check_request)


def check_request() -> None:
    """Refuse a request carrying input that no view could store.

    Raises:
        NotFound: a path segment is unstorable or too long (no such page can exist).
        InvalidInput: a query argument, form field or file name is; the message names it.
    """
    for name, value in (request.view_args or {}).items():
        limit = PATH_MAX if name == "rel" else SEGMENT_MAX
        if isinstance(value, str) and (unstorable(value) or len(value) > limit):
            raise NotFound("There is nothing at this address. Check the link.")
    for key, value in request.args.items(multi=True):
        _check_field("address", key, value, QUERY_MAX)
    if request.method in {"GET", "HEAD", "OPTIONS"}:
        return
    endpoint = request.endpoint or ""
    values = list(request.form.items(multi=True))
    if len(values) > FORM_VALUES_MAX:
        raise RequestEntityTooLarge(
            f"The form had {len(values):,} values; the limit is {FORM_VALUES_MAX:,}."
        )
    for key, value in values:
        large = (endpoint, key) in LARGE_FIELDS
        _check_field("form", key, value, None if large else FIELD_MAX)
        if not large and not _secret(key) and (endpoint, key) not in CHECKED_BY_FORM:
            _check_bidi(key, value)
    for key, upload in request.files.items(multi=True):
        _check_field("upload", key, upload.filename or "", SEGMENT_MAX)


def _check_field(where: str, key: str, value: str, limit: int | None) -> None:
    for text in (key, value):
        reason = unstorable(text)
        if reason:
            raise InvalidInput(
                f"The {where} field {_label(key)} contains {reason}, which this site cannot "
                "store. Remove it and send again; nothing was saved."
            )
    if limit is not None and len(value) > limit:
        raise InvalidInput(
            f"The {where} field {_label(key)} is {len(value):,} characters long; the limit is "
            f"{limit:,}. Shorten it and send again; nothing was saved."
        )


def _check_bidi(key: str, value: str) -> None:
    """Refuse a form value with a bidirectional control (names, disputes, replies, class
    names, answers: all are shown to other people). A file's whole text (an authored
    lesson) is left to content validation, a password is never shown."""
    code = bidi_control(value)
    if code:
        raise InvalidInput(
            f"The form field {_label(key)} contains an invisible direction-control character "
            f"({code}), which can make text show as something other than what was typed. "
            "Remove it and send again; nothing was saved."
        )


def _label(key: str) -> str:
    shown = "".join(c if c.isprintable() else "?" for c in scrub(key[:40]))
    return f"'{shown}'"


def typed_back() -> list[tuple[str, str, bool]]:
    """The form fields of a refused POST, to show back so nothing typed is lost:
    (name, value, whether it is one of the forms' own hidden fields, sent again as it
    was but not shown as something to edit).

    Secrets (passwords, the CSRF token) are never shown back; refused characters
    become U+FFFD and each value is cut to the field limit.
    """
    if request.method != "POST" or request.mimetype not in {
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    }:
        return []
    try:
        fields: list[tuple[str, Any]] = list(request.form.items(multi=True))
    except Exception:
        return []
    return [
        (scrub(key), scrub(str(value))[:FIELD_MAX], key in _HIDDEN)
        for key, value in fields
        if not _secret(key) and str(value).strip()
    ][:TYPED_BACK_MAX]


# The forms' own hidden fields (the end-of-quiz form's revision, "last question" mark,
# a review card's count, the editor's base version).
_HIDDEN = {"revision", "last", "reps", "base"}


_SECRETS = {"csrf_token", "current", "new", "confirm"}


def _secret(key: str) -> bool:
    lowered = key.lower()
    return lowered in _SECRETS or "password" in lowered or "secret" in lowered
