"""Authoring helpers: import an article as a lesson draft, draft a quiz from a lesson."""

from __future__ import annotations

import dataclasses
import difflib
import io
import json
import re
import shutil
import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath

from sqlalchemy.orm import Session

from course.clock import Clock
from course.content.diagnostics import Diagnostic
from course.content.drafting import Proposal, propose, render
from course.content.importer import ArticleImportError, ExtractorUnavailable, import_article
from course.content.lessons import read_lesson, split_front_matter
from course.content.loader import published
from course.content.markdown import render_html
from course.content.model import AnyQuestion, ContentBundle, Example, Quiz
from course.content.quizzes import read_quiz
from course.content.reader import Invalid, parse_bool
from course.content.yamlsafe import Node, YamlError, decode, parse
from course.errors import Conflict, ContentInvalid, CourseError, InvalidInput, NotFound
from course.formatting import format_when
from course.grading.examples import SCORE_TOLERANCE, ExampleError, check_examples, to_raw
from course.grading.registry import correct_answer, grade_response
from course.grading.result import FormatError, ResponseRejected
from course.outputs import check_folder, check_output, make_parents, unwritable, write_output
from course.services.authz import Actor, require_course_author
from course.services.catalog import LessonView, QuizLink
from course.services.content_sync import (
    NewVersion,
    Served,
    Superseded,
    SyncResult,
    commit_versions,
    served,
    sync_root,
    validate_files,
)
from course.services.questions import question_view
from course.services.views import QuestionView
from course.store import content as store
from course.store.content import ContentFile, ContentVersion, CourseRow, FileOrigin
from course.store.engine import read_only
from course.store.users import User

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
    check_folder(root / "lessons")  # a file where a folder must be
    try:
        return import_article(source, root / "lessons", url, title, publisher, force)
    except OSError as exc:  # the lesson (or lessons/) cannot be written
        raise unwritable(Path(exc.filename or root / "lessons"), exc) from exc
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
    check_output(target, f"{lesson.id}-draft.yaml")  # a folder is no file to overwrite
    if target.exists() and not force:
        raise Conflict(f"{target} exists; use --force to overwrite it")
    write_output(target, render(lesson.id, lesson.title, kept, lesson_path.name))
    return DraftResult(target, len(kept), len(proposed) - len(kept))


# --- Web authoring: every edit is a new file version in the database -------------------
#
# Web edits (upload, paste, the in-browser editor, revert) never write into the content
# root, which may be the installed package or a git checkout: each adds a version of
# one file (store.content.ContentFile) and serves the course rebuilt from the newest
# version of every file, validated first as a whole. See services/content_sync.py for
# how `course sync` merges a root from disk with these versions.

MAX_AUTHORED_BYTES = 1_000_000
MAX_MESSAGE_CHARS = 500
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,99}\.(md|yaml|yml)")


@dataclass(frozen=True)
class AuthoredPreview:
    filename: str  # the file's base name
    problems: tuple[Diagnostic, ...]  # of this file (the rest of the course must stay clean)
    warnings: tuple[Diagnostic, ...]  # of this file: shown, never blocking (contract v1.1)
    other_problems: tuple[str, ...]
    lesson_html: str | None
    quiz: Quiz | None
    lines: tuple[str, ...]  # the file's lines, for showing errors beside them
    path: str = ""  # relative to the content root: lessons/x.md, quizzes/y.yaml
    bundle: ContentBundle | None = None  # the whole course as it would be served

    @property
    def ok(self) -> bool:
        return not self.problems and not self.other_problems

    @property
    def draft(self) -> bool:
        """The file is a lesson or quiz learners will not see (``draft: true``, or a quiz
        of a draft lesson or of draft questions only): the rules of publishing."""
        if self.bundle is None:
            return False
        live = published(self.bundle)
        mine = [les.path for les in self.bundle.lessons] + [q.path for q in self.bundle.quizzes]
        shown = [les.path for les in live.lessons] + [q.path for q in live.quizzes]
        return self.path in mine and self.path not in shown


def _rel_path(filename: str, existing: Iterable[str] = ()) -> str:
    """The content path a file goes to: an existing path as it is (the editor names
    one), otherwise the base name only, under lessons/ (.md) or quizzes/ (.yaml)."""
    if filename in set(existing):
        return filename
    name = PurePosixPath(filename.replace("\\", "/")).name.lower()
    if not _NAME.fullmatch(name):
        raise InvalidInput(
            "Name the file like my-lesson.md or my-quiz.yaml "
            "(lower-case letters, digits, - and _).",
            field="filename",
        )
    folder = "lessons" if name.endswith(".md") else "quizzes"
    return f"{folder}/{name}"


def _check_size(data: bytes) -> None:
    if len(data) > MAX_AUTHORED_BYTES:
        raise InvalidInput(
            f"The file is {len(data):,} bytes; the limit is {MAX_AUTHORED_BYTES:,} bytes.",
            field="text",
        )


def _current(session: Session, clock: Clock, course_id: str) -> Served:
    """The files the course serves; a course synced before file versions existed first
    adopts the files of its content root (what it served until then)."""
    with session.begin():
        read_only(session)
        state = served(session, course_id)
        course = session.get(CourseRow, course_id)
        root = Path(course.content_root) if course is not None else None
    if state is not None:
        return state
    if root is None:
        raise NotFound(f"No course '{course_id}'.")
    if not root.is_dir():
        raise CourseError(
            f"The course has no stored files yet and its content root {root} is gone; "
            "run `course sync ROOT` once."
        )
    sync_root(session, clock, root)
    with session.begin():
        state = served(session, course_id)
    if state is None:
        raise CourseError(f"The content root {root} holds no course '{course_id}'.")
    return state


def _check(state: Served, rel: str, data: bytes) -> AuthoredPreview:
    files = {**state.data(), rel: data}
    bundle, report = validate_files(files, state.course_id, state.media_root)
    if bundle is not None and bundle.course.id != state.course_id:
        # The id names the course everywhere (URLs, classes, learner data): it is
        # changed, if ever, on disk with `course sync`, which makes a new course.
        report.add(rel, 1, 1, f"the course id must stay '{state.course_id}' here")
        bundle = None
    mine = tuple(sorted(p for p in set(report.problems) if p.path == rel))
    warned = tuple(sorted(w for w in set(report.warnings) if w.path == rel))
    others = tuple(str(p) for p in sorted(set(report.problems)) if p.path != rel)
    lesson_html = None
    quiz = None
    if bundle is not None:
        lesson_html = next((les.html for les in bundle.lessons if les.path == rel), None)
        quiz = next((q for q in bundle.quizzes if q.path == rel), None)
    text = data.decode("utf-8", errors="replace")
    return AuthoredPreview(
        PurePosixPath(rel).name,
        mine,
        warned,
        others,
        lesson_html,
        quiz,
        tuple(text.splitlines()),
        rel,
        bundle,
    )


def preview(
    session: Session, clock: Clock, actor: Actor, course_id: str, filename: str, data: bytes
) -> AuthoredPreview:
    """Validate the course as it would be with this file added or replaced; nothing is
    stored. Authors of the course only: a preview shows the answers."""
    with session.begin():
        require_course_author(session, actor, course_id)
    _check_size(data)
    state = _current(session, clock, course_id)
    return _check(state, _rel_path(filename, state.files), data)


def preview_file(
    session: Session, clock: Clock, actor: Actor, course_id: str, path: str
) -> AuthoredPreview:
    """A stored lesson or quiz checked as served, for its preview, drafts included (the
    authors' only way to see a ``draft: true`` file as learners would). Authors only."""
    with session.begin():
        require_course_author(session, actor, course_id)
    state = _current(session, clock, course_id)
    row = state.files.get(path)
    if row is None or row.data is None or not path.startswith(("lessons/", "quizzes/")):
        raise NotFound(f"The course serves no lesson or quiz file {path}.")
    return _check(state, path, row.data)


@dataclass(frozen=True)
class Published:
    """A publish that landed: what the sync did, the version made, and the file's
    warnings (not blocking). ``revision`` 0: the file was already so; nothing stored."""

    sync: SyncResult
    warnings: tuple[Diagnostic, ...]
    path: str = ""
    revision: int = 0


def _unchanged(session: Session, course_id: str) -> SyncResult:
    with session.begin():
        read_only(session)
        course = session.get(CourseRow, course_id)
        version = session.get(ContentVersion, course.version_id) if course else None
        if version is None:
            raise NotFound(f"No course '{course_id}'.")
        return SyncResult(course_id, version.id, version.content_hash, changed=False)


def _author_label(session: Session, actor: Actor) -> tuple[str, str]:
    """The actor as a file version names its author, and the zone they read times in."""
    with session.begin():
        user = session.get(User, actor.id)
        if user is None:
            return f"user {actor.id}", "UTC"
        return user.email, user.timezone


def _store(
    session: Session,
    clock: Clock,
    actor: Actor,
    course_id: str,
    rel_of: Callable[[Served], str],
    data_of: Callable[[Served, str], bytes],
    origin: FileOrigin,
    message: str,
    base_revision: int | None = None,
) -> Published:
    """Validate and store one new file version, again if someone published meanwhile."""
    if len(message) > MAX_MESSAGE_CHARS:
        raise InvalidInput(
            f"Keep the message under {MAX_MESSAGE_CHARS} characters.", field="message"
        )
    label, reader_zone = _author_label(session, actor)
    for _ in range(5):
        state = _current(session, clock, course_id)
        rel = rel_of(state)
        data = data_of(state, rel)
        _check_size(data)
        row = state.files.get(rel)
        now_revision = row.revision if row is not None else 0
        if base_revision is not None and base_revision != now_revision:
            who = f" by {row.author}, {format_when(row.created_at, reader_zone)}" if row else ""
            raise Conflict(
                f"{rel} changed since you opened it (version {base_revision} then, "
                f"{now_revision} now{who}). Your text is below, not saved: compare it "
                "with the history, then save again.",
                field="text",
            )
        if row is not None and row.data == data:
            return Published(_unchanged(session, course_id), (), rel, 0)
        checked = _check(state, rel, data)
        if not checked.ok or checked.bundle is None:
            raise ContentInvalid([str(p) for p in checked.problems] + list(checked.other_problems))
        new = NewVersion(rel, data, origin, label, actor.id, message.strip())
        try:
            result = commit_versions(session, clock, checked.bundle, [new], state.head)
        except Superseded:
            continue
        return Published(result, checked.warnings, rel, dict(result.stored)[rel])
    raise Conflict("Others are publishing to this course right now; try again in a moment.")


def publish(
    session: Session,
    clock: Clock,
    actor: Actor,
    course_id: str,
    filename: str,
    data: bytes,
    message: str = "",
    base_revision: int | None = None,
) -> Published:
    """Store the file as a new version and serve the course with it; a broken result
    changes nothing. ``base_revision`` (the editor's) refuses to overwrite a version
    made since the author opened the file.

    Raises:
        ContentInvalid: the course would have problems (nothing stored).
        Conflict: the file changed since ``base_revision``.
    """
    with session.begin():
        require_course_author(session, actor, course_id)
    return _store(
        session,
        clock,
        actor,
        course_id,
        lambda state: _rel_path(filename, state.files),
        lambda _state, _rel: data,
        FileOrigin.WEB,
        message,
        base_revision,
    )


def revert(
    session: Session,
    clock: Clock,
    actor: Actor,
    course_id: str,
    path: str,
    revision: int,
    message: str = "",
) -> Published:
    """Serve an earlier version of a file again, as a new version (the history keeps
    everything in between). Validated like any publish."""
    with session.begin():
        require_course_author(session, actor, course_id)
        rows = {row.revision: row for row in store.history(session, course_id, path)}
    old = rows.get(revision)
    if old is None:
        raise NotFound(f"{path} has no version {revision}.")
    if old.data is None:
        raise InvalidInput(f"Version {revision} of {path} records its removal; pick another.")
    note = f"Revert to version {revision}" + (f": {message.strip()}" if message.strip() else "")
    old_data = old.data
    return _store(
        session,
        clock,
        actor,
        course_id,
        lambda _state: path,
        lambda _state, _rel: old_data,
        FileOrigin.REVERT,
        note,
    )


@dataclass(frozen=True)
class FileVersionView:
    path: str
    revision: int
    origin: str
    author: str
    created_at: datetime
    message: str
    size: int
    removed: bool
    current: bool = False
    draft: str = ""  # why learners never see this lesson or quiz (see draft_marks)

    @property
    def previewable(self) -> bool:
        """A lesson or quiz (not course.yaml): it has a page as learners would see it."""
        return not self.removed and self.path.startswith(("lessons/", "quizzes/"))


@dataclass(frozen=True)
class FileView:
    """A file the course serves, with its newest version's text (for the editor)."""

    version: FileVersionView
    text: str
    versions: int


def _top(path: str, data: bytes) -> Node | None:
    """A lesson's front matter or a quiz's top-level mapping, parsed and nothing more;
    None when it cannot be read that far (publishing refused such a file anyway)."""
    try:
        text = decode(path, data)
        if path.endswith(".md"):
            text = split_front_matter(text)[0] or ""
        root, _ = parse(path, text)
    except YamlError:
        return None
    return root if root is not None and root.kind == "map" else None


def _flag(node: Node | None) -> bool:
    if node is None or node.kind != "map" or (value := node.get("draft")) is None:
        return False
    try:
        return parse_bool(value, "draft")
    except Invalid:
        return False


def _text(node: Node | None, key: str) -> str | None:
    value = node.get(key) if node is not None else None
    return value.value if value is not None and value.kind == "scalar" else None


def draft_marks(files: Mapping[str, bytes | None]) -> dict[str, str]:
    """The lessons and quizzes learners will not see, path → why: ``draft: true`` in
    the file, or for a quiz, its lesson being a draft or every question being one
    (the rules of content.loader.published). Read cheaply from each stored file's
    front matter or top-level YAML; nothing is validated or rendered."""
    tops = {
        path: _top(path, data)
        for path, data in files.items()
        if data is not None and path.startswith(("lessons/", "quizzes/"))
    }
    draft_lessons = {
        _text(top, "id") or PurePosixPath(path).stem
        for path, top in tops.items()
        if path.startswith("lessons/") and _flag(top)
    }
    marks: dict[str, str] = {}
    for path, top in tops.items():
        if _flag(top):
            marks[path] = "draft: true"
        elif path.startswith("quizzes/") and top is not None:
            lesson = _text(top, "lesson")
            questions = top.get("questions")
            if lesson in draft_lessons:
                marks[path] = f"its lesson '{lesson}' is a draft"
            elif questions is not None and questions.items and all(map(_flag, questions.items)):
                marks[path] = "every question in it is a draft"
    return marks


def _view(row: ContentFile, current: bool = False) -> FileVersionView:
    return FileVersionView(
        row.path,
        row.revision,
        row.origin.value,
        row.author,
        row.created_at,
        row.message,
        len(row.data) if row.data is not None else 0,
        row.data is None,
        current,
    )


def list_files(
    session: Session, clock: Clock, actor: Actor, course_id: str
) -> tuple[FileVersionView, ...]:
    """The newest version of each file the course serves."""
    with session.begin():
        require_course_author(session, actor, course_id)
    state = _current(session, clock, course_id)
    marks = draft_marks(state.data())
    return tuple(
        dataclasses.replace(_view(row, True), draft=marks.get(path, ""))
        for path, row in sorted(state.files.items())
    )


def open_file(session: Session, clock: Clock, actor: Actor, course_id: str, path: str) -> FileView:
    """A served file's newest version and text, for editing."""
    with session.begin():
        require_course_author(session, actor, course_id)
    state = _current(session, clock, course_id)
    row = state.files.get(path)
    if row is None or row.data is None:
        raise NotFound(f"The course serves no file {path}.")
    with session.begin():
        read_only(session)
        count = len(store.history(session, course_id, path))
    return FileView(_view(row, True), row.data.decode("utf-8", errors="replace"), count)


def file_history(
    session: Session, clock: Clock, actor: Actor, course_id: str, path: str
) -> tuple[FileVersionView, ...]:
    """Every version of a file, newest first."""
    with session.begin():
        require_course_author(session, actor, course_id)
    _current(session, clock, course_id)
    with session.begin():
        read_only(session)
        rows = store.history(session, course_id, path)
    if not rows:
        raise NotFound(f"The course has no file {path}.")
    return tuple(_view(row, i == 0 and row.data is not None) for i, row in enumerate(rows))


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "add", "del", "hunk", "context", "file"
    text: str


@dataclass(frozen=True)
class FileDiff:
    path: str
    old: FileVersionView
    new: FileVersionView
    lines: tuple[DiffLine, ...]

    @property
    def same(self) -> bool:
        return not self.lines


def diff(session: Session, actor: Actor, course_id: str, path: str, old: int, new: int) -> FileDiff:
    """A unified diff (difflib) between two versions of a file; the view escapes it."""
    with session.begin():
        require_course_author(session, actor, course_id)
        rows = {row.revision: row for row in store.history(session, course_id, path)}
        a, b = rows.get(old), rows.get(new)
        if a is None or b is None:
            raise NotFound(f"{path} has no version {old if a is None else new}.")

        def text(row: ContentFile) -> list[str]:
            return (row.data or b"").decode("utf-8", errors="replace").splitlines()

        raw = difflib.unified_diff(
            text(a), text(b), f"{path} (version {old})", f"{path} (version {new})", lineterm=""
        )
        lines = []
        for line in raw:
            if line.startswith(("---", "+++")):
                kind = "file"
            elif line.startswith("@@"):
                kind = "hunk"
            elif line.startswith("+"):
                kind = "add"
            elif line.startswith("-"):
                kind = "del"
            else:
                kind = "context"
            lines.append(DiffLine(kind, line))
        return FileDiff(path, _view(a), _view(b), tuple(lines))


# --- Export: the served files as a content root ------------------------------------------


def _export_files(session: Session, clock: Clock, course_id: str) -> dict[str, Path | bytes]:
    """rel path → bytes (authoring files, as served) or the media file on disk."""
    state = _current(session, clock, course_id)
    files: dict[str, Path | bytes] = dict(state.data())
    bundle, _ = validate_files(state.data(), course_id, state.media_root)
    media = state.media_root.resolve()
    wanted: set[str] = set()
    if (media / "media").is_dir():
        wanted.update(
            p.relative_to(media).as_posix()
            for p in (media / "media").rglob("*")
            if p.is_file() and not p.is_symlink() and not p.name.startswith(".")
        )
    if bundle is not None:
        wanted.update(rel for lesson in bundle.lessons for rel in lesson.media)
    for rel in sorted(wanted):
        target = media / rel
        if target.is_file() and target.resolve().is_relative_to(media):
            files[rel] = target
    return files


def content_zip(session: Session, clock: Clock, actor: Actor, course_id: str) -> bytes:
    """The course's content as served (web edits included), as a zip of a content root
    that `course validate` accepts. Authors only: it holds the answer keys."""
    with session.begin():
        require_course_author(session, actor, course_id)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for rel, item in sorted(_export_files(session, clock, course_id).items()):
            if isinstance(item, Path):
                archive.write(item, rel)
            else:
                archive.writestr(rel, item)
    return buffer.getvalue()


def export_content(session: Session, clock: Clock, course_id: str, target: Path) -> int:
    """Write the course's content as served into ``target`` (a new or empty folder);
    returns the number of files written. For the operator (`course export-content`)."""
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise Conflict(f"{target} exists and is not an empty folder; choose a new one.")
    check_folder(target)  # a file among its parents: refused before the work
    files = _export_files(session, clock, course_id)
    for rel, item in files.items():
        path = target / rel
        make_parents(path)
        try:
            if isinstance(item, Path):
                shutil.copyfile(item, path)
            else:
                path.write_bytes(item)
        except OSError as exc:  # unwritable, a special file system, a full disk
            raise unwritable(path, exc) from exc
    return len(files)


# --- Real preview: what learners will see, and the key for the author only ----------------


@dataclass(frozen=True)
class ExampleGrade:
    """One authored example, graded by the real grader."""

    response: str
    expected: float
    got: float | None  # None: the grader could not read it
    note: str  # the grader's first feedback line, or why it could not be read

    @property
    def ok(self) -> bool:
        return self.got is not None and abs(self.got - self.expected) <= SCORE_TOLERANCE


@dataclass(frozen=True)
class QuestionPreview:
    """A question as its page shows it to learners (``view``), plus what only the author
    sees: its id, the answer key, the explanation and the examples with their grades."""

    number: int
    slug: str
    view: QuestionView
    answer: str
    explanation_html: str | None
    examples: tuple[ExampleGrade, ...]


@dataclass(frozen=True)
class LearnerPreview:
    lesson: LessonView | None
    quiz_title: str | None
    questions: tuple[QuestionPreview, ...]


def _example_grade(question: AnyQuestion, example: Example) -> ExampleGrade:
    shown = (
        json.dumps(example.response, ensure_ascii=False)
        if not isinstance(example.response, str)
        else example.response
    )
    try:
        result = grade_response(question, to_raw(question, example.response))
    except (ExampleError, ResponseRejected) as exc:
        return ExampleGrade(shown, example.score, None, str(exc))
    if isinstance(result, FormatError):
        return ExampleGrade(shown, example.score, None, result.message)
    note = result.feedback[0].text if result.feedback else ""
    return ExampleGrade(shown, example.score, result.score, note)


def learner_preview(checked: AuthoredPreview) -> LearnerPreview | None:
    """The previewed file as learners will see it: its lesson page, or its quiz's
    question pages (built by the same read models the learners' pages use)."""
    bundle = checked.bundle
    if bundle is None:
        return None
    lesson = next((les for les in bundle.lessons if les.path == checked.path), None)
    if lesson is not None:
        quizzes = sorted((q for q in bundle.quizzes if q.lesson == lesson.id), key=lambda q: q.id)
        view = LessonView(
            course_id=bundle.course.id,
            course_title=bundle.course.title,
            slug=lesson.id,
            title=lesson.title,
            minutes=lesson.minutes,
            html=lesson.html,
            toc=tuple((h.level, h.text, h.anchor) for h in lesson.headings),
            source={str(k): str(v) for k, v in lesson.source.items()},
            quizzes=tuple(QuizLink(q.id, q.title) for q in quizzes),
        )
        return LearnerPreview(view, None, ())
    quiz = next((q for q in bundle.quizzes if q.path == checked.path), None)
    if quiz is None:
        return None
    questions = tuple(
        QuestionPreview(
            number,
            question.id,
            question_view(question, 0, str(number)),
            correct_answer(question),
            render_html(question.explanation) if question.explanation else None,
            tuple(_example_grade(question, example) for example in question.examples),
        )
        for number, question in enumerate(quiz.questions, start=1)
    )
    return LearnerPreview(None, quiz.title, questions)
