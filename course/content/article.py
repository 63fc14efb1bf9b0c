"""The shape of an imported article, shared by the HTML and the plain-text readers.

Both readers turn a page into a list of :class:`Block` (headings, paragraphs, lists,
figures…); this module then does what both need: it drops site chrome (share lines,
comment forms, cookie and translator notices, unrendered shortcodes), moves bibliography,
"See also" and reference blocks into one Sources section, and writes Markdown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from enum import StrEnum

_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"
DASH = re.compile(f"[{_DASHES}]")


class Kind(StrEnum):
    HEADING = "heading"
    PARAGRAPH = "paragraph"
    LIST = "list"
    FIGURE = "figure"
    QUOTE = "quote"
    TABLE = "table"


@dataclass(frozen=True)
class Block:
    """One block of the article body (Markdown inline text)."""

    kind: Kind
    text: str = ""
    level: int = 2
    items: tuple[str, ...] = ()
    ordered: bool = False
    src: str = ""


@dataclass(frozen=True)
class Page:
    """What a reader found in a page: the article and the facts about it."""

    title: str
    blocks: tuple[Block, ...]
    publisher: str = ""
    url: str = ""
    author: str = ""
    date: str = ""
    sources: tuple[str, ...] = field(default=())


# A line that is site chrome wherever it appears (matched against the whole stripped line).
_CHROME = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"(next|previous|older|newer) (post|article|entry|page)s?\b.*",
        r"leave a (reply|comment)\b.*",
        r"post a comment\.?",
        r"\d+ (comments?|responses?|replies|thoughts)\b.*",
        r"this site uses akismet\b.*",
        r"learn how your comment data is processed\.?",
        r"your email address will not be published\b.*",
        r"required fields are marked\b.*",
        r"save my name, email\b.*",
        r"(©|&copy;|\(c\)|copyright)\s.*",
        r".*\ball rights reserved\.?",
        r"theme( by\b|:).*",
        r"(proudly )?(powered|designed) (by|with)\b.*",
        r"(simple|awesome|ethereal) theme\..*",
        r"(share( this| on| to)?|click to share)(\s*:.*|\b.{0,60})",
        r"(like|tweet|pin it|email this|print|blogthis!?)( this)?:?",
        r"(posted|filed) (in|under)\b.*",
        r"(tags?|labels|categories)\s*:.*|tagged\b.{0,80}",
        r"skip to (content|main content|navigation)",
        r"(menu|search|search for:|post comment|publish|related( posts?)?|recent posts?|"
        r"you might also like|more stories|read next|cancel reply|comment|name|e-?mail|website)",
        r"read (more|also)\b:.*",
        r"subscribe to:?.*",
        r"sign up for (our|the) newsletter\b.*",
        r"(back to|return to) (top|index|home|contents)\b.*",
        r"(home|main page)( \|.*)?",
        r"(this page (has been|was) (visited|last edited|last modified)|page last updated|"
        r"last updated|last revised|last modified)\b.*",
        r"best viewed (with|in)\b.*",
        r"(was this page|is this page) (useful|helpful)\??.*",
        r"report a problem\b.*",
        r"retrieved from\b.*",
        r"cite this (article|page)\b.*",
        r"(views|published|posted|updated|date)\s*:.*|submitted by\b.*|log in to post\b.*",
        r"when copying materials\b.*",
        r"(original text|contribute a better translation)\b.*",
        r"(correction|clarification|editor'?s note|update)\s*:.*",
        r"(we|this (web)?site|our (web)?site) uses? (some )?(essential |analytics )?cookies\b.*",
        r"we'?d also like to use analytics cookies\b.*",
        r"(accept|reject)( all| analytics)? cookies",
        r".*\b(translated|translation)\b.*\b(automatically|by machine|machine translation|"
        r"google translate|deepl)\b.*",
        r"(machine|automatic) translation\b.*",
        r"(translator'?s|translation) note\b.*",
        r"(all )?content is available under\b.*",
        r"text is available under\b.*",
    )
]
# Unrendered WordPress-style shortcodes: [name attr="…"], [name /], [/name], [tableX id=4].
_SHORTCODE = re.compile(
    r"\[/?[A-Za-z][\w-]*(?:\s+[\w-]+(?:=(?:\"[^\"]*\"|'[^']*'|[^\s\]]+))?)*\s*/?\](?!\()"
)
_CAPTION_CODE = re.compile(r"\[caption\b[^\]]*\](.*?)\[/caption\]", re.IGNORECASE | re.DOTALL)
_REFERENCE_MARK = re.compile(r"(?:\\?\[\d{1,3}\\?\])+")
_SOURCES = re.compile(
    r"(bibliography|references|sources?|further reading|see also|notes|works cited|"
    r"literature|external links|suggested reading|notes and references|citations)\s*:?",
    re.IGNORECASE,
)
DATE_TEXT = (
    r"\d{1,2}(?:st|nd|rd|th)? [A-Z][a-z]+,? \d{4}|[A-Z][a-z]+\.? \d{1,2}(?:st|nd|rd|th)?,? \d{4}|"
    r"\d{4}-\d{2}-\d{2}|\d{1,2}[./]\d{1,2}[./]\d{2,4}"
)
_DATE_ONLY = re.compile(
    r"(?:(?i:first published|published|posted|updated|last updated)(?: on)?:?\s+)?"
    rf"(?:(?:[A-Z][a-z]+day),? )?(?:{DATE_TEXT})(?:,? (?:at )?\d{{1,2}}[:.]\d{{2}}(?: ?[AP]M)?)?"
)
_SEE_ALSO_LINE = re.compile(r"(see also|sources?|further reading)\s*:\s*(.+)", re.IGNORECASE)
_MONTH_NAMES = (
    "January|February|March|April|May|June|July|August|September|October|November|December"
)
_BYLINE = re.compile(
    r"(?:(?i:posted|published|written|submitted|updated)(?: on [^|]*?)? )?(?i:by)\s+"
    rf"(?!(?:{_MONTH_NAMES})\b)"
    r"(?P<name>[A-Z][\w.'’-]*(?:\s+(?:van |von |de )?[A-Z][\w.'’-]*){0,3})"
    r"(?:\s*[|·•–—-]\s*.{0,40}|,\s*(?:\d|[A-Z][a-z]+ [A-Z]).{0,40}|\s+(?:on|at)\s.{0,40})?"
)


def strip_markup(text: str) -> str:
    """Inline Markdown reduced to its words (for comparing lines)."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)
    return " ".join(re.sub(r"[*_`]|\\(?=[\[\]])", "", text).split())


def is_chrome(line: str) -> bool:
    """Site furniture rather than article text."""
    text = strip_markup(line).strip("*_#>|·•- ").strip()
    return bool(text) and any(p.fullmatch(text) for p in _CHROME)


def is_nav_line(line: str) -> bool:
    """``Home | Europe | Pacific`` — short items joined by bars or bullets."""
    parts = [p.strip() for p in re.split(r"\s[|·•]\s", strip_markup(line))]
    return len(parts) >= 3 and all(0 < len(p) <= 30 and not p.endswith(".") for p in parts)


def byline(line: str) -> str | None:
    """The author named by a byline (``By Peter Lang``, ``Posted on … by Admin``)."""
    text = strip_markup(line)
    if len(text) > 120:
        return None
    match = _BYLINE.fullmatch(text)
    return match.group("name").strip(" ,.|") if match else None


def clean_inline(text: str) -> str:
    """Drop shortcodes and numeric reference marks; normalize spacing."""
    text = _CAPTION_CODE.sub("", text)
    text = _SHORTCODE.sub("", text)
    text = _REFERENCE_MARK.sub("", text)
    return " ".join(text.split())


def caption_shortcode(text: str) -> str | None:
    """The caption inside ``[caption …]…[/caption]``, if the text is one."""
    match = _CAPTION_CODE.search(text)
    if not match:
        return None
    inner = re.sub(r"!?\[[^\]]*\]\([^)]*\)|<[^>]+>", "", match.group(1))
    return " ".join(inner.split()) or None


def is_sources_heading(text: str) -> bool:
    return bool(_SOURCES.fullmatch(strip_markup(text)))


def _clean_block(block: Block) -> Block | None:
    if block.kind is Kind.FIGURE:
        return replace(block, text=clean_inline(block.text))
    if block.kind is Kind.LIST:
        items = tuple(i for i in (clean_inline(x) for x in block.items) if i and not is_chrome(i))
        return replace(block, items=items) if items else None
    if block.kind is Kind.TABLE:
        return block
    text = clean_inline(block.text)
    if not text or is_chrome(text) or is_nav_line(text) or byline(text):
        return None
    if _DATE_ONLY.fullmatch(strip_markup(text)):
        return None
    return replace(block, text=text)


def _source_items(block: Block) -> list[str]:
    if block.kind is Kind.LIST:
        return list(block.items)
    see_also = _SEE_ALSO_LINE.fullmatch(strip_markup(block.text))
    if see_also and block.kind is not Kind.HEADING:
        return [p.strip() for p in re.split(r"\s[|;·]\s|;\s", see_also.group(2)) if p.strip()]
    return [block.text] if block.text else []


def tidy(blocks: list[Block], title: str) -> tuple[list[Block], list[str]]:
    """Clean blocks, split off sources, drop empty sections and a repeated title.

    Returns:
        The body blocks and the source lines (bibliography, see also, references).
    """
    body: list[Block] = []
    sources: list[str] = []
    in_sources_level = 0
    wanted_title = strip_markup(title).casefold()
    for raw in blocks:
        block = _clean_block(raw)
        if block is None:
            continue
        if block.kind is not Kind.LIST and _SEE_ALSO_LINE.fullmatch(strip_markup(block.text)):
            sources += _source_items(replace(block, kind=Kind.PARAGRAPH))
            continue
        if block.kind is Kind.HEADING:
            if in_sources_level and block.level > in_sources_level:
                continue  # a sub-heading inside the bibliography
            if is_sources_heading(block.text):
                in_sources_level = block.level
                continue
            in_sources_level = 0
            if strip_markup(block.text).casefold() == wanted_title and not body:
                continue
        elif in_sources_level:
            sources += _source_items(block)
            continue
        body.append(block)
    return _drop_empty_sections(body), list(dict.fromkeys(sources))


def _drop_empty_sections(blocks: list[Block]) -> list[Block]:
    """A heading followed by nothing (or by another heading of its level) was chrome."""
    kept: list[Block] = []
    for index, block in enumerate(blocks):
        if block.kind is Kind.HEADING:
            following = blocks[index + 1] if index + 1 < len(blocks) else None
            if following is None or (
                following.kind is Kind.HEADING and following.level <= block.level
            ):
                continue
        kept.append(block)
    return kept


def normalize_levels(blocks: list[Block]) -> list[Block]:
    """The body's highest heading level becomes ``##`` (the lesson title is the page's h1)."""
    levels = sorted({b.level for b in blocks if b.kind is Kind.HEADING})
    mapping = {level: min(2 + i, 6) for i, level in enumerate(levels)}
    return [replace(b, level=mapping[b.level]) if b.kind is Kind.HEADING else b for b in blocks]


def _escape_start(text: str) -> str:
    """Keep a paragraph from being read as a list, heading or quote."""
    return re.sub(r"^(\d+)([.)])(\s)", r"\1\\\2\3", re.sub(r"^([#>+*-])(\s)", r"\\\1\2", text))


def to_markdown(blocks: list[Block], sources: list[str]) -> str:
    """The body as Markdown, with a Sources section at the end if there are sources."""
    parts: list[str] = []
    for block in blocks:
        match block.kind:
            case Kind.HEADING:
                parts.append("#" * block.level + " " + strip_markup(block.text))
            case Kind.PARAGRAPH:
                parts.append(_escape_start(block.text))
            case Kind.QUOTE:
                parts.append("> " + block.text)
            case Kind.LIST:
                parts.append(
                    "\n".join(
                        f"{n}. {item}" if block.ordered else f"- {item}"
                        for n, item in enumerate(block.items, 1)
                    )
                )
            case Kind.FIGURE if re.match(r"https?://", block.src):
                # The site's content policy would block the image: keep its caption and
                # where it is, for the author to save it into media/ if it is wanted.
                caption = block.text.replace("[", "(").replace("]", ")") or "Image"
                parts.append(f"*Figure: {caption} (image on another site: <{block.src}>)*")
            case Kind.FIGURE:  # a relative address: the image is not in the content root
                parts.append(f"*Figure: {block.text} (image not imported: {block.src})*")
            case Kind.TABLE:
                parts.append(block.text)
    if sources:
        parts.append("## Sources")
        parts.append("\n".join(f"- {s}" for s in sources))
    return "\n\n".join(parts)
