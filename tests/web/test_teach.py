"""Instructor pages through the app: the authorization matrix, authoring, exports."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from course.clock import FixedClock
from course.services import classes, disputes
from course.services.authz import Actor
from course.services.content_sync import sync_root, validate_root
from course.store.users import Role
from tests.factories import (
    KEYS,
    REPO,
    AuthActions,
    answer_path,
    attempt_id_from,
    course_copy,
    field,
    make_class,
    make_user,
    take_quiz,
)

COURSE = "ww2-soviet-union"
QFILE = "quizzes/soviet-union-ww2.yaml"


def logged_in(app: Flask, email: str) -> FlaskClient:
    return AuthActions(app.test_client()).login_as(email)


@pytest.fixture
def world(app: Flask, session: Session, clock: FixedClock) -> dict[str, object]:
    """A class of one instructor with one learner who took the quiz, plus outsiders."""
    people = {}
    for name, role in [
        ("teacher", Role.INSTRUCTOR),
        ("other_teacher", Role.INSTRUCTOR),
        ("learner", Role.LEARNER),
        ("other_learner", Role.LEARNER),
        ("admin", Role.ADMIN),
    ]:
        people[name] = make_user(
            session, clock, f"{name}@example.org", display_name=name, role=role
        )
    teacher = Actor(people["teacher"].id, Role.INSTRUCTOR)
    class_id, code = make_class(session, clock, teacher, "9B", COURSE)
    classes.join(session, clock, Actor(people["learner"].id, Role.LEARNER), code)
    # A submitted attempt with two wrong answers, one of them disputed.
    taken = take_quiz(session, clock, people["learner"].id, wrong=["north-of-japan", "parallel"])
    dispute = disputes.open_dispute(
        session,
        clock.now(),
        Actor(people["learner"].id, Role.LEARNER),
        taken,
        int(KEYS["north-of-japan"]),
        "It should count",
    )
    learner = logged_in(app, "learner@example.org")
    quiz = f"/courses/{COURSE}/quizzes/soviet-union-ww2-quiz"
    start = AuthActions(learner).post(f"{quiz}/start", {}, token_from=quiz)
    return {
        "class_id": class_id,
        "learner_id": people["learner"].id,
        "attempt": attempt_id_from(start.headers["Location"]),
        "people": people,
        "taken": taken,
        "dispute": dispute,
    }


ROLES = ["anonymous", "learner", "other_learner", "teacher", "other_teacher", "admin"]
# path template → expected status per role, in ROLES order
MATRIX = [
    ("/teach", [302, 403, 403, 200, 200, 200]),
    ("/teach/classes/{c}", [302, 403, 403, 200, 404, 200]),
    ("/teach/classes/{c}/learners/{l}", [302, 403, 403, 200, 404, 200]),
    ("/teach/classes/{c}/quizzes/soviet-union-ww2-quiz", [302, 403, 403, 200, 404, 200]),
    ("/teach/classes/{c}/quizzes/soviet-union-ww2-quiz/keys", [302, 403, 403, 200, 404, 200]),
    ("/teach/classes/{c}/gradebook.csv", [302, 403, 403, 200, 404, 200]),
    ("/teach/classes/{c}/responses.csv", [302, 403, 403, 200, 404, 200]),
    ("/teach/classes/{c}/misconceptions", [302, 403, 403, 200, 404, 200]),
    (
        "/teach/classes/{c}/quizzes/soviet-union-ww2-quiz/misconceptions",
        [302, 403, 403, 200, 404, 200],
    ),
    (
        "/teach/classes/{c}/quizzes/soviet-union-ww2-quiz/questions/north-of-japan",
        [302, 403, 403, 200, 404, 200],
    ),
    # Content: the course's instructors (a class of it) and admins only.
    ("/teach/courses/ww2-soviet-union/author", [302, 403, 403, 200, 403, 200]),
    ("/teach/courses/ww2-soviet-union/content.zip", [302, 403, 403, 200, 403, 200]),
    (f"/teach/courses/ww2-soviet-union/files/{QFILE}/edit", [302, 403, 403, 200, 403, 200]),
    (f"/teach/courses/ww2-soviet-union/files/{QFILE}/history", [302, 403, 403, 200, 403, 200]),
    (
        f"/teach/courses/ww2-soviet-union/files/{QFILE}/diff?old=1&new=1",
        [302, 403, 403, 200, 403, 200],
    ),
    ("/admin/users", [302, 403, 403, 403, 403, 200]),
    ("/attempts/{a}", [302, 200, 404, 404, 404, 404]),
    ("/classes", [302, 200, 200, 200, 200, 200]),
    ("/review", [302, 200, 200, 200, 200, 200]),
    ("/courses/ww2-soviet-union/", [200, 200, 200, 200, 200, 200]),
    ("/healthz", [200, 200, 200, 200, 200, 200]),
    # Disputes: the inbox of one's own learners (empty for the other instructor).
    ("/teach/disputes", [302, 403, 403, 200, 200, 200]),
    ("/teach/classes/{c}/disputes", [302, 403, 403, 200, 404, 200]),
    ("/teach/disputes/{d}", [302, 403, 403, 200, 404, 200]),
    ("/attempts/{t}/results", [302, 200, 404, 404, 404, 404]),
]
POSTS = [
    # First, while the learner is in the class. Disputing: only the learner's own
    # answer (then it is open: one dispute per answer).
    ("/attempts/{t}/questions/{p}/dispute", {"comment": "x"}, [302, 302, 404, 404, 404, 404]),
    # Settling: the class's instructor first; then it is settled for the admin (409).
    (
        "/teach/disputes/{d}/resolve",
        {"action": "decline", "reply": "No."},
        [302, 403, 403, 302, 404, 409],
    ),
    ("/teach/classes", {"course_id": COURSE, "name": "X"}, [302, 403, 403, 302, 302, 302]),
    ("/teach/classes/{c}/code", {}, [302, 403, 403, 302, 404, 302]),
    ("/teach/classes/{c}/members/{l}/remove", {}, [302, 403, 403, 302, 404, 302]),
    (
        f"/teach/courses/ww2-soviet-union/files/{QFILE}/revert",
        {"revision": "1"},
        # Version 1 is the served one: nothing to bring back, a note says so. The other
        # instructor created a class of the course above, so teaches it now.
        [302, 403, 403, 302, 302, 302],
    ),
    (
        "/teach/classes/{c}/quizzes/soviet-union-ww2-quiz/keys/apply",
        # A stale proposal (no such revision): refused with 409 once access is granted.
        {"question_id": "1", "revision_id": "999999", "kind": "accept_text", "value": "x"},
        [302, 403, 403, 409, 404, 409],
    ),
    # Last: a role change ends the learner's sessions.
    ("/admin/users/{l}/role", {"role": "instructor"}, [302, 403, 403, 403, 403, 302]),
]


def client_for(app: Flask, role: str) -> FlaskClient:
    return app.test_client() if role == "anonymous" else logged_in(app, f"{role}@example.org")


def test_authorization_matrix(app: Flask, world: dict[str, object]) -> None:
    clients = {role: client_for(app, role) for role in ROLES}
    values = {"c": world["class_id"], "l": world["learner_id"], "a": world["attempt"]}
    values |= {"t": world["taken"], "d": world["dispute"], "p": KEYS["parallel"]}
    failures = []
    for template, expected in MATRIX:
        path = template.format(**values)
        for role, status in zip(ROLES, expected, strict=True):
            got = clients[role].get(path).status_code
            if got != status:
                failures.append(f"GET {path} as {role}: {got}, expected {status}")
    for template, data, expected in POSTS:
        path = template.format(**values)
        for role, status in zip(ROLES, expected, strict=True):
            token = AuthActions(clients[role]).csrf("/login" if role == "anonymous" else "/")
            got = clients[role].post(path, data={**data, "csrf_token": token}).status_code
            if got != status:
                failures.append(f"POST {path} as {role}: {got}, expected {status}")
    assert not failures, "\n".join(failures)


def test_join_link_and_assignments_page(app: Flask, world: dict[str, object]) -> None:
    other = logged_in(app, "other_learner@example.org")
    teacher = logged_in(app, "teacher@example.org")
    overview = teacher.get(f"/teach/classes/{world['class_id']}").get_data(as_text=True)
    code = re.search(r'class="big-code">([A-Z0-9]+)<', overview)
    assert code is not None
    assert code.group(1) in other.get(f"/join/{code.group(1)}").get_data(as_text=True)
    joined = AuthActions(other).post(
        "/classes/join", {"code": code.group(1).lower()}, token_from="/classes"
    )
    assert joined.status_code == 302
    assign = AuthActions(teacher).post(
        f"/teach/classes/{world['class_id']}/assignments",
        {"target": "lesson:soviet-union-ww2", "due": "2026-03-01T10:00"},
        token_from="/teach",
    )
    assert assign.status_code == 302
    page = other.get("/classes").get_data(as_text=True)
    assert "Read: The war with Japan" in page and "overdue" in page
    assert "Assigned." in teacher.get(assign.headers["Location"]).get_data(as_text=True)
    again = AuthActions(teacher).post(
        f"/teach/classes/{world['class_id']}/assignments",
        {"target": "lesson:soviet-union-ww2", "due": "2026-04-02T10:00"},
        token_from="/teach",
    )
    moved = teacher.get(again.headers["Location"]).get_data(as_text=True)
    assert "It was assigned already: its due date moved from" in moved
    assert "1 Mar" in moved and "2 Apr" in moved, moved
    bad = AuthActions(teacher).post(
        f"/teach/classes/{world['class_id']}/assignments",
        {"target": "lesson:nope", "due": "2026-03-01T10:00"},
        token_from="/teach",
    )
    assert bad.status_code == 400


def test_web_authoring_preview_publish_and_zip(
    app: Flask, world: dict[str, object], tmp_path: Path, session: Session, clock: FixedClock
) -> None:
    root = course_copy(tmp_path / "content")
    sync_root(session, clock, root)  # a root the test can watch: publishing never writes it
    teacher = logged_in(app, "teacher@example.org")
    path = f"/teach/courses/{COURSE}/author"
    broken = (
        "title: Extra\nlesson: soviet-union-ww2\nquestions:\n  - id: a\n    type: true_false\n"
        "    prompt: Is this broken?\n    answr: true\n"
    )
    page = AuthActions(teacher).post(
        path,
        {"filename": "extra.yaml", "text": broken, "action": "publish"},
        token_from=path,
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 422
    assert "unknown key &#39;answr&#39;" in html and 'class="bad"' in html
    assert not (root / "quizzes" / "extra.yaml").exists()  # nothing published
    fixed = broken.replace("answr", "answer")
    done = AuthActions(teacher).post(
        path,
        {"filename": "extra.yaml", "text": fixed, "action": "publish"},
        token_from=path,
    )
    assert done.status_code == 302
    assert not (root / "quizzes" / "extra.yaml").exists()  # stored in the database only
    served = teacher.get(f"/courses/{COURSE}/quizzes/extra")
    assert served.status_code == 200 and "Extra" in served.get_data(as_text=True)
    traversal = AuthActions(teacher).post(
        path,
        {"filename": "../../evil.yaml", "text": fixed, "action": "preview"},
        token_from=path,
    )
    # Only the base name is used, and a preview writes nothing.
    assert traversal.status_code == 200 and not (tmp_path / "evil.yaml").exists()
    assert not (root / "quizzes" / "evil.yaml").exists()
    assert "No problems found in evil.yaml" in traversal.get_data(as_text=True)
    archive = teacher.get(f"/teach/courses/{COURSE}/content.zip").data
    unpacked = tmp_path / "unzipped"
    zipfile.ZipFile(io.BytesIO(archive)).extractall(unpacked)
    bundle, report = validate_root(unpacked)
    assert bundle is not None, report.lines()
    assert len(bundle.quizzes) == len(list((REPO / "quizzes").glob("*.yaml"))) + 1  # + extra


def test_admin_promotes(app: Flask, world: dict[str, object]) -> None:
    admin = logged_in(app, "admin@example.org")
    target = world["learner_id"]
    page = AuthActions(admin).post(
        f"/admin/users/{target}/role", {"role": "instructor"}, token_from="/admin/users"
    )
    assert page.status_code == 302
    promoted = logged_in(app, "learner@example.org")
    assert promoted.get("/teach").status_code == 200
    forged = AuthActions(admin).post(
        f"/admin/users/{target}/role", {"role": "superuser"}, token_from="/admin/users"
    )
    assert forged.status_code == 400


def test_learner_detail_shows_answers_reviews_and_recall(
    app: Flask, world: dict[str, object]
) -> None:
    learner = logged_in(app, "learner@example.org")
    attempt = world["attempt"]
    AuthActions(learner).post(
        answer_path(str(attempt), "north-of-japan"),
        {field("north-of-japan"): "<b>Hokkaido</b>"},
        token_from=f"/attempts/{attempt}",
    )
    teacher = logged_in(app, "teacher@example.org")
    page = teacher.get(f"/teach/classes/{world['class_id']}/learners/{world['learner_id']}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "&lt;b&gt;Hokkaido&lt;/b&gt;" in html and "<b>Hokkaido" not in html  # escaped
    assert "Predicted recall" in html and "Review history" in html
    assert re.search(
        r'<td data-label="Question">north-of-japan</td><td data-label="Rating">again</td>',
        html.replace("\n", ""),
    )


def test_removing_a_learner_names_who_left_and_keeps_their_work(
    app: Flask, world: dict[str, object], session: Session
) -> None:
    teacher = logged_in(app, "teacher@example.org")
    people = world["people"]
    assert isinstance(people, dict)
    path = f"/teach/classes/{world['class_id']}/members/{world['learner_id']}/remove"
    removed = AuthActions(teacher).post(path, {}, token_from="/teach")
    assert removed.status_code == 302
    page = teacher.get(removed.headers["Location"]).get_data(as_text=True)
    assert "learner (learner@example.org) was taken out of the class" in page
    assert "learner@example.org</span>" not in page  # no longer in the class's table
    again = AuthActions(teacher).post(path, {}, token_from="/teach")
    assert "was not in the class: nothing changed" in teacher.get(
        again.headers["Location"]
    ).get_data(as_text=True)
    learner = logged_in(app, "learner@example.org")
    results = learner.get(f"/attempts/{world['taken']}/results")
    assert results.status_code == 200  # their work stays theirs
