"""Lesson Markdown with YAML front matter → :class:`Lesson`."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from course.content.diagnostics import Diagnostic
from course.content.markdown import MEDIA_TYPES, render
from course.content.model import Heading, Lesson
from course.content.reader import Reader, default_id_problem
from course.content.schema import LESSON_FIELDS, SOURCE_FIELDS
from course.content.yamlsafe import YamlError, decode, parse_recovering

WORDS_PER_MINUTE = 200
_FRONT = re.compile(r"\A---[ \t]*\r?\n(.*?\r?\n)?---[ \t]*(?:\r?\n|\Z)", re.DOTALL)


@dataclass
class LessonRead:
    lesson: Lesson | None
    problems: list[Diagnostic]
    warnings: list[Diagnostic] = field(default_factory=list)
    # A lesson with problems, as far as it could be read (its id, headings): only for
    # checking what quizzes say about it, so its problems do not hide theirs.
    partial: Lesson | None = None


def reading_minutes(markdown: str) -> int:
    """Estimated reading time at 200 words a minute, at least one minute."""
    words = len(re.findall(r"\w+", markdown))
    return max(1, math.ceil(words / WORDS_PER_MINUTE))


def split_front_matter(text: str) -> tuple[str | None, str, int]:
    """Return (front matter or None, body, line number where the body starts - 1)."""
    match = _FRONT.match(text)
    if not match:
        return None, text, 0
    front = match.group(1) or ""
    return front, text[match.end() :], text[: match.end()].count("\n")


def read_lesson(
    path: str,
    data: bytes,
    default_id: str,
    media_exists: Callable[[str], bool],
    media_url: Callable[[str], str] | None = None,
) -> LessonRead:
    """Validate and render one lesson file."""
    try:
        text = decode(path, data)
    except YamlError as exc:
        return LessonRead(None, exc.problems)
    front, body, body_offset = split_front_matter(text)
    reader = Reader(path)
    values: dict[str, object] = {}
    if front is None:
        reader.problems.append(
            Diagnostic(path, 1, 1, "lesson has no front matter; start it with ---, title: ..., ---")
        )
    else:
        values = _front_values(reader, front)
    bad_id = default_id_problem(path, values, default_id) if front is not None else None
    if bad_id is not None:
        reader.problems.append(bad_id)
    html, env = render(body, media_url)
    for bad in env.bad_media:
        line = _line_of(body, bad) + body_offset
        reader.problems.append(
            Diagnostic(
                path,
                line,
                1,
                f"media path {bad!r} leaves the content "
                "root; keep media inside it (e.g. media/map.png)",
            )
        )
    for media in env.media:
        line = _line_of(body, media) + body_offset
        ext = "." + media.rsplit(".", 1)[-1].lower() if "." in media else ""
        if ext not in MEDIA_TYPES:
            reader.problems.append(
                Diagnostic(
                    path,
                    line,
                    1,
                    f"media {media!r} has an unsupported "
                    f"type; use one of {', '.join(sorted(MEDIA_TYPES))}",
                )
            )
        elif not media_exists(media):
            reader.problems.append(
                Diagnostic(
                    path, line, 1, f"media file {media!r} does not exist in the content root"
                )
            )
    warnings = [
        Diagnostic(
            path,
            _line_of(body, src) + body_offset,
            1,
            f"image {src!r} is on another site: the page's content security policy lets "
            "images load only from this site, so learners would see a broken image. Save "
            "the image into media/ and link it relatively, e.g. ![caption](media/name.jpg) "
            "(credit the source in the caption)",
        )
        for src in dict.fromkeys(env.external_images)
    ]
    if "title" not in values:
        return LessonRead(None, reader.problems, warnings)
    try:
        lesson = _lesson(path, values, default_id, body, html, env)
    except (TypeError, ValueError):  # a field its own problem already reports
        return LessonRead(None, reader.problems, warnings)
    if reader.problems:
        return LessonRead(None, reader.problems, warnings, partial=lesson)
    return LessonRead(lesson, [], warnings)


def _lesson(
    path: str, values: dict[str, object], default_id: str, body: str, html: str, env: Any
) -> Lesson:
    source = values.get("source") or {}
    assert isinstance(source, dict)
    return Lesson(
        id=str(values.get("id", default_id)),
        title=str(values["title"]),
        order=int(values.get("order", 0)),  # type: ignore[call-overload]
        minutes=int(values.get("minutes") or reading_minutes(body)),  # type: ignore[call-overload]
        html=html,
        headings=tuple(Heading(level, text, anchor) for level, text, anchor in env.headings),
        source={str(k): str(v) for k, v in source.items()},
        markdown=body,
        path=path,
        media=tuple(dict.fromkeys(env.media)),
        draft=bool(values.get("draft", False)),
    )


def _front_values(reader: Reader, front: str) -> dict[str, object]:
    """The front matter's values; its problems go to ``reader``."""
    path = reader.path
    root, found, broken = parse_recovering(path, front, line_offset=1)
    reader.problems.extend(found)
    if root is None:
        if not broken:
            reader.problems.append(Diagnostic(path, 1, 1, "front matter is empty; add title: ..."))
        return {}
    before = len(reader.problems)
    read = reader.mapping(root, LESSON_FIELDS, "lesson front matter")
    values: dict[str, object] = {k: v for k, (_, v) in (read or {}).items()}
    if read and "source" in read:
        # Each key of the source at its own position, unknown ones with a suggestion.
        source = reader.mapping(read["source"][1], SOURCE_FIELDS, "lesson 'source'")
        values["source"] = {k: v for k, (_, v) in (source or {}).items()}
    if broken:  # a key on a line blanked to read past a syntax error is not missing
        reader.problems[before:] = [
            p for p in reader.problems[before:] if "missing required key" not in p.message
        ]
    return values


def _line_of(body: str, needle: str) -> int:
    for number, line in enumerate(body.splitlines(), start=1):
        if needle in line:
            return number
    return 1
