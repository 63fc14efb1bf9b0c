"""Turn an article (a saved web page or plain text) into a lesson draft.

A saved page is read by :mod:`course.content.htmlpage` (lxml), plain text by
:mod:`course.content.textpage`; both give blocks that :mod:`course.content.article`
cleans (site chrome, shortcodes, notices) and writes as Markdown, with bibliography and
"See also" lines gathered in a Sources section. The draft is marked ``draft: true``,
opens with a notice that it must be rewritten in the author's own words, and records its
source (title, publisher, address, author, date) in the front matter.

lxml (and trafilatura, whose metadata reader fills in a date or site name the page does
not mark up) are imported only when an HTML page is imported: they are authoring tools,
and a missing or broken one must never stop `course serve` or `course --help`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path
from types import ModuleType
from typing import Any

from course.content.article import (
    DASH,
    DATE_TEXT,
    Block,
    Kind,
    Page,
    byline,
    normalize_levels,
    tidy,
    to_markdown,
)
from course.content.facts import find_dates
from course.content.htmlpage import read_html
from course.content.markdown import slugify
from course.content.textpage import read_text


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
    author: str = ""
    date: str = ""

    @property
    def slug(self) -> str:
        """The lesson id: dashes of any kind become hyphens ("20–24" stays "20-24")."""
        return slugify(DASH.sub("-", self.title))

    def notice(self) -> str:
        """The warning at the top of the draft: someone else's text, to be rewritten."""
        credit = f"“{self.title}”"
        if self.publisher:
            credit += f", {self.publisher}"
        if self.url:
            credit += f" ({self.url})"
        return (
            "> **Draft — rewrite before publishing.** This text was copied from "
            f"{credit}. Rewrite it in your own words, check its facts, keep the credit "
            "in `source:`, then delete this notice and `draft: true`."
        )

    def to_markdown(self, order: int = 0) -> str:
        """The lesson file: front matter (``draft: true``, ``source:``), notice, body."""
        lines = ["---", f"id: {self.slug}", f"title: {_yaml_text(self.title)}"]
        if order:
            lines.append(f"order: {order}")
        lines.append("draft: true")
        lines.append("source:")
        lines.append(f"  title: {_yaml_text(self.title)}")
        for key in ("publisher", "url", "author", "date"):
            value = getattr(self, key)
            if value:
                lines.append(f"  {key}: {_yaml_text(value)}")
        lines += ["---", "", self.notice(), "", self.body.strip(), ""]
        return "\n".join(lines)


def _yaml_text(text: str) -> str:
    """Quote for YAML: double quotes with escapes, always safe."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def _with_byline(page: Page) -> Page:
    """Author and date from a byline line near the top (``Posted on … by …``)."""
    for block in page.blocks[:4]:
        name = byline(block.text) if block.kind is Kind.PARAGRAPH else None
        if name:
            when = re.search(DATE_TEXT, block.text)
            return replace(
                page,
                author=page.author or name,
                date=page.date or (when.group(0) if when else ""),
            )
    return page


def _iso_date(text: str) -> str:
    """``July 5, 2019`` → ``2019-07-05``; text that is not one date is kept as written."""
    found = find_dates(f"on {text}")
    if len(found) != 1 or found[0].until is not None:
        return text
    fact = found[0]
    parts = [f"{fact.year:04d}", *(f"{p:02d}" for p in (fact.month, fact.day) if p)]
    return "-".join(parts)


def _draft(page: Page) -> Draft:
    page = _with_byline(page)
    page = replace(page, date=_iso_date(page.date) if page.date else "")
    blocks, sources = tidy(list(page.blocks), page.title)
    if not any(b.kind is Kind.PARAGRAPH for b in blocks):
        raise ArticleImportError(
            "no article text found: nothing but navigation and site furniture is left. If "
            "the page shows its article only after scripts run, save it from the browser "
            "once it has loaded, or copy the article into a .txt file and import that."
        )
    body = to_markdown(normalize_levels(blocks), [*sources, *page.sources])
    return Draft(
        title=" ".join(DASH.sub("–", page.title).split()) or "Untitled article",
        body=body,
        publisher=page.publisher,
        url=page.url,
        author=page.author,
        date=page.date,
    )


def _fallback_blocks(trafilatura: ModuleType, html: str, url: str) -> tuple[Block, ...]:
    """trafilatura's main-text guess, for pages whose article has no marked-up container."""
    text = trafilatura.extract(html, url=url or None, output_format="markdown") or ""
    blocks: list[Block] = []
    for part in re.split(r"\n\s*\n", text):
        heading = re.fullmatch(r"(#{1,6})\s+(.+)", part.strip())
        if heading:
            blocks.append(Block(Kind.HEADING, heading.group(2), level=len(heading.group(1))))
        elif part.strip():
            blocks.append(Block(Kind.PARAGRAPH, " ".join(part.split())))
    return tuple(blocks)


def from_html(html: str, url: str = "") -> Draft:
    """Extract the main article of a saved web page.

    Raises:
        ExtractorUnavailable: trafilatura or lxml cannot be imported.
        ArticleImportError: no article text in the page.
    """
    trafilatura, lxml_html = _html_tools()
    try:
        page = read_html(html, url, lxml_html)
    except (ValueError, lxml_html.etree.ParserError) as exc:
        raise ArticleImportError(f"the page cannot be parsed as HTML: {exc}") from exc
    if not any(b.kind is Kind.PARAGRAPH for b in page.blocks):
        page = replace(page, blocks=_fallback_blocks(trafilatura, html, url))
    if not page.publisher:  # (its date guesses, e.g. from a copyright year, are not used)
        meta = trafilatura.extract_metadata(html, default_url=url or None)
        if meta is not None and meta.sitename:
            page = replace(page, publisher=meta.sitename)
    return _draft(page)


def from_text(text: str) -> Draft:
    """A plain-text article: one paragraph per line, or wrapped with blank lines between.

    Raises:
        ArticleImportError: the text is empty or has no paragraph.
    """
    if not text.strip():
        raise ArticleImportError("the text is empty")
    return _draft(read_text(text))


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
    draft = replace(
        draft,
        title=title or draft.title,
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
