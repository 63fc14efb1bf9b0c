"""The one place that maps errors to HTTP: an HTML page or JSON, never a traceback."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, render_template, request
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from course.errors import CourseError, TooManyRequests

log = logging.getLogger("course.web")

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


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" or request.path.startswith("/api/")


def render_error(status: int, message: str, retry_after: int | None = None) -> Response:
    title = TITLES.get(status, "Error")
    if _wants_json():
        response = jsonify(error=title, message=message, status=status)
    else:
        response = Response(
            render_template("error.html", status=status, title=title, message=message),
            mimetype="text/html",
        )
    response.status_code = status
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


def init_app(app: Flask) -> None:
    @app.errorhandler(CourseError)
    def course_error(exc: CourseError) -> Response:
        retry = exc.retry_after if isinstance(exc, TooManyRequests) else None
        return render_error(exc.status, exc.message, retry)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        status = exc.code or 500
        message = {
            404: "There is nothing at this address. Check the link, or go back to the course.",
            413: "The upload or form was larger than this site accepts.",
            405: "This page does not accept that kind of request.",
        }.get(status, exc.description or "")
        if status == 400 and "CSRF" in (exc.description or ""):
            message = (
                "The form had expired or was sent from another page. Reload the page "
                "and try again; nothing was saved."
            )
        return render_error(status, message)

    @app.errorhandler(OperationalError)
    def database_down(exc: OperationalError) -> Response:
        log.error("database error: %s", exc.orig)
        return render_error(
            503,
            "The database cannot be reached right now. Your saved work is "
            "safe; please try again in a minute.",
            retry_after=30,
        )

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return render_error(
            500, "The error has been logged. Please try again, or go back to the course."
        )
