"""The bundled course as a learner walks it: lessons in order with previous/next
links, each lesson's status on the course page, and the hand-drawn timeline served,
packaged with the course and exported with it."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from course.clock import FixedClock
from course.content.loader import load_root
from course.services import attempts, progress
from course.services.authz import Actor
from course.store.users import Role
from tests.factories import (
    COURSE,
    REPO,
    AuthActions,
    bundled_keys,
    bundled_questions,
    form_answer,
    make_class,
    make_user,
    posted,
)

COURSE_PAGE = f"/courses/{COURSE}/"
ORDER = [
    ("pact-and-winter-war", "The pact with Hitler and the Winter War"),
    ("barbarossa-and-moscow", "Barbarossa and the battle for Moscow"),
    ("leningrad-and-stalingrad", "Leningrad and Stalingrad"),
    ("kursk-to-berlin", "From Kursk to Berlin"),
    ("soviet-union-ww2", "The war with Japan"),
    ("looking-back", "Looking back: the war in one timeline"),
]
TIMELINE = f"/media/{COURSE}/media/timeline.svg"


def lesson_url(slug: str) -> str:
    return f"/courses/{COURSE}/lessons/{slug}"


def test_course_page_lists_the_lessons_in_order(client: FlaskClient) -> None:
    html = client.get(COURSE_PAGE).get_data(as_text=True)
    found = re.findall(r'class="lesson-title" href="/courses/[^/]+/lessons/([^"]+)"', html)
    assert found == [slug for slug, _ in ORDER]


def test_each_lesson_links_to_its_neighbours(client: FlaskClient) -> None:
    for i, (slug, title) in enumerate(ORDER):
        page = client.get(lesson_url(slug))
        html = page.get_data(as_text=True)
        assert page.status_code == 200, slug
        assert f"<h1>{title}</h1>" in html.replace("&#39;", "'"), slug
        assert f"Lesson {i + 1} of {len(ORDER)}" in html, slug
        nav = re.search(r'<nav class="lesson-nav".*?</nav>', html, re.DOTALL)
        assert nav is not None, slug
        links = dict(re.findall(r'rel="(prev|next)" href="([^"]+)"', nav.group(0)))
        if i == 0:
            assert "prev" not in links
        else:
            assert links["prev"] == lesson_url(ORDER[i - 1][0])
            assert ORDER[i - 1][1] in nav.group(0)
        if i == len(ORDER) - 1:
            assert "next" not in links
        else:
            assert links["next"] == lesson_url(ORDER[i + 1][0])


def test_a_new_learner_is_sent_to_the_first_lesson(client: FlaskClient, auth: AuthActions) -> None:
    auth.signup()
    html = client.get(COURSE_PAGE).get_data(as_text=True)
    button = re.search(r'<a class="button" href="([^"]+)">Start reading: ([^<]+)</a>', html)
    assert button is not None
    assert button.groups() == (lesson_url(ORDER[0][0]), ORDER[0][1].replace("'", "&#39;"))


def statuses(html: str) -> dict[str, str]:
    """lesson slug → the status shown beside it on the course page."""
    items = re.findall(
        r'lessons/([^"]+)">.*?<span class="status [^"]*">([^<]+)</span>', html, re.DOTALL
    )
    return {slug: status.strip() for slug, status in items}


def pass_quiz(session: Session, clock: FixedClock, user_id: int, quiz_id: str) -> None:
    """Take one of the bundled course's quizzes with every answer right."""
    attempt = attempts.start_attempt(session, clock, user_id, COURSE, quiz_id)
    keys = bundled_keys(quiz_id=quiz_id)
    for slug, question in bundled_questions(quiz_id=quiz_id).items():
        fields = form_answer(question, key=keys[slug])
        attempts.submit_answer(
            session, clock, user_id, attempt, int(keys[slug]), posted(fields), None, fuzz=False
        )
    attempts.submit_attempt(session, clock, user_id, attempt, fuzz=False)


def test_course_page_shows_each_lessons_status(
    client: FlaskClient, auth: AuthActions, session: Session, clock: FixedClock
) -> None:
    learner = make_user(session, clock, "vera@example.org")
    assert auth.login("vera@example.org").status_code == 302
    assert set(statuses(client.get(COURSE_PAGE).get_data(as_text=True)).values()) == {"not started"}
    # Read the first lesson through the page's own button, pass the second's quiz.
    read = auth.post(f"{lesson_url(ORDER[0][0])}/read", {}, token_from=lesson_url(ORDER[0][0]))
    assert read.status_code == 302
    progress.mark_read(session, clock, learner.id, COURSE, ORDER[1][0])
    pass_quiz(session, clock, learner.id, "barbarossa-and-moscow-quiz")
    html = client.get(COURSE_PAGE).get_data(as_text=True)
    assert statuses(html) == {
        "pact-and-winter-war": "read",
        "barbarossa-and-moscow": "quiz passed · best 100%",
        "leningrad-and-stalingrad": "not started",
        "kursk-to-berlin": "not started",
        "soviet-union-ww2": "not started",
        "looking-back": "not started",
    }
    # The one "continue" action goes to the first lesson not yet done: its quiz.
    assert f'href="/courses/{COURSE}/quizzes/pact-and-winter-war-quiz"' in html
    assert "Take the quiz: The pact with Hitler and the Winter War" in html
    # Another learner sees only their own progress.
    auth.logout()
    auth.signup("other@example.org")
    assert set(statuses(client.get(COURSE_PAGE).get_data(as_text=True)).values()) == {"not started"}


def test_anonymous_visitors_see_no_status(client: FlaskClient) -> None:
    html = client.get(COURSE_PAGE).get_data(as_text=True)
    assert statuses(html) == {} and 'class="lesson-title"' in html


def test_timeline_figure_is_served_as_a_safe_image(client: FlaskClient) -> None:
    html = client.get(lesson_url("looking-back")).get_data(as_text=True)
    figure = re.search(r"<figure>(.*?)</figure>", html, re.DOTALL)
    assert figure is not None
    assert f'<img src="{TIMELINE}" alt="Timeline of the Soviet Union at war' in figure.group(1)
    assert "<figcaption>" in figure.group(1)
    assert "| 23 August 1939 |" not in html and "<td>23 August 1939</td>" in html  # the text
    with client.get(TIMELINE) as image:
        assert image.status_code == 200
        assert image.mimetype == "image/svg+xml"
        assert image.data == (REPO / "media" / "timeline.svg").read_bytes()
        assert image.headers["X-Content-Type-Options"] == "nosniff"
        assert "script-src 'self'" in image.headers["Content-Security-Policy"]


def test_the_course_export_carries_the_figure(
    client: FlaskClient, auth: AuthActions, session: Session, clock: FixedClock, tmp_path: Path
) -> None:
    teacher = make_user(session, clock, "teacher@example.org", role=Role.INSTRUCTOR)
    make_class(session, clock, Actor(teacher.id, Role.INSTRUCTOR))  # an author of the course
    assert auth.login("teacher@example.org").status_code == 302
    page = client.get(f"/teach/courses/{COURSE}/content.zip")
    assert page.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(page.data))
    names = archive.namelist()
    assert "media/timeline.svg" in names
    for slug, _ in ORDER:
        assert f"lessons/{slug}.md" in names
    assert {n for n in names if n.startswith("quizzes/")} == {
        f"quizzes/{p.name}" for p in (REPO / "quizzes").glob("*.yaml")
    }
    # What comes out is a content root that loads again, figure included.
    archive.extractall(tmp_path / "export")
    bundle, report = load_root(tmp_path / "export")
    assert bundle is not None and not report.problems, report.lines()
    assert any(lesson.media == ("media/timeline.svg",) for lesson in bundle.lessons)
