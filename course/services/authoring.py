"""Authoring helpers: import an article as a lesson draft, draft a quiz from a lesson."""

from __future__ import annotations

import io
import os
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from course.clock import Clock
from course.content.diagnostics import Diagnostic
from course.content.drafting import Proposal, propose, render
from course.content.importer import ArticleImportError, ExtractorUnavailable, import_article
from course.content.lessons import read_lesson
from course.content.model import Quiz
from course.content.quizzes import read_quiz
from course.errors import Conflict, ContentInvalid, CourseError, InvalidInput
from course.grading.examples import check_examples
from course.services.authz import Actor, require_staff
from course.services.content_sync import SyncResult, sync_root, validate_root

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
    except ExtractorUnavailable as exc:  # the installation, not the input, is at fault
        raise CourseError(str(exc)) from exc
    except ArticleImportError as exc:
        if "exists" in str(exc):
            raise Conflict(str(exc)) from exc
        raise InvalidInput(str(exc)) from exc


@dataclass(frozen=True)
class DraftResult:
    path: Path
    questions: int
    dropped: int


def _passes(lesson_id: str, title: str, proposals: list[Proposal]) -> bool:
    """The proposals read as a quiz and every example earns its stated score."""
    text = render(lesson_id, title, proposals, "check")
    quiz = read_quiz("draft.yaml", text.encode(), "draft").quiz
    return quiz is not None and not check_examples("draft.yaml", quiz)


def draft_quiz(
    lesson_path: Path, output: Path | None = None, force: bool = False, limit: int = 0
) -> DraftResult:
    """Propose a quiz for a lesson; every question's examples pass the real grader.

    Args:
        lesson_path: the lesson (Markdown with front matter).
        output: the quiz file to write (default: ``quizzes/<lesson-id>-draft.yaml``).
        force: overwrite an existing file.
        limit: keep at most this many questions (0: all).

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
    proposed = propose(data.decode("utf-8"))
    for proposal in proposed:  # a heading written with links or markup may anchor elsewhere
        if proposal.question.get("section") not in lesson.anchors:
            proposal.question.pop("section", None)
    kept = [p for p in proposed if _passes(lesson.id, lesson.title, [p])]
    if limit:
        kept = kept[:limit]
    if not kept or not _passes(lesson.id, lesson.title, kept):
        raise InvalidInput(f"no sentence of {lesson_path} suggested a question")
    target = output or lesson_path.parent.parent / "quizzes" / f"{lesson.id}-draft.yaml"
    if target.exists() and not force:
        raise Conflict(f"{target} exists; use --force to overwrite it")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render(lesson.id, lesson.title, kept, lesson_path.name), encoding="utf-8")
    return DraftResult(target, len(kept), len(proposed) - len(kept))


# --- Web authoring: upload or paste one file, preview it, publish it ---------------------

MAX_AUTHORED_BYTES = 1_000_000
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,99}\.(md|yaml|yml)")


@dataclass(frozen=True)
class AuthoredPreview:
    filename: str
    problems: tuple[Diagnostic, ...]  # of this file (the rest of the root must stay clean)
    warnings: tuple[Diagnostic, ...]  # of this file: shown, never blocking (contract v1.1)
    other_problems: tuple[str, ...]
    lesson_html: str | None
    quiz: Quiz | None
    lines: tuple[str, ...]  # the file's lines, for showing errors beside them

    @property
    def ok(self) -> bool:
        return not self.problems and not self.other_problems


def _target(root: Path, filename: str) -> Path:
    name = Path(filename).name.lower()
    if not _NAME.fullmatch(name):
        raise InvalidInput(
            "Name the file like my-lesson.md or my-quiz.yaml (lower-case letters, digits, - and _)."
        )
    folder = "lessons" if name.endswith(".md") else "quizzes"
    return root / folder / name


def _candidate_root(root: Path, target: Path, data: bytes, workdir: Path) -> tuple[Path, Path]:
    copy = workdir / "root"
    for part in ("lessons", "quizzes", "media"):
        if (root / part).is_dir():
            shutil.copytree(root / part, copy / part)
    if (root / "course.yaml").exists():
        shutil.copy(root / "course.yaml", copy / "course.yaml")
    placed = copy / target.relative_to(root)
    placed.parent.mkdir(parents=True, exist_ok=True)
    placed.write_bytes(data)
    return copy, placed


def preview(actor: Actor, root: Path, filename: str, data: bytes) -> AuthoredPreview:
    """Validate the content root as it would be with this file added or replaced.

    Instructors only: a preview shows the answers.
    """
    require_staff(actor)
    if len(data) > MAX_AUTHORED_BYTES:
        raise InvalidInput(
            f"The file is {len(data):,} bytes; the limit is {MAX_AUTHORED_BYTES:,} bytes."
        )
    target = _target(root, filename)
    with tempfile.TemporaryDirectory() as tmp:
        copy, placed = _candidate_root(root, target, data, Path(tmp))
        bundle, report = validate_root(copy)
        shown = str(placed)
        mine = tuple(p for p in report.problems if p.path == shown)
        warned = tuple(sorted(w for w in set(report.warnings) if w.path == shown))
        others = tuple(
            str(p).replace(str(copy), str(root)) for p in report.problems if p.path != shown
        )
        lesson_html = None
        quiz = None
        if bundle is not None:
            if target.suffix == ".md":
                lesson_html = next((les.html for les in bundle.lessons if les.path == shown), None)
            else:
                quiz = next((q for q in bundle.quizzes if q.path == shown), None)
    text = data.decode("utf-8", errors="replace")
    return AuthoredPreview(
        target.name,
        tuple(sorted(mine)),
        warned,
        others,
        lesson_html,
        quiz,
        tuple(text.splitlines()),
    )


@dataclass(frozen=True)
class Published:
    """A publish that landed: what the sync did, and the file's warnings (not blocking)."""

    sync: SyncResult
    warnings: tuple[Diagnostic, ...]


def publish(
    session: Session, clock: Clock, actor: Actor, root: Path, filename: str, data: bytes
) -> Published:
    """Write the file into the content root and sync; a broken result changes nothing.

    Raises:
        ContentInvalid: the root would have problems (nothing written).
    """
    checked = preview(actor, root, filename, data)
    if not checked.ok:
        raise ContentInvalid([str(p) for p in checked.problems] + list(checked.other_problems))
    target = _target(root, filename)
    previous = target.read_bytes() if target.exists() else None
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, target)  # atomic: readers see the old or the new file
    try:
        return Published(sync_root(session, clock, root), checked.warnings)
    except Exception:
        if previous is None:
            target.unlink(missing_ok=True)
        else:
            target.write_bytes(previous)
        raise


def content_zip(actor: Actor, root: Path) -> bytes:
    """The course's content (course.yaml, lessons, quizzes, media) as a zip (instructors:
    it holds the answer keys)."""
    require_staff(actor)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if (root / "course.yaml").exists():
            archive.write(root / "course.yaml", "course.yaml")
        for part in ("lessons", "quizzes", "media"):
            folder = root / part
            if not folder.is_dir():
                continue
            for path in sorted(folder.rglob("*")):
                if path.is_file() and not path.is_symlink() and not path.name.startswith("."):
                    archive.write(path, path.relative_to(root).as_posix())
    return buffer.getvalue()
