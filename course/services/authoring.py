"""Authoring helpers: import an article as a lesson draft, draft a quiz from a lesson."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from course.content.drafting import draft_questions, quiz_document
from course.content.importer import ArticleImportError, import_article
from course.content.lessons import read_lesson
from course.content.model import build_question
from course.content.quizzes import read_quiz
from course.errors import Conflict, InvalidInput
from course.grading.examples import check_examples

__all__ = ["ArticleImportError", "DraftResult", "draft_quiz", "import_lesson"]


def import_lesson(
    source: Path,
    root: Path,
    url: str = "",
    title: str = "",
    publisher: str = "",
    force: bool = False,
) -> Path:
    """Write ``<root>/lessons/<slug>.md`` from an article; see :func:`import_article`."""
    try:
        return import_article(source, root / "lessons", url, title, publisher, force)
    except ArticleImportError as exc:
        if "exists" in str(exc):
            raise Conflict(str(exc)) from exc
        raise InvalidInput(str(exc)) from exc


@dataclass(frozen=True)
class DraftResult:
    path: Path
    questions: int
    dropped: int


def draft_quiz(lesson_path: Path, output: Path | None = None, force: bool = False) -> DraftResult:
    """Propose a quiz for a lesson; every question's examples pass the real grader.

    Raises:
        InvalidInput: the lesson cannot be read or yields no question.
        Conflict: the output exists and ``force`` is not set.
    """
    try:
        data = lesson_path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"cannot read {lesson_path}: {exc.strerror}") from exc
    read = read_lesson(str(lesson_path), data, lesson_path.stem, lambda _p: True)
    if read.lesson is None:
        raise InvalidInput("the lesson has problems:\n" + "\n".join(map(str, read.problems)))
    lesson = read.lesson
    proposed = draft_questions(data.decode("utf-8"))
    kept = []
    for definition in proposed:
        candidate = quiz_document(lesson.id, lesson.title, [definition])
        text = yaml.safe_dump(candidate, sort_keys=False, allow_unicode=True)
        quiz = read_quiz("draft.yaml", text.encode(), "draft").quiz
        if quiz is not None and not check_examples("draft.yaml", quiz):
            build_question(quiz.definitions[0])
            kept.append(definition)
    if not kept:
        raise InvalidInput(f"no sentence of {lesson_path} suggested a question")
    target = output or lesson_path.parent.parent / "quizzes" / f"{lesson.id}-draft.yaml"
    if target.exists() and not force:
        raise Conflict(f"{target} exists; use --force to overwrite it")
    header = (
        f"# DRAFT quiz proposed by `course draft-quiz` from {lesson_path.name}.\n"
        "# Every question is tagged `draft`: edit the prompts, add distractors and\n"
        "# explanations, then run `course validate` before publishing.\n"
    )
    body = yaml.safe_dump(
        quiz_document(lesson.id, lesson.title, kept), sort_keys=False, allow_unicode=True, width=88
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(header + body, encoding="utf-8")
    return DraftResult(target, len(kept), len(proposed) - len(kept))
