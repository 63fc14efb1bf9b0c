"""The instructor's import page: upload GIFT or Moodle XML, read the report, publish the
quiz it makes through the authoring page's validate-and-sync."""

from __future__ import annotations

import html as html_lib
import io
from pathlib import Path

from flask import Flask
from sqlalchemy.orm import Session

from course.clock import FixedClock
from course.services.content_sync import sync_root
from tests.factories import (
    COURSE,
    PASSWORD,
    AuthActions,
    course_copy,
    make_class,
    make_instructor,
)

DATA = Path(__file__).parent / "data"
IMPORT = f"/teach/courses/{COURSE}/import"


def upload(browser: AuthActions, name: str, content: bytes, **fields: str) -> object:
    return browser.post(IMPORT, {"file": (io.BytesIO(content), name), **fields}, token_from=IMPORT)


def test_upload_report_then_publish(
    app: Flask, auth: AuthActions, session: Session, clock: FixedClock, tmp_path: Path
) -> None:
    root = course_copy(tmp_path / "content")
    sync_root(session, clock, root)
    make_class(session, clock, make_instructor(session, clock))  # an author of the course
    teacher = auth.browser()
    teacher.login("teacher@example.org", PASSWORD)
    page = upload(
        teacher, "eastern.gift", (DATA / "full.gift").read_bytes(), lesson="soviet-union-ww2"
    )
    html = page.get_data(as_text=True)  # type: ignore[attr-defined]
    assert page.status_code == 200  # type: ignore[attr-defined]
    assert "line 48: essay &#39;Essay&#39;: dropped" in html
    assert "16 question(s): 13 kept, 1 approximated, 2 dropped" in html
    assert not (root / "quizzes" / "eastern.yaml").exists()  # nothing saved yet
    start = html.index('<textarea id="text" name="text"')
    yaml_text = html[html.index(">", start) + 1 : html.index("</textarea>", start)]
    published = teacher.post(
        f"/teach/courses/{COURSE}/author",
        {"filename": "eastern.yaml", "text": html_lib.unescape(yaml_text), "action": "publish"},
        token_from=f"/teach/courses/{COURSE}/author",
    )
    assert published.status_code == 302
    assert not (root / "quizzes" / "eastern.yaml").exists()  # a version in the database
    assert teacher.client.get(f"/courses/{COURSE}/quizzes/eastern").status_code == 200


def test_malformed_upload_lists_every_line(
    app: Flask, auth: AuthActions, session: Session, clock: FixedClock
) -> None:
    make_class(session, clock, make_instructor(session, clock))
    teacher = auth.browser()
    teacher.login("teacher@example.org", PASSWORD)
    page = upload(
        teacher,
        "bad.gift",
        b"First?{=a ~b}\n\nSecond?{#x}\n\n::Third{T}\n",
        lesson="soviet-union-ww2",
    )
    html = page.get_data(as_text=True)  # type: ignore[attr-defined]
    assert page.status_code == 422  # type: ignore[attr-defined]
    assert "3: &#39;x&#39; is not a number" in html and "5: &#39;::&#39; opens a title" in html
    hostile = upload(
        teacher, "x.xml", b'<!DOCTYPE q [<!ENTITY e SYSTEM "file:///etc/passwd">]><quiz/>'
    )
    assert hostile.status_code == 422  # type: ignore[attr-defined]
    wrong_kind = upload(teacher, "x.pdf", b"%PDF")
    assert wrong_kind.status_code == 422  # type: ignore[attr-defined]


def test_only_authors_of_the_course_can_import(
    auth: AuthActions, session: Session, clock: FixedClock
) -> None:
    learner = auth.browser()
    learner.signup("kim@example.org")
    assert learner.client.get(IMPORT).status_code == 403
    make_instructor(session, clock, "other@example.org")  # teaches no class of the course
    other = auth.browser()
    other.login("other@example.org", PASSWORD)
    assert other.client.get(IMPORT).status_code == 403
    refused = upload(other, "eastern.gift", (DATA / "full.gift").read_bytes())
    assert refused.status_code == 403  # type: ignore[attr-defined]
