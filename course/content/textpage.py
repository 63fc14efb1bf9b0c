"""Read a plain-text article (saved or copied from a web page) into a :class:`Page`.

Text comes in two shapes: one paragraph per line (copied from a browser), or paragraphs
hard-wrapped at a fixed width and separated by blank lines. Lines are joined only where
the text was wrapped, so a site name, a tagline and a title on consecutive lines stay
three lines. Short lines without closing punctuation between paragraphs are headings;
the last of them before the first paragraph is the title, the first the site's name.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from course.content.article import DATE_TEXT, Block, Kind, Page, byline, is_chrome, is_nav_line

_SENTENCE_END = re.compile(r"[.!?…:;\"”’)\]]$")
_CAPTION = re.compile(
    r"(photo|image|picture|caption|map|illustration|figure \d+|fig\. \d+)\s*[:.–—-]\s*.*",
    re.IGNORECASE,
)
_DATE_LINE = re.compile(
    r"(?:(?:updated|published|posted|last updated|date)\s*:?\s*(?:on\s+)?)?(?P<date>"
    r"\d{1,2} [A-Z][a-z]+ \d{4}|[A-Z][a-z]+ \d{1,2},? \d{4}|\d{4}-\d{2}-\d{2}|"
    r"\d{1,2}[./]\d{1,2}[./]\d{2,4})",
    re.IGNORECASE,
)
_COMMENTS_START = re.compile(
    r"(leave a (comment|reply)|post a comment|\d+ (comments?|responses?|thoughts)\b).*",
    re.IGNORECASE,
)
_SETEXT = re.compile(r"(=+|-+)\s*")
_ATX = re.compile(r"(#{1,6})\s+(.*?)\s*#*")


@dataclass(frozen=True)
class _Unit:
    text: str
    level: int = 0  # > 0: marked as a heading by the text itself (setext or #)


def _wrapped(lines: list[str]) -> bool:
    """True when the lines are one paragraph broken at a fixed width."""
    longest = max(len(line) for line in lines)
    if len(lines) < 2 or longest > 100:
        return False
    return any(
        (len(line) >= 45 and not _SENTENCE_END.search(line)) or nxt[:1].islower()
        for line, nxt in itertools.pairwise(lines)
    )


def _paragraphs(lines: list[str]) -> list[str]:
    longest = max(len(line) for line in lines)
    result: list[list[str]] = [[]]
    for line in lines:
        result[-1].append(line)
        if _SENTENCE_END.search(line) and len(line) < 0.6 * longest:
            result.append([])
    return [" ".join(p) for p in result if p]


def _units(text: str) -> list[_Unit]:
    units: list[_Unit] = []
    for group in re.split(r"\n\s*\n", text):
        lines = [line.strip() for line in group.splitlines() if line.strip()]
        index = 0
        plain: list[str] = []
        while index < len(lines):
            line = lines[index]
            following = lines[index + 1] if index + 1 < len(lines) else ""
            atx = _ATX.fullmatch(line)
            if following and _SETEXT.fullmatch(following) and len(following) >= 3:
                units += _plain_units(plain)
                plain = []
                units.append(_Unit(line, 1 if following.startswith("=") else 2))
                index += 2
                continue
            if atx:
                units += _plain_units(plain)
                plain = []
                units.append(_Unit(atx.group(2), len(atx.group(1))))
            else:
                plain.append(line)
            index += 1
        units += _plain_units(plain)
    return units


def _plain_units(lines: list[str]) -> list[_Unit]:
    if not lines:
        return []
    texts = _paragraphs(lines) if _wrapped(lines) else lines
    return [_Unit(t) for t in texts]


def _heading_like(text: str) -> bool:
    words = text.split()
    return (
        0 < len(text) <= 90
        and len(words) <= 12
        and not _SENTENCE_END.search(text)
        and not text.endswith(",")
        and (text[0].isupper() or text[0].isdigit())
    )


def _date_of(text: str) -> str | None:
    match = _DATE_LINE.fullmatch(text.strip(" .,|"))
    return match.group("date") if match else None


def read_text(text: str) -> Page:
    """The article in ``text`` as blocks, with its title, site name, author and date."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff").replace("\t", " ")
    header: list[_Unit] = []
    blocks: list[Block] = []
    author = date = ""
    for unit in _units(text):
        line = unit.text
        if _COMMENTS_START.fullmatch(line):
            break  # the comment area: everything after it is readers' text and the form
        name = byline(line)
        if name:
            author = author or name
            date = date or _date_after(line)
            continue
        if _date_of(line):
            date = date or _date_of(line) or ""
            continue
        if is_chrome(line) or is_nav_line(line):
            continue
        if not blocks and (unit.level or _heading_like(line)):
            if _CAPTION.fullmatch(line):
                continue
            header.append(unit)
            continue
        if not blocks and _CAPTION.fullmatch(line):
            continue
        if unit.level or _heading_like(line):
            blocks.append(Block(Kind.HEADING, line, level=unit.level or 2))
        else:
            blocks.append(Block(Kind.PARAGRAPH, line))
    title, publisher = _title_and_site(header)
    return Page(
        title=title or _first_words(blocks),
        blocks=tuple(blocks),
        publisher=publisher,
        author=author,
        date=date,
    )


def _date_after(line: str) -> str:
    found = re.search(DATE_TEXT, line)
    if found:
        return found.group(0)
    year = re.search(r"\b(1[5-9]\d\d|20\d\d)\b", line)
    return year.group(1) if year else ""


def _title_and_site(header: list[_Unit]) -> tuple[str, str]:
    """The title is the heading the text marks as its first level, else the last line
    before the first paragraph; the site's name is the first of several header lines."""
    if not header:
        return "", ""
    marked = [u for u in header if u.level == 1]
    title_unit = marked[0] if marked else header[-1]
    site = header[0].text if header[0] is not title_unit and len(header) >= 2 else ""
    return title_unit.text, site


def _first_words(blocks: list[Block]) -> str:
    first = next((b.text for b in blocks if b.kind is Kind.PARAGRAPH), "")
    words = first.split()
    return " ".join(words[:8]).rstrip(".,;:") if words else ""
