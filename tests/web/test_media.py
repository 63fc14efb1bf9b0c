"""The media route serves only the content root's media (THREATS 32, 60): files under its
``media/`` or referenced by its lessons; never other files of the root or the checkout
around it, never ``..``, absolute paths, symlinks or NUL."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from course.clock import FixedClock
from course.services.content_sync import sync_root
from tests.factories import REPO

PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 64


@pytest.fixture
def root(tmp_path: Path, session: Session, clock: FixedClock) -> Path:
    """A content root inside a "checkout" that holds other images."""
    checkout = tmp_path / "checkout"
    root = checkout / "content"
    shutil.copytree(REPO / "lessons", root / "lessons")
    shutil.copytree(REPO / "quizzes", root / "quizzes")
    shutil.copytree(REPO / "media", root / "media")
    for rel in ("media/map.png", "images/referenced.png", "docs/screenshot.png"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(PNG)
    (checkout / "outside.png").write_bytes(PNG)
    (root / "media" / "escape.png").symlink_to(checkout / "outside.png")
    (root / "media" / "inner.png").symlink_to(root / "docs" / "screenshot.png")
    (root / "linked").symlink_to(root / "docs")
    lesson = root / "lessons" / "soviet-union-ww2.md"
    lesson.write_text(
        lesson.read_text(encoding="utf-8") + "\n![A map](images/referenced.png)\n",
        encoding="utf-8",
    )
    (root / "course.yaml").write_text("id: media-course\ntitle: Media\n", encoding="utf-8")
    sync_root(session, clock, root)
    return root


def test_media_and_referenced_files_are_served(client: FlaskClient, root: Path) -> None:
    for path in ("media/map.png", "images/referenced.png"):
        with client.get(f"/media/media-course/{path}") as page:
            assert page.status_code == 200 and page.data == PNG, path


@pytest.mark.parametrize(
    "path",
    [
        "docs/screenshot.png",  # in the root, neither under media/ nor referenced
        "linked/screenshot.png",
        "media/escape.png",  # symlink out of the root
        "media/inner.png",  # symlink inside the root: still not the file itself
        "media/../docs/screenshot.png",
        "media/..%2f..%2foutside.png",
        "../outside.png",
        "%2e%2e/outside.png",
        "/etc/passwd.png",
        "%2Fetc%2Fpasswd.png",
        "media/map.png%00.txt",
        "media/map%00.png",
        "quizzes/soviet-union-ww2.yaml",
        "lessons/soviet-union-ww2.md",
        "course.yaml",
    ],
)
def test_nothing_else_is_served(client: FlaskClient, root: Path, path: str) -> None:
    page = client.get(f"/media/media-course/{path}", follow_redirects=True)  # "//" merges
    assert page.status_code in (400, 404), path
    assert page.data != PNG


def test_the_checkout_around_the_default_root_is_not_served(client: FlaskClient) -> None:
    """The bundled course's root is the repository checkout: its screenshots stay private."""
    assert (REPO / "docs" / "screenshots" / "lesson.png").is_file()
    page = client.get("/media/ww2-soviet-union/docs/screenshots/lesson.png")
    assert page.status_code == 404
