"""Public pages, health, errors and security headers through the real app."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from course.clock import FixedClock
from course.settings import Settings

COURSE = "/courses/ww2-soviet-union/"
LESSON = "/courses/ww2-soviet-union/lessons/soviet-union-ww2"


def test_home_shows_the_course(client: FlaskClient) -> None:
    page = client.get("/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "The Soviet Union in World War II" in html
    assert 'lang="en"' in html
    assert "soviet-union-ww2" in html


def test_lesson_page_renders_with_anchors_and_credit(client: FlaskClient) -> None:
    html = client.get(LESSON).get_data(as_text=True)
    assert 'id="the-war-with-japan"' in html
    assert 'href="#the-war-with-japan"' in html  # table of contents
    assert "The World War II Multimedia Database" in html
    assert "<table>" in html


def test_healthz(client: FlaskClient) -> None:
    body = client.get("/healthz").get_json()
    assert body["status"] == "ok" and body["database"] == "ok"
    assert len(body["content"]["ww2-soviet-union"]) == 12


def test_unknown_pages_are_friendly_404s(client: FlaskClient) -> None:
    for path in ("/nope", "/courses/none/", "/courses/ww2-soviet-union/lessons/none"):
        page = client.get(path)
        html = page.get_data(as_text=True)
        assert page.status_code == 404
        assert "Back to the course" in html and "Traceback" not in html


def test_json_errors_when_asked(client: FlaskClient) -> None:
    page = client.get("/nope", headers={"Accept": "application/json"})
    assert page.status_code == 404 and page.get_json()["status"] == 404


def test_security_headers(client: FlaskClient) -> None:
    headers = client.get("/").headers
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"


def test_media_never_leaves_the_content_root(client: FlaskClient) -> None:
    for path in (
        "/media/ww2-soviet-union/../../etc/passwd",
        "/media/ww2-soviet-union/..%2f..%2fpyproject.toml",
        "/media/ww2-soviet-union/pyproject.toml",
        "/media/ww2-soviet-union/lessons/soviet-union-ww2.md",
    ):
        assert client.get(path).status_code == 404, path


def test_oversized_request_is_413(client: FlaskClient) -> None:
    page = client.post("/login", data={"email": "x" * (3 * 1024 * 1024)})
    assert page.status_code == 413
    assert "too large" in page.get_data(as_text=True)


def test_database_down_gives_503(tmp_path: Path, settings: Settings) -> None:
    from course.store.engine import make_engine
    from course.web.app import create_app

    missing = tmp_path / "no-such-dir" / "course.db"
    app = create_app(
        settings.with_overrides(database_url=f"sqlite:///{missing}"),
        make_engine(f"sqlite:///{missing}"),
    )
    client = app.test_client()
    health = client.get("/healthz")
    assert health.status_code == 503 and health.get_json()["status"] == "unavailable"
    page = client.get("/")
    assert page.status_code == 503
    assert "database cannot be reached" in page.get_data(as_text=True)
    assert "Traceback" not in page.get_data(as_text=True)


def test_media_served_with_type_from_content_root(
    tmp_path: Path, client: FlaskClient, session: Session, clock: FixedClock
) -> None:
    import shutil

    from course.services.content_sync import sync_root
    from tests.factories import REPO

    root = tmp_path / "content"
    shutil.copytree(REPO / "lessons", root / "lessons")
    shutil.copytree(REPO / "quizzes", root / "quizzes")
    shutil.copytree(REPO / "media", root / "media")
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 64
    (root / "media" / "map.png").write_bytes(png)
    (root / "media" / "speech.mp3").write_bytes(b"ID3" + b"0" * 64)
    (root / "media" / "speech.txt").write_text("Transcript.", encoding="utf-8")
    lesson = root / "lessons" / "soviet-union-ww2.md"
    lesson.write_text(
        lesson.read_text(encoding="utf-8") + "\n![Map of Manchuria](media/map.png)\n\n"
        '![A speech](media/speech.mp3 "media/speech.txt")\n',
        encoding="utf-8",
    )
    (root / "course.yaml").write_text("id: media-course\ntitle: Media\n", encoding="utf-8")
    sync_root(session, clock, root)
    html = client.get("/courses/media-course/lessons/soviet-union-ww2").get_data(as_text=True)
    assert '<img src="/media/media-course/media/map.png" alt="Map of Manchuria"' in html
    assert "<audio controls" in html and ">Transcript</a>" in html
    with client.get("/media/media-course/media/map.png") as image:
        assert image.status_code == 200 and image.mimetype == "image/png" and image.data == png
    with client.get("/media/media-course/media/speech.mp3") as audio:
        assert audio.mimetype == "audio/mpeg" and audio.data.startswith(b"ID3")
    assert client.get("/media/media-course/quizzes/soviet-union-ww2.yaml").status_code == 404


def test_unexpected_error_is_a_page(app: Flask) -> None:
    def boom() -> str:
        raise RuntimeError("secret detail /etc/passwd")

    app.add_url_rule("/boom", "boom", boom)
    page = app.test_client().get("/boom")
    text = page.get_data(as_text=True)
    assert page.status_code == 500 and "Back to the course" in text
    assert "secret detail" not in text and "Traceback" not in text


def test_anonymous_json_gets_401_and_html_gets_login(client: FlaskClient) -> None:
    api = client.get("/review", headers={"Accept": "application/json"})
    assert api.status_code == 401 and api.get_json()["status"] == 401
    page = client.get("/review")
    assert page.status_code == 302
    assert page.headers["Location"].startswith("/login?next=/review")
