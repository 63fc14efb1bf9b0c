"""Use cases: validate content, sync a content root from disk, publish file versions.

The database's file versions (``store.content.ContentFile``) are the record of what a
course serves. ``course sync`` reads a content root and merges it per file with those
versions (see :func:`sync_root`); a web edit adds a version without touching the root
(``services.authoring``). Either way the whole set of newest files is validated first
and served rows are rebuilt from it in the same transaction as the new versions.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from course.clock import Clock
from course.content.diagnostics import Diagnostic, Report
from course.content.loader import (
    QUIZ_SUFFIXES,
    course_id_of,
    gc_paused,
    load_root,
    published,
    root_digest,
    unpublished,
)
from course.content.model import ContentBundle, Quiz
from course.errors import Conflict, ContentInvalid
from course.grading.examples import check_examples
from course.services import reviews
from course.store import content as store
from course.store.content import (
    ContentFile,
    ContentVersion,
    CourseRow,
    DiskBaseline,
    FileOrigin,
    LessonRow,
    QuestionRevision,
    QuestionRow,
    QuizRow,
)
from course.store.engine import read_only

DISK_AUTHOR = "disk"  # the author label of versions read from a content root


@dataclass(frozen=True)
class SyncResult:
    """What a sync or a publish did."""

    course_id: str
    version_id: int
    content_hash: str
    changed: bool
    added: int = 0
    updated: int = 0
    retired: int = 0
    # Files whose web version was kept because their disk copy had not changed since
    # the last sync (or because --keep-web said so); files taken from disk.
    kept_web: tuple[str, ...] = ()
    from_disk: tuple[str, ...] = ()
    # (path, version number) of each file version this publish stored.
    stored: tuple[tuple[str, int], ...] = ()
    drafts: tuple[str, ...] = ()  # validated but not published (draft: true)
    # The validator's warnings (``path:line:col: warning: message``) on what was
    # published; empty when nothing had changed, so nothing was validated again.
    warnings: tuple[str, ...] = ()


class Superseded(Conflict):
    """Another publish landed between reading the files and storing new versions."""


class Prefer(enum.StrEnum):
    """How ``course sync`` settles a file changed both on the web and on disk."""

    REFUSE = "refuse"
    DISK = "disk"
    WEB = "web"


def validate_root(root: Path) -> tuple[ContentBundle | None, Report]:
    """Load a content root and grade every authored example with the real grader."""
    bundle, report = load_root(root, check_examples)
    return (bundle if report.ok else None), report


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def disk_files(root: Path) -> dict[str, bytes]:
    """The authoring files of a content root, by relative path (the files the loader
    reads: ``course.yaml``, ``lessons/*.md``, ``quizzes/*.yaml``)."""
    files: dict[str, bytes] = {}
    if (root / "course.yaml").is_file():
        files["course.yaml"] = (root / "course.yaml").read_bytes()
    for folder, suffixes in (("lessons", (".md",)), ("quizzes", QUIZ_SUFFIXES)):
        if not (root / folder).is_dir():
            continue
        for path in sorted((root / folder).iterdir()):
            if path.is_file() and path.suffix.lower() in suffixes:
                files[f"{folder}/{path.name}"] = path.read_bytes()
    return files


def _relative(diagnostic: Diagnostic, prefix: str) -> Diagnostic:
    if diagnostic.path.startswith(prefix):
        return dataclasses.replace(diagnostic, path=diagnostic.path[len(prefix) :])
    return diagnostic


def validate_files(
    files: Mapping[str, bytes], course_id: str, media_root: Path
) -> tuple[ContentBundle | None, Report]:
    """Validate a set of authoring files (path → bytes) as one content root.

    They are written to a private temporary folder (named after the course, so a root
    without ``course.yaml`` keeps its id); media are looked up in ``media_root``.
    Diagnostics and the bundle's lesson and quiz paths are relative (``lessons/x.md``).
    """
    with tempfile.TemporaryDirectory(prefix="course-content-") as tmp:
        root = Path(tmp) / course_id
        for rel, data in files.items():
            target = root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        (root / "lessons").mkdir(parents=True, exist_ok=True)
        bundle, report = load_root(root, check_examples, media_root=media_root)
    prefix = str(root) + os.sep
    report = Report(
        [_relative(p, prefix) for p in report.problems],
        [_relative(w, prefix) for w in report.warnings],
    )
    if bundle is None or not report.ok:
        return None, report
    bundle = dataclasses.replace(
        bundle,
        lessons=tuple(
            dataclasses.replace(les, path=les.path.removeprefix(prefix)) for les in bundle.lessons
        ),
        quizzes=tuple(
            dataclasses.replace(q, path=q.path.removeprefix(prefix)) for q in bundle.quizzes
        ),
        root=str(media_root.resolve()),
    )
    return bundle, report


@dataclass(frozen=True)
class Served:
    """The files a course serves now, and the marker of that state."""

    course_id: str
    files: dict[str, ContentFile]
    head: int
    media_root: Path

    def data(self) -> dict[str, bytes]:
        return {path: row.data for path, row in self.files.items() if row.data is not None}


def served(session: Session, course_id: str) -> Served | None:
    """The newest file versions of a course (None when the course has none yet: it was
    synced before file versions existed, or never). Call inside a transaction."""
    course = session.get(CourseRow, course_id)
    files = store.current_files(session, course_id)
    if course is None or not files:
        return None
    return Served(course_id, files, store.head(session, course_id), Path(course.content_root))


@dataclass(frozen=True)
class NewVersion:
    """A file version to record with a publish (``data`` None: the file is removed)."""

    path: str
    data: bytes | None
    origin: FileOrigin
    author: str
    author_id: int | None = None
    message: str = ""


def commit_versions(
    session: Session,
    clock: Clock,
    bundle: ContentBundle,
    versions: list[NewVersion],
    expected_head: int,
    baselines: Mapping[str, str | None] | None = None,
) -> SyncResult:
    """Record file versions and serve ``bundle`` (validated from exactly those files) in
    one transaction.

    Raises:
        Superseded: another publish landed since ``expected_head`` was read (nothing
            is written; the caller validates again on the new state).
    """
    course_id = bundle.course.id
    with session.begin():
        # Serialize publishes of a course: SQLite's BEGIN IMMEDIATE already does; on
        # PostgreSQL the course row's lock does (a first sync has no row, and no rival).
        session.get(CourseRow, course_id, with_for_update=True)
        if store.head(session, course_id) != expected_head:
            raise Superseded("The course's content changed meanwhile; check and publish again.")
        # Drafts (contract v1.1) are validated with the rest but never reach learners.
        result = _apply(session, clock, published(bundle))
        revisions = store.revisions(session, course_id)
        now = clock.now()
        stored = [(v.path, revisions.get(v.path, 0) + 1) for v in versions]
        # One executemany per table: nothing below reads these rows back as objects.
        files = [
            {
                "course_id": course_id,
                "path": version.path,
                "revision": revision,
                "data": version.data,
                "sha256": "" if version.data is None else sha256(version.data),
                "origin": version.origin,
                "author_id": version.author_id,
                "author": version.author[:200],
                "created_at": now,
                "message": version.message,
                "version_id": result.version_id,
            }
            for version, (_, revision) in zip(versions, stored, strict=True)
        ]
        if files:
            session.execute(insert(cast(Table, ContentFile.__table__)), files)
        if baselines is not None:
            known = store.baselines(session, course_id)
            fresh: list[dict[str, Any]] = []
            for path, digest in baselines.items():
                row = known.get(path)
                if digest is None:
                    if row is not None:
                        session.delete(row)
                elif row is None:
                    fresh.append(
                        {"course_id": course_id, "path": path, "sha256": digest, "synced_at": now}
                    )
                else:
                    row.sha256, row.synced_at = digest, now
            if fresh:
                session.execute(insert(cast(Table, DiskBaseline.__table__)), fresh)
        session.flush()
    return dataclasses.replace(result, stored=tuple(stored), drafts=tuple(unpublished(bundle)))


@dataclass(frozen=True)
class _Merge:
    files: dict[str, bytes]
    versions: list[NewVersion]
    baselines: dict[str, str | None]
    kept_web: tuple[str, ...]
    from_disk: tuple[str, ...]
    conflicts: tuple[str, ...]


def _merge(
    disk: dict[str, bytes],
    current: Served | None,
    base: dict[str, str],
    prefer: Prefer,
    author: str,
) -> _Merge:
    """Merge a content root into the course's file versions, file by file.

    For each path, with D its disk hash, W its served hash and B its hash at the last
    sync: D == W nothing to do; W == B (not edited on the web since) take disk; D == B
    (not changed on disk since) keep the web version; otherwise both changed: a
    conflict, settled by ``prefer``.
    """
    web = {} if current is None else current.data()
    files: dict[str, bytes] = {}
    versions: list[NewVersion] = []
    baselines: dict[str, str | None] = {}
    kept: list[str] = []
    taken: list[str] = []
    conflicts: list[str] = []
    for path in sorted(set(disk) | set(web) | set(base)):
        d = sha256(disk[path]) if path in disk else None
        w = sha256(web[path]) if path in web else None
        b = base.get(path)
        take_disk = d != w and (w == b or current is None)
        if d != w and not take_disk and d != b:
            if prefer is Prefer.REFUSE:
                conflicts.append(path)
            take_disk = prefer is Prefer.DISK
        if take_disk:
            if path in disk:
                files[path] = disk[path]
            versions.append(NewVersion(path, disk.get(path), FileOrigin.DISK, author))
            taken.append(path)
        else:
            if path in web:
                files[path] = web[path]
            if d != w:
                kept.append(path)
        baselines[path] = d
    return _Merge(files, versions, baselines, tuple(kept), tuple(taken), tuple(conflicts))


def _conflict_message(conflicts: tuple[str, ...], current: Served | None) -> str:
    lines = [
        "these files were edited on the web and also changed on disk since the last sync; "
        "nothing was changed:"
    ]
    for path in conflicts:
        row = current.files.get(path) if current is not None else None
        if row is None:
            lines.append(f"  {path} (not served now)")
        else:
            when = f"{row.created_at:%Y-%m-%d %H:%M} UTC"
            lines.append(f"  {path} (served: version {row.revision} by {row.author}, {when})")
    lines.append(
        "Compare them with `course export-content DIR`, then run `course sync --keep-web` "
        "to keep the web versions or `course sync --take-disk` to serve the disk files "
        "(the web versions stay in each file's history)."
    )
    return "\n".join(lines)


def sync_root(
    session: Session,
    clock: Clock,
    root: Path,
    prefer: Prefer = Prefer.REFUSE,
    author: str = DISK_AUTHOR,
) -> SyncResult:
    """Validate ``root`` and merge it, file by file, into the course's file versions.

    Files changed on disk since the last sync are taken; files edited on the web and
    unchanged on disk keep their web version; a file changed on both sides is a
    conflict: with ``prefer`` REFUSE nothing is written and :class:`Conflict` names
    the files. Idempotent: syncing the same files again changes nothing.

    Raises:
        ContentInvalid: the root, or the root merged with the web versions, has
            problems; the database is left as it was.
        Conflict: files changed on both sides (``prefer`` REFUSE), or a publish landed
            meanwhile.
    """
    # The collector stays paused through the writes too: the bundle just read is young,
    # and each collection the inserts triggered walked all of it.
    with gc_paused():
        return _sync_root(session, clock, root, prefer, author)


def _sync_root(
    session: Session, clock: Clock, root: Path, prefer: Prefer, author: str
) -> SyncResult:
    disk = disk_files(root)
    unchanged = _unchanged(session, root, disk)
    if unchanged is not None:
        return unchanged
    bundle, report = validate_root(root)
    if bundle is None:
        raise ContentInvalid(report.lines())
    course_id = bundle.course.id
    with session.begin():
        current = served(session, course_id)
        base = {path: row.sha256 for path, row in store.baselines(session, course_id).items()}
        head = store.head(session, course_id)
    merge = _merge(disk, current, base, prefer, author)
    if merge.conflicts:
        raise Conflict(_conflict_message(merge.conflicts, current))
    if merge.files != disk:
        bundle, report = validate_files(merge.files, course_id, root)
        if bundle is None:
            kept = ", ".join(merge.kept_web)
            header = f"(the disk files merged with the web versions of {kept})"
            raise ContentInvalid([header, *report.lines()])
    result = commit_versions(session, clock, bundle, merge.versions, head, merge.baselines)
    return dataclasses.replace(
        result,
        kept_web=merge.kept_web,
        from_disk=merge.from_disk,
        warnings=tuple(report.warning_lines()),
    )


# Text that could make a file a draft, or hide the word: an escape in a double-quoted
# key ("dr\x61ft") or a line joined by an escaped line break.
_MAY_DRAFT = re.compile(rb"draft|\\[xuU\r\n]")


def _unchanged(session: Session, root: Path, disk: dict[str, bytes]) -> SyncResult | None:
    """The result of syncing a root whose files and media are exactly those served, with
    nothing to merge, found without validating it again; ``None`` otherwise.

    Every file must equal its served version and its baseline (so the merge would take
    nothing and keep nothing), and the root's content hash must be the served one (so
    the lessons' media are unchanged too). A root that may hold drafts is left to the
    full sync, which names them.
    """
    if not root.is_dir() or any(_MAY_DRAFT.search(data) for data in disk.values()):
        return None
    course_id = course_id_of(root)
    hashes = {path: sha256(data) for path, data in disk.items()}
    with session.begin():
        read_only(session)
        course = session.get(CourseRow, course_id)
        if course is None:
            return None
        version = session.get(ContentVersion, course.version_id)
        served_hashes = store.current_hashes(session, course_id)
        base = {path: row.sha256 for path, row in store.baselines(session, course_id).items()}
    if version is None or hashes != served_hashes or hashes != base:
        return None
    digest_id, digest = root_digest(root)
    if digest_id != course_id or digest != version.content_hash:
        return None
    where = str(root.resolve())
    if course.content_root != where:  # the same files (and media) moved
        with session.begin():
            moved = session.get(CourseRow, course_id, with_for_update=True)
            if moved is None or moved.version_id != version.id:
                return None
            moved.content_root = where
    return SyncResult(course_id, version.id, digest, changed=False)


def _apply(session: Session, clock: Clock, bundle: ContentBundle) -> SyncResult:
    info = bundle.course
    course = session.get(CourseRow, info.id)
    if course is not None:
        current = session.get(ContentVersion, course.version_id)
        if current is not None and current.content_hash == bundle.content_hash:
            course.content_root = bundle.root  # the same files (and media) may have moved
            return SyncResult(info.id, current.id, bundle.content_hash, changed=False)
    version = session.scalar(
        select(ContentVersion).where(
            ContentVersion.course_id == info.id, ContentVersion.content_hash == bundle.content_hash
        )
    )
    if version is None:
        version = ContentVersion(
            course_id=info.id,
            content_hash=bundle.content_hash,
            synced_at=clock.now(),
            source=bundle.root,
        )
        session.add(version)
        session.flush()
    if course is None:
        course = CourseRow(id=info.id, version_id=version.id)
        session.add(course)
    course.title = info.title
    course.description_html = bundle.description_html
    course.desired_retention = info.desired_retention
    course.new_per_day = info.new_per_day
    course.max_reviews_per_day = info.max_reviews_per_day
    course.learning_steps = list(info.learning_steps)
    course.relearning_steps = list(info.relearning_steps)
    course.learn_ahead_minutes = info.learn_ahead_minutes
    course.leech_lapses = info.leech_lapses
    course.version_id = version.id
    course.content_root = bundle.root
    session.flush()
    counts = _Counts()
    _sync_lessons(session, clock, bundle, version.id, counts)
    _sync_quizzes(session, clock, bundle, version.id, counts)
    session.flush()
    reviews.deactivate_retired(session)
    return SyncResult(
        info.id, version.id, bundle.content_hash, True, counts.added, counts.updated, counts.retired
    )


@dataclass
class _Counts:
    added: int = 0
    updated: int = 0
    retired: int = 0


def _sync_lessons(
    session: Session, clock: Clock, bundle: ContentBundle, version_id: int, counts: _Counts
) -> None:
    existing = {
        row.slug: row
        for row in session.scalars(select(LessonRow).where(LessonRow.course_id == bundle.course.id))
    }
    for position, lesson in enumerate(bundle.lessons, start=1):
        row = existing.pop(lesson.id, None)
        values = {
            "title": lesson.title,
            "position": lesson.order or position,
            "minutes": lesson.minutes,
            "html": lesson.html,
            "toc": [[h.level, h.text, h.anchor] for h in lesson.headings],
            "source": dict(lesson.source),
            "retired_at": None,
        }
        if row is None:
            row = LessonRow(course_id=bundle.course.id, slug=lesson.id)
            session.add(row)
            counts.added += 1
        elif any(getattr(row, name) != value for name, value in values.items()):
            counts.updated += 1  # a lesson is "updated" only when something of it changed
        for name, value in values.items():
            setattr(row, name, value)
        row.version_id = version_id
    for row in existing.values():
        if row.retired_at is None:
            row.retired_at = clock.now()
            counts.retired += 1


def _sync_quizzes(
    session: Session, clock: Clock, bundle: ContentBundle, version_id: int, counts: _Counts
) -> None:
    """Quiz and question rows for ``bundle``: new ones inserted in bulk (a statement per
    table, not a round trip per row), changed ones updated, missing ones retired."""
    course_id = bundle.course.id
    existing = {
        row.slug: row
        for row in session.scalars(select(QuizRow).where(QuizRow.course_id == course_id))
    }
    questions: dict[int, dict[str, QuestionRow]] = {}
    if existing:
        rows = session.scalars(
            select(QuestionRow).join(QuizRow).where(QuizRow.course_id == course_id)
        )
        for question in rows:
            questions.setdefault(question.quiz_id, {})[question.slug] = question
    fresh = [quiz for quiz in bundle.quizzes if quiz.id not in existing]
    quiz_ids = _insert_many_ids(
        session,
        QuizRow,
        [
            {
                "course_id": course_id,
                "slug": quiz.id,
                "lesson_slug": quiz.lesson,
                "title": quiz.title,
                "settings": quiz.settings(),
                "version_id": version_id,
            }
            for quiz in fresh
        ],
        QuizRow.course_id == course_id,
    )
    counts.added += len(fresh)
    for quiz in bundle.quizzes:
        row = existing.pop(quiz.id, None)
        if row is not None:
            row.lesson_slug = quiz.lesson
            row.title = quiz.title
            row.settings = quiz.settings()
            row.version_id = version_id
            row.retired_at = None
            quiz_ids[quiz.id] = row.id
    new_questions: list[dict[str, Any]] = []
    revisions: list[dict[str, Any]] = []
    for quiz in bundle.quizzes:
        quiz_id = quiz_ids[quiz.id]
        _sync_questions(
            clock,
            quiz_id,
            quiz,
            questions.pop(quiz_id, {}),
            version_id,
            counts,
            new_questions,
            revisions,
        )
    session.flush()
    if new_questions:
        session.execute(insert(cast(Table, QuestionRow.__table__)), new_questions)
    if revisions:  # changed questions: their new definitions
        session.execute(insert(cast(Table, QuestionRevision.__table__)), revisions)
    if new_questions:
        _first_revisions(session, course_id, version_id)
    for row in existing.values():
        if row.retired_at is None:
            row.retired_at = clock.now()
            counts.retired += 1
            for question in questions.get(row.id, {}).values():
                question.retired_at = question.retired_at or clock.now()


def _insert_many_ids(
    session: Session, model: Any, rows: list[dict[str, Any]], scope: Any
) -> dict[str, int]:
    """Insert ``rows`` in one executemany; the ids of the rows in ``scope``, by slug.

    ``INSERT … RETURNING`` that keeps the order of the rows is one statement per row on
    SQLite; a plain executemany and one query for the ids are much cheaper.
    """
    if rows:
        session.execute(insert(model.__table__), rows)
    return {
        slug: int(row_id)
        for slug, row_id in session.execute(select(model.slug, model.id).where(scope))
    }


def _first_revisions(session: Session, course_id: str, version_id: int) -> None:
    """The first revision of each question inserted in this version, copied in the
    database from its row (its definition is not encoded as JSON a second time).

    A question inserted now is the only kind in the course without any revision: every
    other one got its first revision when it was inserted, and a changed one got its new
    revision above.
    """
    table = cast(Table, QuestionRevision.__table__)
    has_revision = select(QuestionRevision.id).where(QuestionRevision.question_id == QuestionRow.id)
    new_rows = (
        select(QuestionRow.id, QuestionRow.version_id, QuestionRow.definition)
        .join(QuizRow, QuizRow.id == QuestionRow.quiz_id)
        .where(
            QuizRow.course_id == course_id,
            QuestionRow.version_id == version_id,
            ~has_revision.exists(),
        )
        .order_by(QuestionRow.id)
    )
    session.execute(
        insert(table).from_select(["question_id", "version_id", "definition"], new_rows)
    )


def _sync_questions(
    clock: Clock,
    quiz_id: int,
    quiz: Quiz,
    existing: dict[str, QuestionRow],
    version_id: int,
    counts: _Counts,
    new_questions: list[dict[str, Any]],
    revisions: list[dict[str, Any]],
) -> None:
    """Update a quiz's existing question rows; collect the new rows and the revisions
    of changed ones for bulk inserts."""
    for position, definition in enumerate(quiz.definitions):
        row = existing.pop(definition["id"], None)
        if row is None:
            # Stored as JSON straight away (tuples become lists), so no copy is needed.
            new_questions.append(
                {
                    "quiz_id": quiz_id,
                    "slug": definition["id"],
                    "position": position,
                    "type": definition["type"],
                    "definition": definition,
                    "version_id": version_id,
                }
            )
            counts.added += 1
            continue
        changed = row.definition != definition
        plain = _plain(definition)
        row.position = position
        row.type = definition["type"]
        row.definition = plain
        row.retired_at = None
        if changed:
            counts.updated += 1
            row.version_id = version_id
            revisions.append({"question_id": row.id, "version_id": version_id, "definition": plain})
    for row in existing.values():
        if row.retired_at is None:
            row.retired_at = clock.now()
            counts.retired += 1


def _plain(value: Any) -> Any:
    """A JSON-safe deep copy (definitions are stored as JSON)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
