"""The one place that maps errors to HTTP: an HTML page or JSON, never a traceback.

Error pages render without the database (an outage must not turn the 503 page into a
bare 500), show a refused form's fields back so nothing typed is lost, and log
database errors without SQL, parameters or the driver's detail (which quotes values).
"""

from __future__ import annotations

import logging
import os
import time
import traceback

from flask import (
    Flask,
    Response,
    current_app,
    g,
    jsonify,
    render_template,
    request,
    session,
)
from flask_login import AnonymousUserMixin
from sqlalchemy.exc import DataError, DBAPIError
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from course.errors import ContentInvalid, CourseError, NotFound, PermissionDenied, TooManyRequests
from course.store.engine import StorageProblem, is_outage, storage_problem
from course.web.extensions import login_url_back_to_form
from course.web.guard import typed_back

log = logging.getLogger("course.web")
security = logging.getLogger("course.security")

TITLES = {
    400: "That request could not be understood",
    401: "Please log in",
    403: "You are not allowed to do that",
    404: "Page not found",
    405: "That action is not allowed here",
    409: "That clashes with what is already there",
    413: "That was too large",
    422: "That content has problems",
    429: "Too many attempts",
    500: "Something went wrong on our side",
    503: "The service is unavailable for a moment",
}
UNREACHABLE = (
    "The database cannot be reached right now. Your saved work is safe; please try "
    "again in a minute."
)
CANNOT_SAVE = (
    "This cannot be saved right now: the server's storage is {why}. Nothing of this "
    "request was saved and nothing saved before is lost; please try again later."
)
_WHY = {StorageProblem.DISK_FULL: "full", StorageProblem.READ_ONLY: "read-only"}
# How long /healthz keeps reporting a storage failure that a write ran into.
STORAGE_MEMORY_SECONDS = 60.0
_TYPED_BACK_STATUSES = {400, 500, 503}


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" or request.path.startswith("/api/")


def render_error(status: int, message: str, retry_after: int | None = None) -> Response:
    """The error page (or JSON) for ``status``; never touches the database."""
    title = TITLES.get(status, "Error")
    if _wants_json():
        response = jsonify(error=title, message=message, status=status)
    else:
        # Only forms that passed the CSRF check are offered back with a fresh token.
        offer = status in _TYPED_BACK_STATUSES and g.get("csrf_valid", False)
        typed = typed_back() if offer else []
        response = Response(_page(status, title, message, typed), mimetype="text/html")
    response.status_code = status
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


def _page(status: int, title: str, message: str, typed: list[tuple[str, str, bool]]) -> str:
    outage = status in (500, 503) and "_login_user" not in g
    if outage:
        # The page header shows who is logged in; loading that user needs the database,
        # which may be what failed. An outage page does without (and shows no "Log in"
        # either, which would read as if the learner had been logged out).
        g._login_user = AnonymousUserMixin()
    context = {
        "status": status,
        "title": title,
        "message": message,
        "typed": typed,
        "hide_account": outage,
    }
    try:
        return render_template("error.html", action=request.path, **context)
    except Exception:  # loading the user for the header failed: render without one
        g._login_user = AnonymousUserMixin()
    try:
        return render_template("error.html", action=request.path, **context)
    except Exception:  # the last resort must not fail: a plain page
        log.exception("error page failed to render")
        return (
            f"<!doctype html><title>{status} {title}</title><h1>{title}</h1>"
            f"<p>{message}</p><p><a href='/'>Back to the course</a></p>"
        )


def security_event(event: str, **fields: object) -> None:
    """One structured line per security event: never a password, token, answer or email."""
    who = str(session.get("_user_id", "")).partition(":")[0] or "-"
    details = " ".join(f"{k}={v}" for k, v in fields.items())
    security.warning(
        "security event=%s endpoint=%s method=%s user=%s addr=%s %s",
        event,
        request.endpoint or "-",
        request.method,
        who,
        request.remote_addr or "-",
        details,
    )


def _has_id_segment() -> bool:
    rule = request.url_rule
    if rule is None:
        return False
    converters = getattr(rule, "_converters", {})
    return any(isinstance(c, IntegerConverter) for c in converters.values())


def _note_storage_problem(problem: StorageProblem) -> None:
    current_app.extensions["course_storage_problem"] = (problem, time.monotonic())


def recent_storage_problem() -> StorageProblem | None:
    """A storage failure that a write of this process hit in the last minute, if any."""
    seen = current_app.extensions.get("course_storage_problem")
    if seen is None or time.monotonic() - seen[1] > STORAGE_MEMORY_SECONDS:
        return None
    problem: StorageProblem = seen[0]
    return problem


def _log_database_error(exc: DBAPIError) -> None:
    orig = exc.orig
    code = getattr(orig, "sqlstate", None) or getattr(orig, "sqlite_errorname", None) or "-"
    # Neither str(exc) nor str(exc.orig): they quote the statement and, on PostgreSQL,
    # the rows' values ("Key (email)=(...)"). Our own frames say where it happened.
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if f"{os.sep}course{os.sep}" in f.filename] or frames[-3:]
    where = "".join(traceback.format_list(ours))
    log.error(
        "database error %s (%s) on %s %s\n%s",
        type(orig).__name__,
        code,
        request.method,
        request.endpoint or "-",
        where,
    )


def init_app(app: Flask) -> None:
    app.register_error_handler(CourseError, course_error)
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(DBAPIError, database_error)
    app.register_error_handler(Exception, unexpected)


def course_error(exc: CourseError) -> Response:
    retry = exc.retry_after if isinstance(exc, TooManyRequests) else None
    if isinstance(exc, PermissionDenied):
        security_event("access_refused", status=exc.status)
    elif isinstance(exc, NotFound) and _has_id_segment():
        security_event("id_not_found", status=exc.status)
    elif isinstance(exc, ContentInvalid):
        security_event("upload_refused", status=exc.status, problems=len(exc.lines))
    return render_error(exc.status, exc.message, retry)


def http_error(exc: HTTPException) -> Response:
    status = exc.code or 500
    message = {
        404: "There is nothing at this address. Check the link, or go back to the course.",
        413: "The upload or form was larger than this site accepts.",
        405: "This page does not accept that kind of request.",
    }.get(status, exc.description or "")
    if status == 400 and "CSRF" in (exc.description or ""):
        security_event("csrf_refused", status=400)
        message = (
            "The form had expired or was sent from another page. Reload the page "
            "and try again; nothing was saved."
        )
        if request.method == "POST" and "_user_id" not in session and not _anonymous_form():
            # The usual cause: logged out (or the login ended) in another tab.
            message = (
                "You are not logged in in this browser any more (perhaps you logged out "
                "in another tab), so nothing of this form was saved. Log in, then send "
                "it again."
            )
            g.login_again = login_url_back_to_form()
    elif status == 413:
        security_event("upload_refused", status=413, length=request.content_length)
        if exc.description and "the limit is" in exc.description:
            message = f"{message} {exc.description}"
    return render_error(status, message)


# Forms that are sent without a login: their refusal says nothing about logging in.
_ANONYMOUS_FORMS = {"auth.login", "auth.signup", "auth.logout"}


def _anonymous_form() -> bool:
    return request.endpoint in _ANONYMOUS_FORMS


def database_error(exc: DBAPIError) -> Response:
    _log_database_error(exc)
    problem = storage_problem(exc)
    if problem is not None:
        _note_storage_problem(problem)
        return render_error(503, CANNOT_SAVE.format(why=_WHY[problem]), retry_after=60)
    if is_outage(exc):
        return render_error(503, UNREACHABLE, retry_after=30)
    if isinstance(exc, DataError):
        return render_error(
            400,
            "A value in this request is too long or malformed to store. Shorten or "
            "correct it and try again; nothing was saved.",
        )
    return render_error(
        500, "The error has been logged. Please try again, or go back to the course."
    )


def unexpected(exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.endpoint or "-")
    return render_error(
        500, "The error has been logged. Please try again, or go back to the course."
    )
