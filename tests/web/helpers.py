"""Helpers for driving quizzes through the web: sign up, correct form answers."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from course.content.loader import load_root
from course.content.model import (
    AnyQuestion,
    ChoiceQuestion,
    ClozeQuestion,
    DateQuestion,
    MatchQuestion,
    MultiChoiceQuestion,
    NumberQuestion,
    OrderQuestion,
    TextQuestion,
    TrueFalseQuestion,
)
from course.store.content import QuestionRow
from course.store.review import ReviewCard
from tests.conftest import REPO, csrf_token

PASSWORD = "a long enough password"


def bundled_questions(root: Path = REPO) -> dict[str, AnyQuestion]:
    bundle, report = load_root(root)
    assert bundle is not None, report.lines()
    return {q.id: q for quiz in bundle.quizzes for q in quiz.questions}


def bundled_keys(root: Path = REPO) -> dict[str, str]:
    """question slug → its opaque key (position) in an attempt of the bundled quiz, which
    neither shuffles nor picks."""
    bundle, report = load_root(root)
    assert bundle is not None, report.lines()
    return {q.id: str(i + 1) for quiz in bundle.quizzes for i, q in enumerate(quiz.questions)}


KEYS = bundled_keys()


def _shown_text() -> str:
    """Everything the quiz shows learners anyway: prompts, options, items, cloze text."""
    parts: list[str] = []
    for question in bundled_questions().values():
        parts.append(question.prompt)
        for attribute in ("choices", "items", "lefts", "rights"):
            parts.extend(o.text for o in getattr(question, attribute, ()))
        parts.extend(getattr(question, "segments", ()))
    return " ".join(parts).lower()


SHOWN = _shown_text()


def slugs_in(html: str) -> list[str]:
    """Every question id (author's slug) of the bundled quiz found in ``html``.

    A slug that is also a word of the shown text ("Along which *parallel*…") is looked
    for in the markup only (tags, attributes, URLs); every other slug anywhere.
    """
    lowered = html.lower()
    markup = " ".join(re.findall(r"<[^>]*>", lowered))
    return [slug for slug in KEYS if slug in (markup if slug in SHOWN else lowered)]


def answer_path(attempt: int | str, slug: str) -> str:
    """The URL answering the bundled question ``slug`` in ``attempt``."""
    return f"/attempts/{attempt}/questions/{KEYS[slug]}"


def card_slug(session: Session, card_id: int) -> str:
    """The author's slug of a review card's question (tests only: pages never show it)."""
    with session.begin():
        slug = session.scalar(
            select(QuestionRow.slug)
            .join(ReviewCard, ReviewCard.question_id == QuestionRow.id)
            .where(ReviewCard.id == card_id)
        )
    assert slug is not None
    return slug


def field(slug: str) -> str:
    """The form field of the bundled question ``slug`` in an attempt."""
    return f"q-{KEYS[slug]}"


def signup(client: FlaskClient, email: str = "learner@example.org") -> None:
    token = csrf_token(client, "/signup")
    page = client.post(
        "/signup",
        data={"email": email, "password": PASSWORD, "display_name": "Lea", "csrf_token": token},
    )
    assert page.status_code == 302, page.get_data(as_text=True)


def form_answer(
    question: AnyQuestion, right: bool = True, key: str | None = None
) -> dict[str, Any]:
    """Form fields answering ``question`` correctly (or wrongly); ``key`` names the fields
    (default: the question's position in the bundled quiz)."""
    name = f"q-{key if key is not None else KEYS[question.id]}"
    match question:
        case ChoiceQuestion():
            pick = next(c for c in question.choices if c.correct == right)
            return {name: pick.id}
        case MultiChoiceQuestion():
            return {name: [c.id for c in question.choices if c.correct == right]}
        case TrueFalseQuestion():
            return {name: str(question.answer == right).lower()}
        case TextQuestion():
            return {name: question.matcher.answers[0] if right else "zzzz"}
        case NumberQuestion():
            value = question.range[0] if question.range else question.answer
            return {name: str(value if right else value * 3 + 1)}
        case DateQuestion():
            return {name: str(question.answer) if right else "1800"}
        case OrderQuestion():
            items = list(question.items) if right else list(reversed(question.items))
            return {f"{name}-{item.id}": str(i + 1) for i, item in enumerate(items)}
        case MatchQuestion():
            rights = [r for _, r in question.pairs]
            if not right:
                rights = rights[1:] + rights[:1]
            return {
                f"{name}-{left}": r for (left, _), r in zip(question.pairs, rights, strict=True)
            }
        case ClozeQuestion():
            return {
                f"{name}-{i}": (b.answers[0] if right else "zzz")
                for i, b in enumerate(question.blanks)
            }


def post(client: FlaskClient, path: str, data: dict[str, Any], token_from: str = "/") -> Any:
    token = csrf_token(client, token_from)
    return client.post(path, data={**data, "csrf_token": token})


def attempt_id_from(location: str) -> int:
    match = re.search(r"/attempts/(\d+)", location)
    assert match, location
    return int(match.group(1))
