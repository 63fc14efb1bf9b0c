"""``/healthz`` for load balancers: database reachable, content version."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from course import __version__
from course.services.health import check
from course.web.db import get_session
from course.web.errors import recent_storage_problem

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    status = check(get_session(), recent_storage_problem())
    body = {
        "status": "ok" if status.ok else "unavailable",
        "database": status.database,
        "content": status.content,
        "version": __version__,
    }
    return jsonify(body), 200 if status.ok else 503


@bp.get("/livez")
def livez() -> tuple[str, int, dict[str, str]]:
    """The process answers (no database): for liveness probes and as a benchmark baseline."""
    return "ok", 200, {"Content-Type": "text/plain"}
