"""Import GIFT and Moodle XML into a content root; export quizzes to them.

The conversion itself is pure (:mod:`course.interop`); this module reads and writes
the files: the quiz YAML under ``quizzes/``, embedded images under ``media/``, never
overwriting without ``force``, and validates the whole root afterwards.
"""

from __future__ import annotations

import enum
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from course.content.loader import load_root
from course.content.markdown import slugify
from course.content.model import ContentBundle, Quiz
from course.content.reader import ID_PATTERN
from course.errors import Conflict, InvalidInput, NotFound
from course.grading.examples import check_examples
from course.interop import gift
from course.interop.convert import Conversion, build_quiz
from course.interop.source import SourceQuestion
from course.outputs import check_output, write_output
from course.services.authz import Actor, require_course_author
from course.services.content_sync import disk_files, validate_root
from course.store.content import LessonRow
from course.store.engine import read_only

if TYPE_CHECKING:
    from course.interop.export import Export

MAX_SOURCE_BYTES = 20 * 1024 * 1024


class Format(enum.StrEnum):
    GIFT = "gift"
    MOODLE_XML = "moodle-xml"


@dataclass
class ImportResult:
    """What an import wrote (or would write, for a dry run) and its report."""

    conversion: Conversion
    quiz_path: Path | None
    media: list[Path] = field(default_factory=list)
    lesson: str = ""
    validation: list[str] = field(default_factory=list)  # problems of the root afterwards


def read_source(data: bytes, fmt: Format) -> tuple[list[SourceQuestion], list[str]]:
    """Parse an uploaded or read file; ``line: message`` errors, all of them.

    Raises:
        InvalidInput: the file is not text/XML at all, or too large.
    """
    if len(data) > MAX_SOURCE_BYTES:
        raise InvalidInput(f"the file is over {MAX_SOURCE_BYTES:,} bytes")
    if fmt is Format.GIFT:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidInput(
                f"the GIFT file is not UTF-8 (byte {exc.start}); save it as UTF-8"
            ) from exc
        parsed = gift.parse(text)
        return parsed.questions, [str(e) for e in parsed.errors]
    from course.interop import moodle_xml  # lxml: loaded when a Moodle file is read

    try:
        xml = moodle_xml.parse(data)
    except moodle_xml.MoodleXmlError as exc:
        raise InvalidInput(str(exc)) from exc
    return xml.questions, list(xml.errors)


def convert_source(
    data: bytes, fmt: Format, *, quiz_id: str, lesson: str, title: str
) -> Conversion:
    """Parse and convert; malformed input raises with every ``line: message``."""
    questions, errors = read_source(data, fmt)
    if errors:
        raise InvalidInput("\n".join(errors))
    if not questions:
        raise InvalidInput("the file holds no question")
    return build_quiz(questions, quiz_id=quiz_id, lesson=lesson, title=title)


def _lesson_for(root: Path, lesson: str | None, quiz_id: str | None = None) -> str:
    bundle, _ = load_root(root)
    if bundle is not None and quiz_id is not None:
        for quiz in bundle.quizzes:
            if quiz.id == quiz_id and Path(quiz.path).name != f"{quiz_id}.yaml":
                raise Conflict(
                    f"quiz id '{quiz_id}' is already used by {quiz.path}; choose another "
                    "with --quiz"
                )
    return _pick_lesson(_lesson_ids(root, bundle), lesson, where=str(root))


def _pick_lesson(known: set[str], lesson: str | None, where: str) -> str:
    """The lesson a converted quiz belongs to: the one named, or the only one there is."""
    if lesson:
        if lesson not in known:  # the quiz would fail validation: refused before writing
            raise NotFound(
                f"no lesson '{lesson}' in {where}; "
                + (
                    f"lessons: {', '.join(sorted(known))}"
                    if known
                    else "it has no lesson yet: add the lesson first (e.g. `course "
                    "import-article`), then import the quiz"
                )
            )
        return lesson
    if len(known) == 1:
        return next(iter(known))
    raise InvalidInput(
        "say which lesson the quiz belongs to with --lesson "
        f"({', '.join(sorted(known)) or 'the root has no lesson yet'})"
    )


def _lesson_ids(root: Path, bundle: ContentBundle | None) -> set[str]:
    if bundle is not None:
        return {les.id for les in bundle.lessons}
    return (
        {p.stem for p in (root / "lessons").glob("*.md")} if (root / "lessons").is_dir() else set()
    )


def import_file(
    source: Path,
    root: Path,
    fmt: Format,
    *,
    quiz_id: str | None = None,
    lesson: str | None = None,
    title: str | None = None,
    force: bool = False,
    dry_run: bool = False,
) -> ImportResult:
    """Convert ``source`` into ``root/quizzes/<quiz_id>.yaml`` (and ``root/media/``).

    Raises:
        InvalidInput: malformed input (every ``line: message``), nothing importable.
        NotFound: the lesson does not exist.
        Conflict: the quiz file exists and ``force`` is not set.
    """
    try:
        data = source.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"cannot read {source}: {exc.strerror}") from exc
    questions, errors = read_source(data, fmt)  # the question cap, before heavy work
    if errors:
        raise InvalidInput("\n".join(errors))
    qid = quiz_id or slugify(source.stem)
    _check_slug(qid, "quiz id", "--quiz")
    if lesson is not None:
        _check_slug(lesson, "lesson id", "--lesson")
    paired = _lesson_for(root, lesson, qid)
    if not questions:
        raise InvalidInput("the file holds no question")
    conversion = build_quiz(
        questions, quiz_id=qid, lesson=paired, title=title or source.stem.replace("_", " ")
    )
    result = ImportResult(conversion, None, lesson=paired)
    if not conversion.quiz["questions"]:
        raise InvalidInput("no question could be imported:\n" + conversion.report())
    target = root / "quizzes" / f"{qid}.yaml"
    check_output(target, f"{qid}.yaml")
    if target.exists() and not force:
        raise Conflict(f"{target} exists; use --force to overwrite it or --quiz for another id")
    _check_in_root(root, f"quizzes/{qid}.yaml", conversion.yaml())
    if dry_run:
        return result
    write_output(target, conversion.yaml(), f"{qid}.yaml")
    result.quiz_path = target
    for name, content in sorted(conversion.media.items()):
        path = root / "media" / name
        write_output(path, content, name)
        result.media.append(path)
    _, report = validate_root(root)
    result.validation = report.lines()
    return result


def _check_in_root(root: Path, rel: str, text: str) -> None:
    """Validate the root with the quiz added, before writing it: each question passed on
    its own, but the root decides the rest (its lesson exists under that id, its quiz
    id is not taken…). A problem the quiz adds refuses the import, so the file written
    always passes `course validate`; problems the root had already are its own,
    reported after writing as before.

    Raises:
        InvalidInput: adding the quiz would add problems to the root (listed).
    """
    files = disk_files(root)
    with tempfile.TemporaryDirectory(prefix="course-import-") as tmp:
        copy = Path(tmp) / (root.resolve().name or "course")
        for path, data in files.items():
            (copy / path).parent.mkdir(parents=True, exist_ok=True)
            (copy / path).write_bytes(data)
        copy.mkdir(exist_ok=True)
        _, before = load_root(copy, check_examples, media_root=root)
        (copy / rel).parent.mkdir(parents=True, exist_ok=True)
        (copy / rel).write_text(text, encoding="utf-8")
        _, after = load_root(copy, check_examples, media_root=root)
    known = set(before.lines())
    added = [line.replace(str(copy), str(root)) for line in after.lines() if line not in known]
    if added:
        raise InvalidInput(
            f"the converted quiz would not pass `course validate` in {root}, so nothing "
            "was written:\n" + "\n".join(added)
        )


def _check_slug(value: str, what: str, option: str) -> None:
    """Ids become file names: only a slug, never a path (``../x``, ``/tmp/x``)."""
    if not ID_PATTERN.fullmatch(value):
        raise InvalidInput(
            f"{value!r} is not a valid {what} ({option}): use 1 to 100 letters, digits, "
            "- and _, starting with a letter or digit (no '/', '.' or spaces), "
            "e.g. moscow-quiz"
        )


def find_quiz(root: Path, quiz_id: str) -> Quiz:
    """A validated quiz of a content root.

    Raises:
        InvalidInput: the root has problems (they are listed).
        NotFound: no quiz has that id.
    """
    return _find_quiz(root, quiz_id)[0]


def _find_quiz(root: Path, quiz_id: str) -> tuple[Quiz, ContentBundle]:
    bundle, report = validate_root(root)
    if bundle is None:
        raise InvalidInput("the content root has problems:\n" + "\n".join(report.lines()))
    for quiz in bundle.quizzes:
        if quiz.id == quiz_id:
            return quiz, bundle
    known = ", ".join(sorted(q.id for q in bundle.quizzes))
    raise NotFound(f"no quiz '{quiz_id}' in {root}; quizzes: {known}")


def _withheld(quiz: Quiz, bundle: ContentBundle) -> str | None:
    """Why no question of ``quiz`` is published, if so: the quiz or its lesson is a draft."""
    if quiz.draft:
        return "the quiz is a draft (draft: true)"
    if any(les.id == quiz.lesson and les.draft for les in bundle.lessons):
        return f"its lesson '{quiz.lesson}' is a draft (draft: true)"
    return None


def export_quiz(root: Path, quiz_id: str, fmt: Format) -> Export:
    """A quiz of ``root`` written as GIFT or Moodle XML, with what could not be carried.

    Only what learners are shown goes out: draft questions are left out, and all of a
    draft quiz or of a quiz of a draft lesson, each named in the report.
    """
    quiz, bundle = _find_quiz(root, quiz_id)
    from course.interop.export import export_gift, export_moodle_xml  # lxml, when used

    withheld = _withheld(quiz, bundle)
    if fmt is Format.GIFT:
        return export_gift(quiz, withheld)
    return export_moodle_xml(quiz, withheld)


def format_for(filename: str) -> Format:
    """GIFT for .gift/.txt, Moodle XML for .xml."""
    suffix = Path(filename).suffix.lower()
    if suffix in (".gift", ".txt"):
        return Format.GIFT
    if suffix == ".xml":
        return Format.MOODLE_XML
    raise InvalidInput("Upload a GIFT file (.gift or .txt) or a Moodle XML export (.xml).")


def import_lessons(session: Session, actor: Actor, course_id: str) -> list[str]:
    """The lessons an imported quiz may belong to, for an author of the course.

    Raises:
        PermissionDenied: not an author of the course (see ``require_course_author``).
    """
    with session.begin():
        read_only(session)
        require_course_author(session, actor, course_id)
        return list(
            session.scalars(
                select(LessonRow.slug)
                .where(LessonRow.course_id == course_id, LessonRow.retired_at.is_(None))
                .order_by(LessonRow.position)
            )
        )


def preview_import(
    session: Session,
    actor: Actor,
    course_id: str,
    filename: str,
    data: bytes,
    quiz_id: str,
    lesson: str,
) -> Conversion:
    """Convert an uploaded GIFT/Moodle XML file for the browser: the report and the YAML,
    nothing written (publishing goes through the authoring page's validate-and-sync).

    Raises:
        PermissionDenied: not an instructor. InvalidInput: malformed file (every
        ``line: message``), no lesson, a bad quiz id.
    """
    known = set(import_lessons(session, actor, course_id))
    fmt = format_for(filename)
    qid = quiz_id.strip() or slugify(Path(filename).stem)
    if not ID_PATTERN.fullmatch(qid):
        raise InvalidInput(f"{qid!r} is not a quiz id: use letters, digits, - and _.")
    paired = _pick_lesson(known, lesson.strip() or None, where=f"course '{course_id}'")
    conversion = convert_source(
        data, fmt, quiz_id=qid, lesson=paired, title=Path(filename).stem.replace("_", " ")
    )
    if conversion.media:
        conversion.notes.append(
            f"{len(conversion.media)} embedded image(s) cannot be published from the browser "
            "yet: import the file with `course import-moodle-xml` to keep them"
        )
    return conversion
