"""Read models of the public catalogue: courses and lessons.

A lesson's view is built once per content version and kept per database and process:
the courses' current versions are read on every request (``served_version``, one
cheap statement), so a publish through any host of a site is seen by every host at
its next request, without a restart.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, or_, select
from sqlalchemy.orm import Session

from course.content.markdown import MEDIA_TYPES, local_media_path
from course.errors import NotFound
from course.services.progress import lesson_quizzes
from course.store.content import CourseRow, LessonRow, served_courses, served_version
from course.store.engine import engine_of, read_only

# Characters markdown-it leaves as they are in a link (mdurl's encode).
_URL_SAFE = ";/?:@&=+$,-_.!~*'()#"


@dataclass(frozen=True)
class LessonView:
    course_id: str
    course_title: str
    slug: str
    title: str
    minutes: int
    html: str
    toc: tuple[tuple[int, str, str], ...]
    source: dict[str, str]
    quizzes: tuple[QuizLink, ...]  # every published quiz of the lesson, by quiz id
    number: int = 0  # position in the course, from 1
    count: int = 0  # lessons in the course
    previous: LessonLink | None = None
    next: LessonLink | None = None
    version: int = 0  # the content version it was read from


@dataclass(frozen=True)
class QuizLink:
    """One quiz of a lesson, for its links."""

    slug: str
    title: str


@dataclass(frozen=True)
class LessonLink:
    """A neighbouring lesson, for the previous/next links."""

    slug: str
    title: str


# Lessons are few (a course's worth per course); the bound only caps what a site with
# very many courses keeps per process.
MAX_CACHED = 2_000
_LESSONS: WeakKeyDictionary[Engine, dict[tuple[str, str], LessonView]] = WeakKeyDictionary()


def _engine(session: Session) -> Engine:
    return engine_of(session)  # the web binds its sessions to one connection per request


def published_version(engine: Engine, course_id: str) -> int | None:
    """The content version ``course_id`` serves now (None: no such course), in one
    statement and without a session: what a cached page is checked against."""
    return served_version(engine, course_id)


def list_courses(session: Session) -> list[tuple[str, str]]:
    """(id, title) of every synced course, by title."""
    return [(cid, title) for cid, title, _ in served_courses(_engine(session))]


def lesson_view(session: Session, course_id: str, slug: str) -> LessonView:
    """A published lesson as its page shows it, from the content version served now.

    Raises:
        NotFound: no such course, or no published lesson of that slug in it.
    """
    engine = _engine(session)
    version = served_version(engine, course_id)
    cache = _LESSONS.get(engine)
    if cache is None:
        cache = _LESSONS[engine] = {}
    view = cache.get((course_id, slug))
    if view is not None and view.version == version:
        return view
    view = _read_lesson(session, course_id, slug)
    if len(cache) >= MAX_CACHED:
        cache.clear()
    cache[(course_id, slug)] = view
    return view


def _read_lesson(session: Session, course_id: str, slug: str) -> LessonView:
    with session.begin():
        read_only(session)
        row = session.scalar(
            select(LessonRow).where(
                LessonRow.course_id == course_id,
                LessonRow.slug == slug,
                LessonRow.retired_at.is_(None),
            )
        )
        course = session.get(CourseRow, course_id)
        if row is None or course is None:
            raise NotFound(f"No lesson '{slug}' in this course.")
        quizzes = lesson_quizzes(session, course_id).get(slug, [])
        # The course's order, as on the course page: position, then slug.
        order = [
            LessonLink(str(s), str(t))
            for s, t in session.execute(
                select(LessonRow.slug, LessonRow.title)
                .where(LessonRow.course_id == course_id, LessonRow.retired_at.is_(None))
                .order_by(LessonRow.position, LessonRow.slug)
            )
        ]
        index = next(i for i, link in enumerate(order) if link.slug == row.slug)
        return LessonView(
            course_id=course_id,
            course_title=course.title,
            slug=row.slug,
            title=row.title,
            minutes=row.minutes,
            html=row.html,
            toc=tuple((int(t[0]), str(t[1]), str(t[2])) for t in row.toc),
            source={str(k): str(v) for k, v in row.source.items()},
            quizzes=tuple(QuizLink(q.slug, q.title) for q in quizzes),
            number=index + 1,
            count=len(order),
            previous=order[index - 1] if index > 0 else None,
            next=order[index + 1] if index + 1 < len(order) else None,
            version=course.version_id,
        )


def media_file(session: Session, course_id: str, rel: str) -> tuple[Path, str]:
    """A media file of a course's content root and its type.

    Served only when it lies under the root's ``media/`` or a current lesson of the
    course references it, has a media extension, and its path is the file itself:
    no ``..``, no absolute path, no symlink anywhere below the root (THREATS 32, 60).
    """
    safe = local_media_path(rel)
    ext = "." + rel.rsplit(".", 1)[-1].lower() if "." in rel else ""
    # Authoring files are never served as media: quizzes hold the answers.
    if safe is None or ext not in MEDIA_TYPES or safe.startswith(("quizzes/", "lessons/", ".")):
        raise NotFound("No such media file.")
    with session.begin():
        read_only(session)
        course = session.get(CourseRow, course_id)
        root_text = course.content_root if course else ""
        listed = bool(root_text) and (
            safe.startswith("media/") or _referenced(session, course_id, safe)
        )
    if not listed:
        raise NotFound("No such media file.")
    root = Path(root_text).resolve()
    target = root / safe
    if target.resolve() != target or not target.is_file():
        raise NotFound("No such media file.")
    return target, MEDIA_TYPES[ext]


def _referenced(session: Session, course_id: str, path: str) -> bool:
    """Does a current lesson's HTML link to this media path (as rendered at sync)?"""
    urls = {f"/media/{course_id}/{p}" for p in (path, quote(path, safe=_URL_SAFE))}
    quoted = ['"' + u.replace("&", "&amp;").replace('"', "&quot;") + '"' for u in urls]
    query = select(LessonRow.id).where(
        LessonRow.course_id == course_id,
        LessonRow.retired_at.is_(None),
        or_(*(LessonRow.html.contains(q, autoescape=True) for q in quoted)),
    )
    return session.execute(query.limit(1)).first() is not None
