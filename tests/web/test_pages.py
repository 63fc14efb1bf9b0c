"""Public pages, health, errors and security headers through the real app."""

from __future__ import annotations

from flask.testing import FlaskClient

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
