"""Downloads of one's own data: everything stored (JSON), review logs (CSV for the FSRS
optimizer), Anki decks; and the same for an instructor's class and course."""

from __future__ import annotations

import json

from flask import Blueprint, Response, request
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from course.services import decks, personal_data
from course.services.authz import Actor
from course.web.db import get_session
from course.web.extensions import clock
from course.web.teach import safe_filename

bp = Blueprint("data", __name__)


@bp.before_request
@login_required  # type: ignore[untyped-decorator]
def _login() -> None:
    """Every download here is someone's data: an account is needed."""


def _actor() -> Actor:
    return Actor(current_user.id, current_user.user.role)


def _download(data: bytes, name: str, mimetype: str) -> Response:
    disposition = f'attachment; filename="{safe_filename(name)}"'
    return Response(data, mimetype=mimetype, headers={"Content-Disposition": disposition})


def _json(document: object, name: str) -> Response:
    text = json.dumps(document, indent=2, ensure_ascii=False, sort_keys=False) + "\n"
    return _download(text.encode("utf-8"), name, "application/json")


@bp.get("/account/data.json")
def my_data() -> ResponseReturnValue:
    document = personal_data.user_data(get_session(), clock(), _actor())
    return _json(document, "my-data.json")


@bp.get("/account/reviews.csv")
def my_reviews() -> ResponseReturnValue:
    data = personal_data.user_review_csv(get_session(), _actor())
    return _download(data, "my-reviews.csv", "text/csv")


@bp.get("/account/review.apkg")
def my_deck() -> ResponseReturnValue:
    deck = decks.learner_deck(get_session(), _actor(), None, request.url_root)
    return _download(deck.data, deck.filename, "application/octet-stream")


@bp.get("/teach/courses/<course_id>/anki.apkg")
def course_deck(course_id: str) -> ResponseReturnValue:
    deck = decks.course_deck(get_session(), _actor(), course_id, request.url_root)
    return _download(deck.data, deck.filename, "application/octet-stream")


@bp.get("/teach/classes/<int:class_id>/data.json")
def class_data(class_id: int) -> ResponseReturnValue:
    document = personal_data.class_data(get_session(), clock(), _actor(), class_id)
    return _json(document, f"class-{class_id}-data.json")


@bp.get("/teach/classes/<int:class_id>/reviews.csv")
def class_reviews(class_id: int) -> ResponseReturnValue:
    data = personal_data.class_review_csv(get_session(), _actor(), class_id)
    return _download(data, f"class-{class_id}-reviews.csv", "text/csv")
