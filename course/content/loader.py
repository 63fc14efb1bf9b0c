"""A whole content root → one validated :class:`ContentBundle`, or every problem.

All-or-nothing: when any file has a problem the bundle is ``None`` and the report
lists every problem of every file, so nothing from a broken root is ever loaded.
"""

from __future__ import annotations

import contextlib
import difflib
import gc
import hashlib
import os
import re
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from course.content.diagnostics import Diagnostic, Report
from course.content.lessons import read_lesson
from course.content.markdown import local_media_path, render_html, slugify
from course.content.model import ContentBundle, CourseInfo, Lesson, Quiz
from course.content.quizzes import read_quiz
from course.content.reader import ID_PATTERN, Reader
from course.content.schema import COURSE_FIELDS
from course.content.yamlsafe import MAX_FILE_BYTES, Node, YamlError, decode, parse_recovering

QUIZ_SUFFIXES = (".yaml", ".yml")


def media_url(course_id: str, path: str) -> str:
    """Where the web app serves a content root's media file."""
    return f"/media/{course_id}/{path}"


def _course_info(root: Path, shown: str, report: Report) -> CourseInfo:
    default_id = root.resolve().name
    if not ID_PATTERN.fullmatch(default_id):
        default_id = "course"
    path = root / "course.yaml"
    if not path.exists():
        return CourseInfo(id=default_id, title=default_id.replace("-", " ").title())
    display = os.path.normpath(os.path.join(shown, "course.yaml"))
    try:
        text = decode(display, path.read_bytes())
    except YamlError as exc:
        report.extend(exc.problems)
        return CourseInfo(id=default_id, title=default_id)
    node, found, _ = parse_recovering(display, text)
    reader = Reader(display)
    reader.problems.extend(found)
    values = {}
    if node is not None:
        read = reader.mapping(node, COURSE_FIELDS, "course.yaml") or {}
        values = {k: v for k, (_, v) in read.items()}
        for key, value in (node.get("misconceptions") or Node("map", 1, 1)).pairs:
            if not ID_PATTERN.fullmatch(key.value):
                reader.error(
                    key, f"misconception {key.value!r} is not a slug (letters, digits, -, _)"
                )
            elif value.kind == "scalar" and not value.is_null and not value.value.strip():
                reader.error(value, f"misconception '{key.value}' needs a one-line description")
        retention = values.get("desired_retention")
        if retention is not None and not 0.7 <= retention <= 0.97:
            at = read["desired_retention"][0]
            reader.error(at, f"desired_retention {retention} is outside 0.70–0.97")
        for name in ("learning_steps", "relearning_steps"):
            if name in values:
                values[name] = _steps(reader, read[name][0], name, values[name])
    report.extend(reader.problems)
    return CourseInfo(
        id=values.get("id", default_id),
        title=values.get("title", default_id),
        description=values.get("description", ""),
        desired_retention=values.get("desired_retention", 0.9),
        new_per_day=values.get("new_per_day", 20),
        max_reviews_per_day=values.get("max_reviews_per_day", 200),
        misconceptions=tuple(values.get("misconceptions", {}).items()),
        learning_steps=values.get("learning_steps", (1, 10)),
        relearning_steps=values.get("relearning_steps", (10,)),
        learn_ahead_minutes=values.get("learn_ahead_minutes", 20),
        leech_lapses=values.get("leech_lapses", 8),
    )


_STEP = re.compile(r"(\d{1,4})\s*(m|min|h)?")
_STEP_LIMIT = 24 * 60  # steps are minutes to hours; days are FSRS's business


def _steps(reader: Reader, at: Node, name: str, texts: list[str]) -> tuple[int, ...]:
    """``[1m, 10m]`` (or plain minutes, or hours with ``h``) → minutes."""
    minutes: list[int] = []
    for text in texts:
        match = _STEP.fullmatch(text.strip())
        value = int(match.group(1)) * (60 if match.group(2) == "h" else 1) if match else 0
        if not match or not 1 <= value < _STEP_LIMIT:
            reader.error(
                at,
                f"{name}: {text!r} is not a step; write minutes like 10m or hours like 1h, "
                "from 1 minute to under a day",
            )
            return ()
        minutes.append(value)
    return tuple(minutes)


def _files(folder: Path, suffixes: tuple[str, ...]) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in suffixes)


def _read_bytes(path: Path, display: str, report: Report) -> bytes | None:
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        report.add(display, 1, 1, f"file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,} bytes")
        return None
    return path.read_bytes()


def _media_exists(root: Path) -> Callable[[str], bool]:
    resolved_root = root.resolve()

    def exists(rel: str) -> bool:
        safe = local_media_path(rel)
        if safe is None:
            return False
        target = (resolved_root / safe).resolve()
        return target.is_relative_to(resolved_root) and target.is_file()

    return exists


QuizCheck = Callable[[str, Quiz], list[Diagnostic]]


@dataclass
class _Load:
    """State of one load: where to report, what was read, what goes into the hash."""

    root: Path
    shown: str
    report: Report
    course: CourseInfo
    media_root: Path
    hasher: Any = field(default_factory=hashlib.sha256)
    lessons: dict[str, Lesson] = field(default_factory=dict)
    quizzes: dict[str, Quiz] = field(default_factory=dict)
    media: set[str] = field(default_factory=set)
    broken_lessons: set[str] = field(default_factory=set)  # file stems of lessons with errors
    partial_lessons: dict[str, Lesson] = field(default_factory=dict)  # those, as far as read

    def files(self, folder: str, suffixes: tuple[str, ...]) -> Iterator[tuple[Path, str, bytes]]:
        """(path, display path, bytes) of each readable file, each added to the hash."""
        for path in _files(self.root / folder, suffixes):
            display = os.path.normpath(os.path.join(self.shown, folder, path.name))
            data = _read_bytes(path, display, self.report)
            if data is not None:
                self.hasher.update(f"{folder}/{path.name}\0".encode() + data + b"\0")
                yield path, display, data


def _load_lessons(load: _Load) -> None:
    exists = _media_exists(load.media_root)
    course_id = load.course.id
    for path, display, data in load.files("lessons", (".md",)):
        read = read_lesson(display, data, path.stem, exists, lambda p: media_url(course_id, p))
        load.report.extend(read.problems)
        load.report.warnings.extend(read.warnings)
        lesson = read.lesson
        if lesson is None:
            load.broken_lessons.add(path.stem)
            if read.partial is not None:  # quizzes' sections are still checked against it
                load.broken_lessons.add(read.partial.id)
                load.partial_lessons.setdefault(read.partial.id, read.partial)
            continue
        if lesson.id in load.lessons:
            other = load.lessons[lesson.id].path
            load.report.add(display, 1, 1, f"duplicate lesson id '{lesson.id}' (also in {other})")
            continue
        load.lessons[lesson.id] = lesson
        load.media.update(lesson.media)


def _load_quizzes(load: _Load, check_quiz: QuizCheck | None) -> None:
    for path, display, data in load.files("quizzes", QUIZ_SUFFIXES):
        read = read_quiz(display, data, path.stem)
        load.report.extend(read.problems)
        load.report.warnings.extend(read.warnings)
        if check_quiz is not None and read.partial is not None:
            load.report.extend(check_quiz(display, read.partial))
        lesson_ref = read.lesson_ref
        known = load.lessons
        if lesson_ref is not None and lesson_ref[0] in load.broken_lessons:
            if lesson_ref[0] in load.partial_lessons:  # its headings still check sections
                known = {**load.lessons, lesson_ref[0]: load.partial_lessons[lesson_ref[0]]}
            else:
                lesson_ref = None  # its own errors are reported; "does not exist" would mislead
        anchors = _check_refs(display, lesson_ref, read.section_refs, known, load.report)
        _check_misconceptions(display, read.misconception_refs, load.course, load.report)
        quiz = _with_sections(read.quiz, anchors) if read.quiz is not None else None
        lesson = load.lessons.get(read.lesson_ref[0]) if read.lesson_ref else None
        if quiz is not None and lesson is not None and lesson.draft and not quiz.draft:
            at = read.lesson_ref[1] if read.lesson_ref else Node("scalar", 1, 1)
            load.report.warnings.append(
                Diagnostic(
                    display,
                    at.line,
                    at.col,
                    f"lesson '{lesson.id}' is a draft, so this quiz is not published either "
                    "until the lesson is (or mark the quiz draft: true too)",
                )
            )
        if quiz is None:
            continue
        if quiz.id in load.quizzes:
            other = load.quizzes[quiz.id].path
            load.report.add(display, 1, 1, f"duplicate quiz id '{quiz.id}' (also in {other})")
            continue
        load.quizzes[quiz.id] = quiz


@contextlib.contextmanager
def gc_paused() -> Generator[None, None, None]:
    """Pause the cyclic garbage collector while a root is read.

    Reading allocates hundreds of thousands of short-lived objects (YAML nodes) next to
    the long-lived ones of the bundle, so collections run often and each walks the
    growing bundle: a third of the time of a big root. The reader makes little cyclic
    garbage; what it makes is collected once the collector runs again. A collector
    already paused (by the caller, or another thread reading) is left paused.

    On the way out, what was allocated meanwhile is moved to the oldest generation
    (``gc.freeze`` then ``gc.unfreeze``, two list splices) instead of being left young:
    otherwise the first collection after the pause walks the whole new bundle, and
    again when it is promoted (a twentieth of reading a big root). Cyclic garbage
    made meanwhile is then found by the next full collection. Skipped when something
    else has frozen objects, which ``gc.unfreeze`` would release.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        if gc.get_freeze_count() == 0:
            gc.freeze()
            gc.unfreeze()
        gc.enable()


def load_root(
    root: Path, check_quiz: QuizCheck | None = None, media_root: Path | None = None
) -> tuple[ContentBundle | None, Report]:
    """Read and validate the content root at ``root``.

    ``check_quiz`` adds checks of other layers (the grader runs authored examples); it
    sees every quiz, even one with problems elsewhere in its file. ``media_root`` is
    where the lessons' media files are looked for (default: ``root``), for a root whose
    text files were written out from the database's versions.

    Returns:
        The bundle and an empty report, or ``None`` and a report of every problem.
    """
    with gc_paused():
        return _load_root(root, check_quiz, media_root)


def _load_root(
    root: Path, check_quiz: QuizCheck | None, media_root: Path | None
) -> tuple[ContentBundle | None, Report]:
    report = Report()
    shown = str(root)
    if not root.is_dir():
        report.add(shown, 1, 1, "content root is not a folder")
        return None, report
    if not (root / "lessons").is_dir() and not (root / "quizzes").is_dir():
        report.add(shown, 1, 1, "content root has neither lessons/ nor quizzes/")
        return None, report
    media = root if media_root is None else media_root
    load = _Load(root, shown, report, _course_info(root, shown, report), media)
    _load_lessons(load)
    _load_quizzes(load, check_quiz)
    _hash_course_and_media(load)
    if not report.ok:
        return None, report
    bundle = ContentBundle(
        course=load.course,
        lessons=tuple(sorted(load.lessons.values(), key=lambda les: (les.order, les.id))),
        quizzes=tuple(load.quizzes.values()),
        content_hash=load.hasher.hexdigest(),
        root=str(root.resolve()),
        description_html=render_html(load.course.description),
    )
    return bundle, report


def _hash_course_and_media(load: _Load) -> None:
    """Add ``course.yaml`` and the media the lessons show to the content hash."""
    if (load.root / "course.yaml").exists():
        load.hasher.update(b"course.yaml\0" + (load.root / "course.yaml").read_bytes())
    for rel in sorted(load.media):
        target = load.media_root / rel
        if target.is_file():
            load.hasher.update(f"{rel}\0".encode() + target.read_bytes())


def course_id_of(root: Path) -> str:
    """The id of the course at ``root``: its ``course.yaml`` id, or the folder's name."""
    return _course_info(root, str(root), Report()).id


def root_digest(root: Path) -> tuple[str, str]:
    """The course id and content hash :func:`load_root` would give ``root``, cheaply.

    Quiz files are hashed without being read; lessons are read for the media they
    show, which the hash covers. Nothing is validated: equal to a served version's
    hash means the same files (and media) that were validated when it was stored.
    """
    report = Report()
    shown = str(root)
    with gc_paused():
        load = _Load(root, shown, report, _course_info(root, shown, report), root)
        _load_lessons(load)
        for _ in load.files("quizzes", QUIZ_SUFFIXES):
            pass
        _hash_course_and_media(load)
    return load.course.id, load.hasher.hexdigest()


def _check_refs(
    display: str,
    lesson_ref: tuple[str, Node] | None,
    section_refs: list[tuple[str, Node, str]],
    lessons: dict[str, Lesson],
    report: Report,
) -> dict[str, str]:
    """Check the lesson and section references; return question id → resolved anchor."""
    if lesson_ref is None:
        return {}
    name, node = lesson_ref
    lesson = lessons.get(name)
    if lesson is None:
        known = ", ".join(sorted(lessons)) or "none"
        report.problems.append(
            Diagnostic(
                display,
                node.line,
                node.col,
                f"lesson '{name}' does not exist (lessons: {known})",
            )
        )
        return {}
    resolved: dict[str, str] = {}
    for section, at, qid in section_refs:
        if section in lesson.anchors:
            continue
        matches = _headings_named(lesson, section)
        if len(matches) == 1:
            resolved[qid] = matches[0]
            report.warnings.append(
                Diagnostic(
                    display,
                    at.line,
                    at.col,
                    f"section '{section}' is a heading's text, not its anchor; did you mean "
                    f"`{matches[0]}`? (used; write section: {matches[0]})",
                )
            )
            continue
        if matches:
            hint = "; it could be " + " or ".join(f"`{m}`" for m in matches) + ": name one"
        else:
            close = difflib.get_close_matches(
                slugify(section), sorted(lesson.anchors), n=1, cutoff=0.6
            )
            hint = (
                f"; did you mean `{close[0]}`?"
                if close
                else (f"; headings: {', '.join(sorted(lesson.anchors)) or 'none'}")
            )
        report.problems.append(
            Diagnostic(
                display,
                at.line,
                at.col,
                f"section '{section}' is not a heading anchor of lesson '{name}'{hint}",
            )
        )
    return resolved


def _headings_named(lesson: Lesson, text: str) -> list[str]:
    """Anchors of the headings whose text is ``text`` (case, accents, punctuation aside)."""
    wanted = slugify(text)
    return [h.anchor for h in lesson.headings if slugify(h.text) == wanted]


def _with_sections(quiz: Quiz, anchors: dict[str, str]) -> Quiz:
    """The quiz with sections written as heading text replaced by their anchors."""
    if not anchors:
        return quiz
    definitions = tuple(
        {**d, "section": anchors[d["id"]]} if d["id"] in anchors else d for d in quiz.definitions
    )
    questions = tuple(
        replace(q, section=anchors[q.id]) if q.id in anchors else q for q in quiz.questions
    )
    return replace(quiz, definitions=definitions, questions=questions)


def _check_misconceptions(
    display: str, refs: list[tuple[str, Node]], course: CourseInfo, report: Report
) -> None:
    known = dict(course.misconceptions)
    for slug, at in refs:
        if slug in known:
            continue
        close = difflib.get_close_matches(slug, sorted(known), n=1)
        hint = (
            f"did you mean '{close[0]}'?"
            if close
            else "list it under 'misconceptions:' in course.yaml"
            + (f" (known: {', '.join(sorted(known))})" if known else "")
        )
        report.problems.append(
            Diagnostic(display, at.line, at.col, f"unknown misconception '{slug}'; {hint}")
        )


def published(bundle: ContentBundle) -> ContentBundle:
    """What learners may see: the bundle without drafts (contract v1.1).

    Draft lessons and quizzes, and draft questions inside a quiz, are validated like
    the rest but left out. A quiz paired with a draft lesson, or whose questions are
    all drafts, is left out too.
    """
    lessons = tuple(les for les in bundle.lessons if not les.draft)
    live = {les.id for les in lessons}
    quizzes = []
    for quiz in bundle.quizzes:
        if quiz.draft or quiz.lesson not in live:
            continue
        keep = [i for i, q in enumerate(quiz.questions) if not q.draft]
        if not keep:
            continue
        if len(keep) < len(quiz.questions):
            quiz = replace(
                quiz,
                questions=tuple(quiz.questions[i] for i in keep),
                definitions=tuple(quiz.definitions[i] for i in keep),
            )
        quizzes.append(quiz)
    return replace(bundle, lessons=lessons, quizzes=tuple(quizzes))


def unpublished(bundle: ContentBundle) -> list[str]:
    """What :func:`published` leaves out, named for a person: "lesson 'x'", "quiz 'y'"…"""
    live = published(bundle)
    lessons = {les.id for les in live.lessons}
    quizzes = {quiz.id: {q.id for q in quiz.questions} for quiz in live.quizzes}
    names = [f"lesson '{les.id}'" for les in bundle.lessons if les.id not in lessons]
    for quiz in bundle.quizzes:
        if quiz.id not in quizzes:
            names.append(f"quiz '{quiz.id}'")
            continue
        names.extend(
            f"question '{q.id}' of quiz '{quiz.id}'"
            for q in quiz.questions
            if q.id not in quizzes[quiz.id]
        )
    return names
