"""Fixtures shared by the service tests."""

from __future__ import annotations

import pytest

from tests.factories import (
    QUIZ_PAGE,
    AuthActions,
    answer_path,
    attempt_id_from,
    bundled_questions,
    field,
    form_answer,
)


@pytest.fixture
def answered(auth: AuthActions) -> int:
    """A learner answered every question right except the Sakhalin one (typed Hokkaido)."""
    kim = auth.browser()
    kim.signup("kim@example.org")
    start = kim.post(f"{QUIZ_PAGE}/start", {}, token_from=QUIZ_PAGE)
    attempt = attempt_id_from(start.headers["Location"])
    for qid, question in bundled_questions().items():
        data = form_answer(question)
        if qid == "north-of-japan":
            data = {field("north-of-japan"): "Hokkaido"}
        kim.post(answer_path(attempt, qid), data, token_from=f"/attempts/{attempt}")
    kim.post(f"/attempts/{attempt}/submit", {}, token_from="/")
    return attempt
