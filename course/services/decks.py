"""Anki decks: a learner's review items, or a whole course for its instructors.

One note per question: the prompt (and the options to choose from) on the front; the
answer, the explanation and a link to the lesson section on the back; tagged by course
and lesson. The note's identity is ``course/quiz/question``, so a new download updates
the notes a learner already has in Anki.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Any
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.orm import Session

from course.content.markdown import render_html, render_inline
from course.content.model import (
    AnyQuestion,
    ChoiceQuestion,
    ClozeQuestion,
    MatchQuestion,
    MultiChoiceQuestion,
    OrderQuestion,
    build_question,
)
from course.errors import NotFound
from course.grading.registry import correct_answer
from course.interop.anki import AnkiNote, build_package
from course.services.authz import Actor, require_course_author
from course.store.content import CourseRow, LessonRow, QuestionRow, QuizRow
from course.store.engine import read_only
from course.store.review import ReviewCard


@dataclass(frozen=True)
class Deck:
    """An ``.apkg`` download."""

    filename: str
    data: bytes
    notes: int


def _options(question: AnyQuestion) -> str:
    match question:
        case ChoiceQuestion() | MultiChoiceQuestion():
            items = [c.text for c in question.choices]
        case OrderQuestion():
            items = sorted(i.text for i in question.items)  # never in the right order
        case MatchQuestion():
            lefts = "".join(f"<li>{render_inline(o.text)}</li>" for o in question.lefts)
            rights = "".join(f"<li>{render_inline(o.text)}</li>" for o in question.rights)
            return f"<p>Match:</p><ul>{lefts}</ul><p>with:</p><ul>{rights}</ul>"
        case ClozeQuestion():
            blanked = " [……] ".join(question.segments)
            return render_html(blanked)
        case _:
            return ""
    return "<ul>" + "".join(f"<li>{render_inline(t)}</li>" for t in items) + "</ul>"


def _note(row: Any, base_url: str) -> AnkiNote:
    question = build_question(row.definition)
    course_id = row.course_id
    link = f"{base_url.rstrip('/')}/courses/{quote(course_id)}/lessons/{quote(row.lesson_slug)}"
    if question.section:
        link += "#" + quote(question.section)
    back = f'<div class="answer">{escape(correct_answer(question))}</div>'
    if question.explanation:
        back += f'<div class="explanation">{render_html(question.explanation)}</div>'
    back += (
        f'<p><a href="{escape(link)}">Review: {escape(row.lesson_title or row.lesson_slug)}</a></p>'
    )
    tags = (f"course::{course_id}", f"lesson::{row.lesson_slug}", *question.tags)
    return AnkiNote(
        key=f"{course_id}/{row.quiz_slug}/{row.slug}",
        front=render_html(question.prompt) + _options(question),
        back=back,
        tags=tags,
    )


def _rows(session: Session, course_id: str | None, user_id: int | None) -> list[Any]:
    query = (
        select(
            QuizRow.course_id,
            QuestionRow.slug,
            QuestionRow.definition,
            QuizRow.slug.label("quiz_slug"),
            QuizRow.lesson_slug,
            LessonRow.title.label("lesson_title"),
        )
        .join(QuizRow, QuizRow.id == QuestionRow.quiz_id)
        .outerjoin(
            LessonRow,
            (LessonRow.course_id == QuizRow.course_id) & (LessonRow.slug == QuizRow.lesson_slug),
        )
        .where(QuestionRow.retired_at.is_(None))
        .order_by(QuizRow.course_id, QuizRow.slug, QuestionRow.position)
    )
    if course_id is not None:
        query = query.where(QuizRow.course_id == course_id)
    if user_id is not None:
        query = query.join(ReviewCard, ReviewCard.question_id == QuestionRow.id).where(
            ReviewCard.user_id == user_id, ReviewCard.active.is_(True)
        )
    else:
        query = query.where(QuizRow.retired_at.is_(None))
    return list(session.execute(query).all())


def _deck(session: Session, course_id: str | None, user_id: int | None, base_url: str) -> Deck:
    with session.begin():
        read_only(session)
        title = "All courses"
        if course_id is not None:
            course = session.get(CourseRow, course_id)
            if course is None:
                raise NotFound("No such course.")
            title = course.title
        rows = _rows(session, course_id, user_id)
    notes = [_note(row, base_url) for row in rows]
    scope = course_id or "all-courses"
    if user_id is not None:
        name, key, filename = f"{title} (my review)", f"{scope}/user/{user_id}", "my-review"
    else:
        name, key, filename = f"{title} (all questions)", f"{scope}/all", f"{scope}-course"
    return Deck(f"{filename}.apkg", build_package(key, name, notes), len(notes))


def learner_deck(session: Session, actor: Actor, course_id: str | None, base_url: str) -> Deck:
    """The actor's own review items (of one course, or of all), only ever their own."""
    return _deck(session, course_id, actor.id, base_url)


def course_deck(session: Session, actor: Actor, course_id: str, base_url: str) -> Deck:
    """Every current question of a course, answer keys included: the course's authors
    only (administrators and instructors who run a class of it), as for its content."""
    with session.begin():
        read_only(session)
        require_course_author(session, actor, course_id)
    return _deck(session, course_id, None, base_url)


def operator_course_deck(session: Session, course_id: str, base_url: str) -> Deck:
    """The whole-course deck for `course export-anki` (the operator's command line)."""
    return _deck(session, course_id, None, base_url)
