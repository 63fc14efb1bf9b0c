"""`course import-article` on a corpus of page shapes instructors really have.

Each page in tests/content/pages was written for these tests; expected.yaml says what
the lesson draft must hold: the article's own title (never the site name, a tagline, a
caption or a byline), its headings, its first and last paragraph, its figures and
sources, and none of the site's chrome.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from course.content.lessons import split_front_matter
from course.services.authoring import import_lesson
from course.services.content_sync import validate_root

PAGES = Path(__file__).parent / "pages"
EXPECTED: dict[str, dict[str, Any]] = yaml.safe_load(
    (PAGES / "expected.yaml").read_text(encoding="utf-8")
)
# Chrome no page may leave in its lesson.
EVERYWHERE = ["Leave a Reply", "Post Comment", "Skip to", "cookie", "Share this", "©"]


def _parts(body: str) -> tuple[list[str], list[str], list[str], str]:
    """Headings, paragraphs, figure lines and the Sources section of a lesson body."""
    body, _, sources = body.partition("\n## Sources\n")
    blocks = [b.strip() for b in re.split(r"\n\s*\n", body) if b.strip()]
    headings = [re.sub(r"^#+\s+", "", b) for b in blocks if b.startswith("#")]
    figures = [b for b in blocks if b.startswith(("![", "*Figure: "))]
    paragraphs = [b for b in blocks if not b.startswith(("#", "![", "*Figure: ", ">", "- ", "|"))]
    return headings, paragraphs, figures, sources


@pytest.fixture(scope="module")
def corpus_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("corpus")
    for name in EXPECTED:
        lessons = root / Path(name).stem / "lessons"
        import_lesson(PAGES / name, lessons.parent)
    return root


def test_corpus_has_at_least_fifteen_shapes() -> None:
    assert len(EXPECTED) >= 15
    assert sorted(EXPECTED) == sorted(p.name for p in PAGES.iterdir() if p.suffix != ".yaml")


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_page_imports_as_expected(corpus_root: Path, name: str) -> None:
    want = EXPECTED[name]
    lesson = corpus_root / Path(name).stem / "lessons" / f"{want['slug']}.md"
    assert lesson.exists(), sorted(p.name for p in lesson.parent.iterdir())
    text = lesson.read_text(encoding="utf-8")
    meta_text, body, _ = split_front_matter(text)
    meta = yaml.safe_load(meta_text or "")
    assert meta["title"] == want["title"]
    assert meta["id"] == want["slug"]
    assert meta["draft"] is True
    assert meta["source"]["title"] == want["title"]
    for key in ("publisher", "author", "date"):
        if key in want:
            assert meta["source"].get(key) == want[key], key
    assert body.lstrip().startswith("> **Draft — rewrite before publishing.**")
    headings, paragraphs, figures, sources = _parts(body)
    assert headings == want["headings"]
    assert paragraphs[0] == want["first"]
    assert paragraphs[-1] == want["last"]
    assert all("\n" not in p for p in paragraphs)  # no heading glued to a paragraph
    for caption in want.get("figures", []):
        # An image on another site would be blocked by the page's content policy: the
        # lesson keeps its caption and address as a line, never an external image link.
        assert any(
            f.startswith(f"*Figure: {caption} (image on another site: <http") for f in figures
        ), (
            caption,
            figures,
        )
        assert not any(f.startswith("![") and "](http" in f for f in figures), figures
    for source in want.get("sources", []):
        assert source in sources, (source, sources)
    if not want.get("sources"):
        assert not sources
    for chrome in [*want.get("absent", []), *EVERYWHERE]:
        assert chrome not in body, chrome


def test_every_draft_validates(corpus_root: Path) -> None:
    for root in sorted(p for p in corpus_root.iterdir() if p.is_dir()):
        bundle, report = validate_root(root)
        assert bundle is not None, report.lines()


def test_images_without_an_address_become_caption_lines(tmp_path: Path) -> None:
    page = tmp_path / "kursk.html"
    page.write_text(
        "<html><head><title>Kursk | Site</title></head><body><article><h1>Kursk</h1>"
        "<p>The battle of Kursk began on 5 July 1943 when German armour attacked.</p>"
        '<figure><img src="images/t34.jpg"><figcaption>A T-34 tank</figcaption></figure>'
        "<p>It ended in a Soviet victory.</p></article></body></html>",
        encoding="utf-8",
    )
    lesson = import_lesson(page, tmp_path)
    assert "*Figure: A T-34 tank (image not imported: images/t34.jpg)*" in lesson.read_text(
        encoding="utf-8"
    )
    bundle, report = validate_root(tmp_path)  # no missing media file
    assert bundle is not None, report.lines()
    with_address = import_lesson(page, tmp_path, url="https://example.org/kursk/", force=True)
    text = with_address.read_text(encoding="utf-8")
    assert "![" not in text
    assert (
        "*Figure: A T-34 tank (image on another site: <https://example.org/kursk/images/t34.jpg>)*"
        in text
    )
    bundle, report = validate_root(tmp_path)
    assert bundle is not None and not report.warnings, report.lines()
