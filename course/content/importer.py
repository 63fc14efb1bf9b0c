"""Turn an article (a saved web page or plain text) into a lesson draft.

HTML goes through trafilatura, a maintained main-content extractor, which drops
navigation, comments, sidebars and share buttons; image captions are recovered from
``<figcaption>``. Plain text is split into paragraphs. Both then lose the usual site
chrome lines (post navigation, comment prompts, spam-filter notices, copyright and
theme credits). The draft records where it came from in its front matter.

trafilatura and lxml are imported only when an HTML page is imported: they are authoring
tools, and a missing or broken one must never stop `course serve` or `course --help`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from course.content.markdown import slugify

_CHROME = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"^(next|previous|older|newer) (post|article|entry)s?\b.*$",
        r"^leave a (reply|comment)\b.*$",
        r"^\d+ (comments?|responses?|replies)$",
        r"^this site uses akismet\b.*$",
        r"^learn how your comment data is processed\.?$",
        r"^your email address will not be published\b.*$",
        r"^(©|&copy;|\(c\)|copyright)\s.*$",
        r"^theme by\b.*$",
        r"^(proudly )?powered by\b.*$",
        r"^share this:?$",
        r"^(like|share|tweet|pin it|email|print)( this)?:?$",
        r"^(posted|filed) (in|under)\b.*$",
        r"^tags?:.*$",
        r"^skip to (content|main content)$",
        r"^(menu|search|search for:|post comment|related posts?|recent posts?)$",
    )
]


class ArticleImportError(Exception):
    """The source could not be turned into a lesson (the message says why)."""


class ExtractorUnavailable(ArticleImportError):
    """The HTML extractor (trafilatura, lxml) cannot be imported in this environment."""


def _html_tools() -> tuple[ModuleType, Any]:
    """trafilatura and ``lxml.html``, imported on first use; a clear error if either is
    missing or broken (``lxml.html.clean`` now lives in the separate lxml_html_clean)."""
    try:
        import lxml.html
        import trafilatura
    except ImportError as exc:
        raise ExtractorUnavailable(
            f"importing a web page needs trafilatura and lxml, which cannot be loaded here "
            f"({exc}). Reinstall the engine (`pip install --force-reinstall course`), or "
            "save the article as a plain-text file and import that."
        ) from exc
    return trafilatura, lxml.html


@dataclass(frozen=True)
class Draft:
    """A lesson draft: Markdown body and the source it credits."""

    title: str
    body: str
    publisher: str = ""
    url: str = ""

    @property
    def slug(self) -> str:
        return slugify(self.title)

    def to_markdown(self, order: int = 0) -> str:
        lines = ["---", f"id: {self.slug}", f"title: {_yaml_text(self.title)}"]
        if order:
            lines.append(f"order: {order}")
        lines.append("draft: true")
        lines.append("source:")
        lines.append(f"  title: {_yaml_text(self.title)}")
        if self.publisher:
            lines.append(f"  publisher: {_yaml_text(self.publisher)}")
        if self.url:
            lines.append(f"  url: {_yaml_text(self.url)}")
        lines += ["---", "", self.body.strip(), ""]
        return "\n".join(lines)


def _yaml_text(text: str) -> str:
    """Quote for YAML: double quotes with escapes, always safe."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def is_chrome(line: str) -> bool:
    text = line.strip().strip("*_#> ").strip()
    return any(p.match(text) for p in _CHROME)


def _clean_lines(markdown: str) -> str:
    kept: list[str] = []
    for line in markdown.splitlines():
        stripped = line.strip()
        if stripped and is_chrome(stripped):
            continue
        kept.append(stripped)  # no leading spaces: they would make code blocks
    text = "\n".join(kept)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _captions(html: str) -> dict[str, str]:
    """Image src → caption from ``<figure><img><figcaption>``."""
    _, lxml_html = _html_tools()
    try:
        tree = lxml_html.fromstring(html)
    except (ValueError, lxml_html.etree.ParserError):
        return {}
    result: dict[str, str] = {}
    for figure in tree.iter("figure"):
        images = figure.findall(".//img")
        caption = figure.find(".//figcaption")
        if images and caption is not None:
            text = " ".join(caption.text_content().split())
            if text:
                result[images[0].get("src", "")] = text
    return result


def _image(caption: str, src: str) -> Callable[[re.Match[str]], str]:
    def replace(_match: re.Match[str]) -> str:
        return f"![{caption}]({src})"

    return replace


def from_html(html: str, url: str = "") -> Draft:
    """Extract the main article of a saved web page.

    Raises:
        ExtractorUnavailable: trafilatura or lxml cannot be imported.
        ArticleImportError: no article text in the page.
    """
    trafilatura, _ = _html_tools()
    body = trafilatura.extract(
        html,
        url=url or None,
        output_format="markdown",
        include_images=True,
        include_links=True,
        include_comments=False,
        include_tables=True,
        include_formatting=True,
        favor_precision=True,
    )
    if not body or not body.strip():
        raise ArticleImportError("no article text found in the page")
    for src, caption in _captions(html).items():
        body = re.sub(r"!\[[^\]]*\]\(" + re.escape(src) + r"\)", _image(caption, src), body)
    meta = trafilatura.extract_metadata(html, default_url=url or None)
    title = (meta.title if meta and meta.title else "") or "Untitled article"
    body = _clean_lines(body)
    # The page title often repeats as the first heading; the lesson shows it already.
    body = re.sub(r"\A#\s+" + re.escape(title) + r"\s*\n", "", body)
    return Draft(
        title=title,
        body=body,
        publisher=(meta.sitename if meta and meta.sitename else "") or "",
        url=url or (meta.url if meta and meta.url else "") or "",
    )


def from_text(text: str) -> Draft:
    """Plain text: the site name and title are the short lines before the first paragraph."""
    blocks = [" ".join(b.split()) for b in re.split(r"\n\s*\n", text.strip()) if b.strip()]
    blocks = [b for b in blocks if not is_chrome(b)]
    if not blocks:
        raise ArticleImportError("the text is empty")
    first_paragraph = next(
        (i for i, b in enumerate(blocks) if len(b) > 120 or b.endswith((".", "?", "!"))),
        len(blocks),
    )
    header = blocks[:first_paragraph]
    paragraphs = blocks[first_paragraph:]
    if not paragraphs:
        raise ArticleImportError("no paragraphs found (paragraphs are separated by blank lines)")
    title = header[-1] if header else paragraphs[0][:80]
    publisher = header[0] if len(header) >= 2 else ""
    return Draft(title=title, body="\n\n".join(paragraphs), publisher=publisher)


def import_article(
    source: Path,
    lessons_dir: Path,
    url: str = "",
    title: str = "",
    publisher: str = "",
    force: bool = False,
) -> Path:
    """Write ``lessons/<slug>.md`` from ``source`` and return its path.

    Raises:
        ArticleImportError: unreadable source, no article found, or the lesson exists
            and ``force`` is not set.
    """
    try:
        raw = source.read_bytes()
    except OSError as exc:
        raise ArticleImportError(f"cannot read {source}: {exc.strerror}") from exc
    text = raw.decode("utf-8", errors="replace")
    looks_html = source.suffix.lower() in (".html", ".htm") or "<html" in text[:2000].lower()
    draft = from_html(text, url) if looks_html else from_text(text)
    draft = Draft(
        title=title or draft.title,
        body=draft.body,
        publisher=publisher or draft.publisher,
        url=url or draft.url,
    )
    lessons_dir.mkdir(parents=True, exist_ok=True)
    target = lessons_dir / f"{draft.slug}.md"
    if target.exists() and not force:
        raise ArticleImportError(f"{target} exists; use --force to overwrite it")
    order = len(list(lessons_dir.glob("*.md"))) + (0 if target.exists() else 1)
    target.write_text(draft.to_markdown(order), encoding="utf-8")
    return target
