"""What a learner posted, as the services see it: one response per question.

The web layer reads its form into an ``Answers`` (course/web/answers.py); services
ask it for a question's raw response, whether the question was left blank, and the
values a draft keeps. Services never see how a page names its fields: the kept values
are opaque here, stored as given and handed back to ``Answers.restored`` on submit.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from course.content.model import AnyQuestion
from course.grading.result import FormatError

Kept = dict[str, list[str]]
"""The values a draft stores for one question (opaque to the services; JSON-able)."""


class Answers(Protocol):
    """The answers of one post, read per question by its opaque key in the page."""

    def response(self, question: AnyQuestion, key: str) -> Any | FormatError:
        """The raw response the grader expects, or why it cannot be read."""

    def is_blank(self, question: AnyQuestion, key: str) -> bool:
        """Nothing at all was given for this question."""

    def kept(self, question: AnyQuestion, key: str) -> Kept:
        """The values a draft keeps for this question: none when it was left blank."""

    def restored(self, kept: Mapping[str, list[str]]) -> Answers:
        """Answers over values kept earlier (the drafts of every question, merged)."""
