"""The pure half of the misconception report: what an answer shows, which lesson section
addresses a misconception, and the YAML that tags a frequent wrong answer.

No database here: :mod:`course.services.misconceptions` loads the rows and calls these.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from course.content.markdown import slugify
from course.content.model import (
    AnyQuestion,
    ChoiceQuestion,
    MultiChoiceQuestion,
    Option,
    TextQuestion,
)
from course.content.yamlsafe import Node, YamlError, decode, parse
from course.grading.common import ids_of, text_of
from course.grading.normalize import text_key
from course.grading.registry import grade_response
from course.grading.result import FormatError, ResponseRejected
from course.grading.text import known_wrong

# An untagged wrong answer becomes a candidate to tag when at least this many learners
# gave it, and at least this share of the learners who answered the question.
CANDIDATE_MIN_LEARNERS = 2
CANDIDATE_MIN_SHARE = 0.2
# Words too common to tie a misconception to a heading.
_STOP = frozenset(
    re.findall(
        r"\w+",
        "that this with from were have they their there then than what when which while "
        "into only also been more most much many some such would could should about after "
        "before over under",
    )
)


@dataclass(frozen=True)
class Seen:
    """What one wrong answer shows: a tagged misconception, and its untagged wrong parts
    (choice ids or typed text keys, with the text to show) that could be tagged."""

    misconception: str | None
    untagged: tuple[tuple[str, str], ...] = ()


def seen_in(question: AnyQuestion, raw: Any, score: float) -> Seen:
    """Classify one stored answer against the question's newest definition.

    Tags are read from the newest definition, so a tag the author adds later also
    classifies answers given before it. A right answer shows nothing; an answer that
    the newest definition can no longer read (a choice removed) shows nothing either.
    """
    if score >= 1.0 or raw is None:
        return Seen(None)
    try:
        grade = grade_response(question, raw)
    except ResponseRejected:
        return Seen(None)
    if isinstance(grade, FormatError):
        return Seen(None)
    return Seen(grade.misconception, _untagged(question, raw))


def _untagged(question: AnyQuestion, raw: Any) -> tuple[tuple[str, str], ...]:
    match question:
        case ChoiceQuestion() | MultiChoiceQuestion():
            picked = set(ids_of(raw, question.choices, "choice"))
            return tuple(
                (c.id, c.text)
                for c in question.choices
                if c.id in picked and not c.correct and not c.misconception
            )
        case TextQuestion():
            typed = text_of(raw)
            entry = known_wrong(question, typed)
            if entry is not None and entry.misconception:
                return ()
            key = text_key(typed, question.matcher.case_sensitive)
            return ((key, typed.strip()),) if key else ()
        case _:
            return ()  # the contract tags only choices and `wrong` entries


def tags_of(question: AnyQuestion) -> set[str]:
    """The misconception slugs a question can show."""
    match question:
        case ChoiceQuestion() | MultiChoiceQuestion():
            return {c.misconception for c in question.choices if c.misconception}
        case TextQuestion():
            return {w.misconception for w in question.wrong if w.misconception}
        case _:
            return set()


def week_of(when: datetime) -> date:
    """The Monday (UTC) of the week an answer was given."""
    day = when.date()
    return day - timedelta(days=day.weekday())


# --- Which lesson section addresses a misconception ----------------------------------


@dataclass(frozen=True)
class LessonLink:
    """Where to read about a misconception; ``anchor`` None means the lesson's top.

    ``rule`` says how it was found: "question" (the ``section:`` of the questions that
    show it), "heading" (a heading sharing words with its description) or "lesson".
    """

    lesson_slug: str
    lesson_title: str
    anchor: str | None
    heading: str | None
    rule: str


@dataclass(frozen=True)
class LessonInfo:
    slug: str
    title: str
    toc: tuple[tuple[str, str], ...]  # (heading text, anchor)


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", slugify(text).replace("-", " ")) if len(w) >= 4}


def heading_for(words_of: str, lesson: LessonInfo) -> tuple[str, str] | None:
    """The heading of ``lesson`` sharing most words (4+ letters, not common ones) with
    ``words_of``; the first such heading on a tie, None when none shares a word."""
    wanted = _words(words_of) - _STOP
    best: tuple[int, tuple[str, str]] | None = None
    for text, anchor in lesson.toc:
        shared = len(wanted & _words(text))
        if shared and (best is None or shared > best[0]):
            best = (shared, (text, anchor))
    return best[1] if best else None


def lesson_link(
    slug: str,
    description: str,
    sections: Mapping[tuple[str, str | None], int],
    lesson: LessonInfo | None,
    lessons: Mapping[str, LessonInfo],
) -> LessonLink | None:
    """The lesson section that addresses a misconception.

    1. The ``section:`` most learners who showed it were answering (``sections`` maps
       (lesson, anchor or None) → learners, in question order; ties go to the first);
    2. else the heading of ``lesson`` (the quiz's lesson) sharing most words with the
       slug and description;
    3. else ``lesson`` itself.
    """
    named = [(key, n) for key, n in sections.items() if key[1]]
    if named:
        (lesson_slug, anchor), _ = max(named, key=lambda kv: kv[1])  # first on ties
        info = lessons.get(lesson_slug)
        if info is not None:
            heading = next((t for t, a in info.toc if a == anchor), None)
            return LessonLink(info.slug, info.title, anchor, heading, "question")
    if lesson is None:
        return None
    found = heading_for(f"{slug.replace('-', ' ')} {description}", lesson)
    if found is not None:
        return LessonLink(lesson.slug, lesson.title, found[1], found[0], "heading")
    return LessonLink(lesson.slug, lesson.title, None, None, "lesson")


# --- Course and quiz files ----------------------------------------------------------


def _top(path: str, data: bytes) -> Node | None:
    try:
        root, _ = parse(path, decode(path, data))
    except YamlError:
        return None
    return root if root is not None and root.kind == "map" else None


def course_misconceptions(data: bytes | None) -> dict[str, str]:
    """slug → description, from the published ``course.yaml`` (validated when it was
    published, so only its shape is read here)."""
    root = _top("course.yaml", data) if data else None
    found = root.get("misconceptions") if root is not None else None
    if found is None or found.kind != "map":
        return {}
    return {k.value: v.value for k, v in found.pairs if v.kind == "scalar"}


def quiz_paths(files: Mapping[str, bytes]) -> dict[str, str]:
    """quiz id → the path of its file (``id:`` or, by default, the file's stem)."""
    paths: dict[str, str] = {}
    for path, data in files.items():
        if not path.startswith("quizzes/"):
            continue
        root = _top(path, data)
        node = root.get("id") if root is not None else None
        stem = path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        paths[node.value if node is not None and node.kind == "scalar" else stem] = path
    return paths


# --- The YAML that tags a candidate -------------------------------------------------


def _q(text: str) -> str:
    """A YAML double-quoted scalar (JSON's string syntax is valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def suggest_slug(answer: str, taken: Iterable[str]) -> str:
    """A new misconception slug from the answer's words, not one already in use."""
    base = slugify(answer)[:40].strip("-") or "misconception"
    used = set(taken)
    slug, n = base, 2
    while slug in used:
        slug, n = f"{base}-{n}", n + 1
    return slug


def tag_yaml(question: AnyQuestion, key: str, answer: str, slug: str) -> str:
    """The quiz YAML that names ``slug`` on the wrong answer ``key`` of ``question``:
    the choice written in map form, or the ``wrong`` entry with its feedback kept."""
    if isinstance(question, ChoiceQuestion | MultiChoiceQuestion):
        choice: Option | None = next((c for c in question.choices if c.id == key), None)
        lines = [
            f"  - id: {question.id}",
            "    choices:        # replace this choice's item with:",
            f"      - text: {_q(choice.text if choice else answer)}",
        ]
        if choice is not None and choice.feedback:
            lines.append(f"        feedback: {_q(choice.feedback)}")
        lines.append(f"        misconception: {slug}")
        return "\n".join(lines)
    feedback = None
    if isinstance(question, TextQuestion):
        entry = known_wrong(question, answer)
        feedback = entry.feedback if entry is not None else None
        answer = entry.text if entry is not None else answer
    inner = f"feedback: {_q(feedback)}, " if feedback else ""
    return "\n".join(
        [
            f"  - id: {question.id}",
            "    wrong:          # add, or replace this answer's entry with:",
            f"      {_q(answer)}: {{{inner}misconception: {slug}}}",
        ]
    )


def course_yaml(slug: str, answer: str) -> str:
    """The ``course.yaml`` lines that declare ``slug`` (the description is the author's)."""
    return "\n".join(
        [
            "misconceptions:   # once; add the line below under it if it is there",
            f"  {slug}: {_q(f'TODO: what a learner who answers “{answer}” believes')}",
        ]
    )
