"""Article import and quiz drafting on pages written in the shape of a WordPress article."""

from __future__ import annotations

from pathlib import Path

import pytest

from course.content.importer import from_html, from_text
from course.errors import Conflict
from course.services.authoring import draft_quiz, import_lesson
from course.services.content_sync import validate_root

PAGES = Path(__file__).parent / "pages"
CHROME = [
    "Next Post",
    "Previous Post",
    "Leave a Reply",
    "Akismet",
    "©",
    "Theme by",
    "Share this",
    "Recent Posts",
    "Post Comment",
    "casino",
    "grandfather",
    "Home",
    "Proudly powered",
]


def test_wordpress_article_keeps_content_and_drops_chrome() -> None:
    draft = from_html((PAGES / "wordpress-article.html").read_text(encoding="utf-8"))
    assert draft.title == "The Winter War"
    assert draft.publisher == "The Test History Archive"
    assert draft.url == "https://history.example.org/the-winter-war/"
    assert "## A hard winter" in draft.body
    assert (
        "*Figure: Finnish ski troops in January 1940 (image on another site: "
        "<https://history.example.org/wp-content/uploads/ski-troops.jpg>)*" in draft.body
    )
    assert "[the Continuation War](https://history.example.org/continuation-war/)" in draft.body
    for chrome in CHROME:
        assert chrome not in draft.body, chrome


def test_comments_and_sidebar_removed() -> None:
    draft = from_html((PAGES / "wordpress-sidebar-comments.html").read_text(encoding="utf-8"))
    assert draft.title == "Operation Bagration"
    assert "22 June 1944" in draft.body and "Why it mattered" in draft.body
    for chrome in [*CHROME, "Posted in", "Battle of Berlin"]:
        assert chrome not in draft.body, chrome


def test_plain_text_article() -> None:
    draft = from_text((PAGES / "plain-article.txt").read_text(encoding="utf-8"))
    assert draft.title == "The Siege of Leningrad"
    assert draft.publisher == "The Test History Archive"
    assert draft.body.startswith("The siege of Leningrad began on 8 September 1941")
    for chrome in CHROME:
        assert chrome not in draft.body, chrome


def test_import_writes_lesson_and_never_overwrites(tmp_path: Path) -> None:
    source = PAGES / "wordpress-article.html"
    path = import_lesson(source, tmp_path, url="https://history.example.org/the-winter-war/")
    assert path == tmp_path / "lessons" / "the-winter-war.md"
    text = path.read_text(encoding="utf-8")
    assert 'publisher: "The Test History Archive"' in text and "draft: true" in text
    path.write_text(text + "\nMy edits.\n", encoding="utf-8")
    with pytest.raises(Conflict, match="use --force"):
        import_lesson(source, tmp_path)
    assert "My edits." in path.read_text(encoding="utf-8")
    import_lesson(source, tmp_path, force=True)
    assert "My edits." not in path.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "page", ["wordpress-article.html", "wordpress-sidebar-comments.html", "plain-article.txt"]
)
def test_draft_quiz_from_imported_lesson_validates(tmp_path: Path, page: str) -> None:
    lesson = import_lesson(PAGES / page, tmp_path)
    result = draft_quiz(lesson)
    assert result.questions >= 2
    text = result.path.read_text(encoding="utf-8")
    assert text.startswith("# DRAFT") and "- draft" in text and "examples:" in text
    bundle, report = validate_root(tmp_path)
    assert bundle is not None, report.lines()


def test_draft_quiz_on_bundled_lesson_covers_dates_numbers_names(tmp_path: Path) -> None:
    repo = Path(__file__).resolve().parents[2]
    (tmp_path / "lessons").mkdir()
    lesson = tmp_path / "lessons" / "soviet-union-ww2.md"
    lesson.write_bytes((repo / "lessons" / "soviet-union-ww2.md").read_bytes())
    result = draft_quiz(lesson)
    text = result.path.read_text(encoding="utf-8")
    for kind in ("type: date", "type: number", "type: cloze"):
        assert kind in text
    assert "answer: 1945-08-09" in text or "answer: '1945-08-09'" in text
    bundle, report = validate_root(tmp_path)
    assert bundle is not None, report.lines()
    with pytest.raises(Conflict):
        draft_quiz(lesson)
