"""The database's file versions are what a course serves (issue 12, section 1).

A web edit is a new version stored in the database, never written into the content
root; a reinstall (the root replaced by a pristine copy), a restart, another web publish
and `course sync` of the unchanged root all keep it; a file changed on both sides stops
the sync until the operator says which side wins; the export is a root that validates
and syncs into a fresh database as the same content.
"""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest
from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from course.clock import FixedClock
from course.errors import Conflict, ContentInvalid
from course.services import accounts, authoring
from course.services.authz import Actor
from course.services.content_sync import Prefer, sync_root, validate_root
from course.store.content import (
    ContentFile,
    ContentVersion,
    CourseRow,
    DiskBaseline,
    FileOrigin,
    LessonRow,
    QuizRow,
)
from course.store.engine import make_engine, make_sessionmaker
from course.store.migrate import upgrade
from course.store.users import Role
from tests.factories import COURSE, course_copy, make_class, make_user

LESSON = "lessons/soviet-union-ww2.md"
QUIZ = "quizzes/soviet-union-ww2.yaml"
WEB_MARK = "Edited on the web: a paragraph only the database holds."


@pytest.fixture
def root(tmp_path: Path, session: Session, clock: FixedClock) -> Path:
    """A content root the tests can replace (as a reinstall does), synced once."""
    content = course_copy(tmp_path / "content")
    sync_root(session, clock, content)
    return content


@pytest.fixture
def teacher(session: Session, clock: FixedClock, root: Path) -> Actor:
    account = make_user(session, clock, "teacher@example.org", role=Role.INSTRUCTOR)
    actor = Actor(account.id, Role.INSTRUCTOR)
    make_class(session, clock, actor, "9B", COURSE)
    return actor


def served_html(session: Session, slug: str = "soviet-union-ww2") -> str:
    with session.begin():
        row = session.scalar(
            select(LessonRow).where(LessonRow.course_id == COURSE, LessonRow.slug == slug)
        )
        assert row is not None
        return row.html


def web_edit(session: Session, clock: FixedClock, teacher: Actor, root: Path) -> bytes:
    """Publish the lesson with a paragraph added, through the service the web calls."""
    edited = (root / LESSON).read_bytes() + f"\n\n{WEB_MARK}\n".encode()
    published = authoring.publish(
        session, clock, teacher, COURSE, LESSON, edited, "add a paragraph"
    )
    assert published.revision == 2 and published.sync.changed
    return edited


def reinstall(root: Path) -> None:
    """Replace the content root by a pristine copy, as reinstalling the package does."""
    shutil.rmtree(root)
    course_copy(root)


EXTRA_QUIZ = b"""id: extra-quiz
title: Extra
lesson: soviet-union-ww2
questions:
  - id: extra-one
    type: true_false
    prompt: Did the Soviet Union declare war on Japan in August 1945?
    answer: true
"""


def test_web_edit_is_stored_in_the_database_not_the_root(
    session: Session, clock: FixedClock, teacher: Actor, root: Path
) -> None:
    before = (root / LESSON).read_bytes()
    web_edit(session, clock, teacher, root)
    assert (root / LESSON).read_bytes() == before  # the content root is never written
    assert WEB_MARK in served_html(session)
    with session.begin():
        rows = session.scalars(
            select(ContentFile).where(ContentFile.path == LESSON).order_by(ContentFile.revision)
        ).all()
        assert [(r.revision, r.origin, r.author) for r in rows] == [
            (1, FileOrigin.DISK, "disk"),
            (2, FileOrigin.WEB, "teacher@example.org"),
        ]
        assert rows[1].message == "add a paragraph" and rows[1].created_at == clock.now()


def test_reinstall_then_publishing_another_file_keeps_the_edit(
    session: Session, clock: FixedClock, teacher: Actor, root: Path
) -> None:
    web_edit(session, clock, teacher, root)
    reinstall(root)
    published = authoring.publish(session, clock, teacher, COURSE, "extra.yaml", EXTRA_QUIZ)
    assert published.path == "quizzes/extra.yaml" and published.revision == 1
    assert WEB_MARK in served_html(session)  # the old code reloaded the root: edit gone
    # And a `course sync` of the reinstalled (unchanged) root keeps it too.
    result = sync_root(session, clock, root)
    assert result.kept_web == (LESSON, "quizzes/extra.yaml")
    assert WEB_MARK in served_html(session)
    assert not sync_root(session, clock, root).changed  # idempotent


def test_disk_changes_of_other_files_are_taken_beside_web_edits(
    session: Session, clock: FixedClock, teacher: Actor, root: Path
) -> None:
    web_edit(session, clock, teacher, root)
    quiz = root / QUIZ
    quiz.write_text(quiz.read_text(encoding="utf-8").replace("title:", "title: New", 1))
    result = sync_root(session, clock, root)
    assert result.from_disk == (QUIZ,) and result.kept_web == (LESSON,)
    assert WEB_MARK in served_html(session)


def test_a_file_changed_on_both_sides_stops_the_sync(
    session: Session, clock: FixedClock, teacher: Actor, root: Path
) -> None:
    web_edit(session, clock, teacher, root)
    disk_text = (root / LESSON).read_text(encoding="utf-8") + "\n\nEdited on disk.\n"
    (root / LESSON).write_text(disk_text, encoding="utf-8")
    with session.begin():
        version = session.get(CourseRow, COURSE).version_id  # type: ignore[union-attr]
    with pytest.raises(Conflict) as refused:
        sync_root(session, clock, root)
    message = refused.value.message
    assert LESSON in message and "version 2 by teacher@example.org" in message
    assert "--keep-web" in message and "--take-disk" in message
    with session.begin():
        assert session.get(CourseRow, COURSE).version_id == version  # type: ignore[union-attr]
    assert WEB_MARK in served_html(session)

    kept = sync_root(session, clock, root, Prefer.WEB)
    assert kept.kept_web == (LESSON,) and WEB_MARK in served_html(session)
    assert not sync_root(session, clock, root).changed  # the disk copy is now known

    (root / LESSON).write_text(disk_text + "\nAgain on disk.\n", encoding="utf-8")
    taken = sync_root(session, clock, root, Prefer.DISK)
    assert taken.from_disk == (LESSON,)
    html = served_html(session)
    assert WEB_MARK not in html and "Again on disk." in html
    with session.begin():
        origins = session.scalars(
            select(ContentFile.origin)
            .where(ContentFile.path == LESSON)
            .order_by(ContentFile.revision)
        ).all()
    assert origins == [FileOrigin.DISK, FileOrigin.WEB, FileOrigin.DISK]  # web kept in history


def test_a_merge_that_breaks_the_course_changes_nothing(
    session: Session, clock: FixedClock, teacher: Actor, root: Path
) -> None:
    # A web quiz points at the lesson; the disk then renames the lesson's id.
    authoring.publish(session, clock, teacher, COURSE, "extra.yaml", EXTRA_QUIZ)
    lesson = root / LESSON
    text = lesson.read_text(encoding="utf-8").replace("id: soviet-union-ww2", "id: renamed", 1)
    lesson.write_text(text, encoding="utf-8")
    (root / QUIZ).write_text(
        (root / QUIZ)
        .read_text(encoding="utf-8")
        .replace("lesson: soviet-union-ww2", "lesson: renamed"),
        encoding="utf-8",
    )
    with pytest.raises(ContentInvalid) as refused:
        sync_root(session, clock, root)
    assert "quizzes/extra.yaml" in refused.value.lines[0]
    assert any("lesson 'soviet-union-ww2' does not exist" in line for line in refused.value.lines)
    with session.begin():
        assert session.scalar(select(LessonRow.slug).where(LessonRow.slug == "renamed")) is None


def test_revert_brings_a_version_back_as_a_new_one(
    session: Session, clock: FixedClock, teacher: Actor, root: Path
) -> None:
    web_edit(session, clock, teacher, root)
    reverted = authoring.revert(session, clock, teacher, COURSE, LESSON, 1, "too long")
    assert reverted.revision == 3
    assert WEB_MARK not in served_html(session)
    versions = authoring.file_history(session, clock, teacher, COURSE, LESSON)
    assert [(v.revision, v.origin, v.message) for v in versions] == [
        (3, "revert", "Revert to version 1: too long"),
        (2, "web", "add a paragraph"),
        (1, "disk", ""),
    ]
    change = authoring.diff(session, teacher, COURSE, LESSON, 1, 2)
    added = [line.text for line in change.lines if line.kind == "add"]
    assert added[-1] == f"+{WEB_MARK}" and set(added[:-1]) == {"+"}
    assert not [line for line in change.lines if line.kind == "del"]
    assert authoring.diff(session, teacher, COURSE, LESSON, 1, 3).same


def test_the_editor_refuses_to_overwrite_a_newer_version(
    session: Session, clock: FixedClock, teacher: Actor, root: Path
) -> None:
    opened = authoring.open_file(session, clock, teacher, COURSE, LESSON)
    web_edit(session, clock, teacher, root)  # someone else saves meanwhile
    mine = opened.text.encode() + b"\n\nMy own paragraph.\n"
    with pytest.raises(Conflict, match="changed since you opened it"):
        authoring.publish(
            session, clock, teacher, COURSE, LESSON, mine, base_revision=opened.version.revision
        )
    assert WEB_MARK in served_html(session)


def test_the_refusal_says_when_in_the_authors_zone(
    session: Session, clock: FixedClock, teacher: Actor, root: Path
) -> None:
    accounts.set_timezone(session, teacher.id, "Europe/Berlin")
    opened = authoring.open_file(session, clock, teacher, COURSE, LESSON)
    web_edit(session, clock, teacher, root)
    with pytest.raises(Conflict) as refused:
        authoring.publish(
            session, clock, teacher, COURSE, LESSON, b"x", base_revision=opened.version.revision
        )
    assert "CET" in refused.value.message and "UTC" not in refused.value.message


def test_export_validates_and_syncs_into_a_fresh_database_as_the_same_content(
    session: Session, clock: FixedClock, teacher: Actor, root: Path, tmp_path: Path
) -> None:
    web_edit(session, clock, teacher, root)
    authoring.publish(session, clock, teacher, COURSE, "extra.yaml", EXTRA_QUIZ)
    target = tmp_path / "export"
    assert authoring.export_content(session, clock, COURSE, target) >= 4
    bundle, report = validate_root(target)
    assert bundle is not None, report.lines()
    with session.begin():
        course = session.get(CourseRow, COURSE)
        assert course is not None
        version = session.get(ContentVersion, course.version_id)
        assert version is not None
        served_hash = version.content_hash
    assert bundle.content_hash == served_hash

    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    upgrade(url)
    engine = make_engine(url)
    try:
        fresh = make_sessionmaker(engine)()
        result = sync_root(fresh, clock, target)
        assert result.content_hash == served_hash
        assert WEB_MARK in served_html(fresh)
        assert served_html(fresh) == served_html(session)
        fresh.close()
    finally:
        engine.dispose()

    with pytest.raises(Conflict, match="not an empty folder"):
        authoring.export_content(session, clock, COURSE, target)


def test_a_course_synced_before_file_versions_adopts_its_root(
    session: Session, clock: FixedClock, teacher: Actor, root: Path
) -> None:
    with session.begin():  # as a database synced before migration 0010 has it
        session.execute(delete(ContentFile))
        session.execute(delete(DiskBaseline))
    files = authoring.list_files(session, clock, teacher, COURSE)
    assert {(f.path, f.revision, f.origin) for f in files} >= {
        (LESSON, 1, "disk"),
        (QUIZ, 1, "disk"),
        ("course.yaml", 1, "disk"),
    }
    web_edit(session, clock, teacher, root)
    assert WEB_MARK in served_html(session)


def test_publishes_racing_on_different_files_both_land(
    engine: Engine, session: Session, clock: FixedClock, teacher: Actor, root: Path
) -> None:
    """Four authors publish four new quizzes at once (threads released by a barrier):
    every one is stored and served; none overwrites another's served rows."""
    threads = 4
    barrier = threading.Barrier(threads)
    errors: list[BaseException] = []

    def publish(i: int) -> None:
        own = make_sessionmaker(engine)()
        data = EXTRA_QUIZ.replace(b"extra", f"extra{i}".encode())
        try:
            barrier.wait()
            authoring.publish(own, clock, teacher, COURSE, f"extra{i}.yaml", data)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            own.close()

    workers = [threading.Thread(target=publish, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert not errors
    with session.begin():
        served = set(
            session.scalars(
                select(QuizRow.slug).where(
                    QuizRow.course_id == COURSE, QuizRow.retired_at.is_(None)
                )
            )
        )
    assert {f"extra{i}-quiz" for i in range(threads)} <= served


def test_course_yaml_is_editable_but_its_id_stays(
    session: Session, clock: FixedClock, teacher: Actor, root: Path
) -> None:
    text = (root / "course.yaml").read_text(encoding="utf-8")
    renamed = text.replace(f"id: {COURSE}", "id: another-course").encode()
    checked = authoring.preview(session, clock, teacher, COURSE, "course.yaml", renamed)
    assert [p.message for p in checked.problems] == [f"the course id must stay '{COURSE}' here"]
    with pytest.raises(ContentInvalid):
        authoring.publish(session, clock, teacher, COURSE, "course.yaml", renamed)
    retitled = text.replace("title: ", "title: Edited, ", 1).encode()
    assert authoring.publish(session, clock, teacher, COURSE, "course.yaml", retitled).revision == 2
    with session.begin():
        course = session.get(CourseRow, COURSE)
        assert course is not None and course.title.startswith("Edited, ")


def test_a_draft_published_on_the_web_is_stored_but_not_served(
    session: Session, clock: FixedClock, teacher: Actor, root: Path
) -> None:
    draft = EXTRA_QUIZ.replace(b"title: Extra\n", b"title: Extra\ndraft: true\n")
    published = authoring.publish(session, clock, teacher, COURSE, "extra.yaml", draft)
    assert published.revision == 1 and published.sync.drafts == ("quiz 'extra-quiz'",)
    with session.begin():
        assert session.scalar(select(QuizRow).where(QuizRow.slug == "extra-quiz")) is None
    files = authoring.list_files(session, clock, teacher, COURSE)
    assert "quizzes/extra.yaml" in {f.path for f in files}  # kept, to finish later
