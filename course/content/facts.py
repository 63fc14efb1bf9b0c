"""Find the checkable facts of a lesson: its sentences, dates and quantities.

Used by the quiz drafter. Sentences come only from the lesson's prose: headings, image
captions, tables, quotes (the import notice) and everything under a Sources,
Bibliography, References, Notes or "See also" heading are left out, so a publication
year is never asked. Sentences are split at full stops, but not after abbreviations
("Lt.", "Gen.", "Aug.") or initials ("U.S.", "J. Smith").
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass

from course.content.article import is_sources_heading
from course.content.markdown import slugify

MONTHS = {name.lower(): n for n, name in enumerate(calendar.month_name) if name}
MONTHS |= {name.lower(): n for n, name in enumerate(calendar.month_abbr) if name}
MONTHS["sept"] = 9
_MONTH = r"(?:January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?"  # noqa: E501 - one alternation
MONTH_PATTERN = _MONTH
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_YEAR = r"(?:1[0-9]{3}|20[0-9]{2})"
_TO = r"\s*(?:[-–—]|to|until|till|through|and)\s*"
_ABBREVIATIONS = {
    "lt", "gen", "col", "capt", "maj", "sgt", "adm", "cdr", "cmdr", "mr", "mrs", "ms", "dr",
    "st", "mt", "ft", "sen", "rep", "gov", "pres", "prof", "rev", "hon", "jr", "sr", "no",
    "vs", "e.g", "i.e", "c", "ca", "approx", "fig", "vol", "pp", "p", "cf", "etc", "inc",
    "co", "corp", "ltd", "bros", "a.m", "p.m", "jan", "feb", "mar", "apr", "jun", "jul",
    "aug", "sep", "sept", "oct", "nov", "dec", "lieut", "brig", "cpl", "pvt",
}  # fmt: skip


@dataclass(frozen=True)
class Sentence:
    text: str
    section: str  # anchor of the heading above it ("" before the first heading)
    year: int | None  # the last year written before it in its section, for "on 15 May"


@dataclass(frozen=True)
class DateFact:
    """A date (or range) written in a sentence; precision 1 year, 2 month, 3 day."""

    span: tuple[int, int]
    text: str
    year: int
    month: int | None = None
    day: int | None = None
    until: tuple[int, int | None, int | None] | None = None  # end of a range
    inferred_year: bool = False

    @property
    def precision(self) -> int:
        return 3 if self.day else 2 if self.month else 1


@dataclass(frozen=True)
class Quantity:
    span: tuple[int, int]
    text: str
    value: float
    high: float | None  # a range "20 to 27 million"
    unit: str
    hedged: bool
    figure: tuple[int, int]  # the number (and its scale word) without hedge or unit


def _plain(text: str) -> str:
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"\[\^[^\]]*\]|[*_`]|<[^>]+>", "", text)
    return " ".join(text.split())


def _looks_like_reference(text: str) -> bool:
    """``Glantz, David M. When Titans Clashed. Lawrence: Kansas, 1995.``"""
    return bool(
        re.match(r"[A-Z][\w'’-]+,\s+[A-Z][\w.]*", text)
        and re.search(rf"\b{_YEAR}\)?\.?\s*$|\(\s*{_YEAR}\s*\)", text)
        and len(text) < 300
    )


def split_sentences(text: str) -> list[str]:
    """Sentences of a paragraph; no split after abbreviations or initials."""
    sentences: list[str] = []
    start = 0
    for match in re.finditer(r"[.!?][\"”’)]?\s+(?=[\"“(]?[A-Z0-9])", text):
        before = text[start : match.start() + 1]
        word = re.search(r"(\S+)$", before)
        token = word.group(1).lower().rstrip(".").lstrip('("“') if word else ""
        if token in _ABBREVIATIONS or re.fullmatch(r"(?:[a-z]\.)*[a-z]", token):
            continue
        sentences.append(text[start : match.end()].strip())
        start = match.end()
    sentences.append(text[start:].strip())
    return [s for s in sentences if s]


def lesson_sentences(body: str) -> list[Sentence]:
    """The prose sentences of a lesson body (Markdown), with their section anchors."""
    result: list[Sentence] = []
    section = ""
    skip_level = 0
    year: int | None = None
    for block in re.split(r"\n\s*\n", body):
        block = block.strip()
        heading = re.match(r"(#{1,6})\s+(.*)", block)
        if heading:
            level = len(heading.group(1))
            if skip_level and level > skip_level:
                continue
            skip_level = level if is_sources_heading(heading.group(2)) else 0
            section = slugify(_plain(heading.group(2)))
            year = None
            continue
        if skip_level or not block or block.startswith(("|", "[^", "---", "![", "```", ">")):
            continue
        if re.fullmatch(r"[*_][^*_]+[*_]", block):  # an italic line: a caption or credit
            continue
        items = re.split(r"\n\s*(?:[-*+]|\d+[.)])\s+", "\n" + block)
        for item in items:
            text = _plain(item)
            if not text or _looks_like_reference(text):
                continue
            for sentence in split_sentences(text):
                if 25 <= len(sentence) <= 400:
                    result.append(Sentence(sentence, section, year))
                years = re.findall(rf"\b({_YEAR})\b", sentence)
                year = int(years[-1]) if years else year
    return result


def _month(text: str) -> int:
    return MONTHS[text.lower().rstrip(".")]


def _day(text: str) -> int:
    return int(re.sub(r"\D", "", text))


# Nouns that make a number before them a count, not a year ("in 2000 aircraft").
COUNTED = (
    r"(?:aircraft|planes|aeroplanes|airplanes|bombers|fighters|tanks|guns|men|soldiers|"
    r"troops|sailors|ships|vessels|people|civilians|prisoners|casualties|dead|killed|"
    r"wounded|lives|pilots|km|kilometres|kilometers|miles|tons|tonnes|vehicles|lorries|"
    r"trucks|divisions|factories|plants|villages|towns)\b"
)
_D, _M, _Y = rf"({_DAY})", rf"({_MONTH})", rf"({_YEAR})"
_PREP = r"(?i:on|by|until|till|from|of|since|before|after|to|and)"
_DATE_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    # 23–26 October 1944 · October 23-26, 1944
    ("d-d m y", re.compile(rf"\b{_D}{_TO}{_D}\s+{_M},?\s+{_Y}\b")),
    ("m d-d y", re.compile(rf"\b{_M}\s+{_D}{_TO}{_D},?\s+{_Y}\b")),
    # 7 July to 26 September 1941 · July 5 – August 23, 1943
    ("d m-d m y", re.compile(rf"\b{_D}\s+{_M}{_TO}{_D}\s+{_M},?\s+{_Y}\b")),
    ("m d-m d y", re.compile(rf"\b{_M}\s+{_D}{_TO}{_M}\s+{_D},?\s+{_Y}\b")),
    # 9 August 1945 · the 9th of August 1945 · August 9, 1945 · 1945-08-09
    ("d m y", re.compile(rf"\b(?:the\s+)?{_D}\s+(?:of\s+)?{_M},?\s+{_Y}\b")),
    ("m d y", re.compile(rf"\b{_M}\s+{_D},?\s+{_Y}\b")),
    ("iso", re.compile(r"\b(1[0-9]{3}|20[0-9]{2})-(0[1-9]|1[0-2])-([0-2][0-9]|3[01])\b")),
    # July–August 1943 · between July and November 1941
    ("m-m y", re.compile(rf"\b{_M}{_TO}{_M},?\s+(?:of\s+)?{_Y}\b")),
    # August 1945 · August of 1945
    ("m y", re.compile(rf"\b{_M},?\s+(?:of\s+)?{_Y}\b")),
    # 15 September · September 15 (the year from the text before it)
    ("d m", re.compile(rf"\b{_PREP}\s+{_D}\s+{_M}\b")),
    ("m d", re.compile(rf"\b{_PREP}\s+{_M}\s+{_D}\b(?!,?\s*\d)")),
    # 1941–1944 · 1904–05 · between 1941 and 1944
    ("y-y", re.compile(rf"\b{_Y}\s*(?:[-–—]|to|and)\s*(\d{{4}}|\d{{2}})\b(?![,.]?\d|\s*%)")),
    # in 1941 · by the spring of 1942 · summer 1943
    (
        "y",
        re.compile(
            r"\b(?i:in|of|by|since|until|till|from|through|during|before|after|early|late|"
            r"mid|spring|summer|autumn|fall|winter|around|circa|c\.|year|end|start)[\s-]+"
            rf"{_Y}\b(?![\d,.]\d|\s*(?:%|per ?cent))(?!\s+(?:[a-z]+\s+)?{COUNTED})"
        ),
    ),
]


def _make_date(kind: str, m: re.Match[str], year: int | None) -> DateFact | None:  # noqa: C901
    g = m.groups()
    span, text = m.span(), m.group(0)
    match kind:
        case "d-d m y":
            y, mo = int(g[3]), _month(g[2])
            return DateFact(span, text, y, mo, _day(g[0]), (y, mo, _day(g[1])))
        case "m d-d y":
            y, mo = int(g[3]), _month(g[0])
            return DateFact(span, text, y, mo, _day(g[1]), (y, mo, _day(g[2])))
        case "d m-d m y":
            y = int(g[4])
            return DateFact(span, text, y, _month(g[1]), _day(g[0]), (y, _month(g[3]), _day(g[2])))
        case "m d-m d y":
            y = int(g[4])
            return DateFact(span, text, y, _month(g[0]), _day(g[1]), (y, _month(g[2]), _day(g[3])))
        case "d m y":
            return DateFact(span, text, int(g[2]), _month(g[1]), _day(g[0]))
        case "m d y":
            return DateFact(span, text, int(g[2]), _month(g[0]), _day(g[1]))
        case "iso":
            return DateFact(span, text, int(g[0]), int(g[1]), int(g[2]))
        case "m-m y":
            y = int(g[2])
            return DateFact(span, text, y, _month(g[0]), None, (y, _month(g[1]), None))
        case "m y":
            return DateFact(span, text, int(g[1]), _month(g[0]))
        case "d m" | "m d":
            if year is None:
                return None
            day, month = (g[0], g[1]) if kind == "d m" else (g[1], g[0])
            start = m.start(1)
            words = m.group(0)[start - m.start() :]
            return DateFact((start, m.end()), words, year, _month(month), _day(day), None, True)
        case "y-y":
            first, last = g[0], g[1]
            end = int(first[:2] + last) if len(last) == 2 else int(last)
            if not 0 < end - int(first) <= 20:
                return None
            return DateFact(span, text, int(first), until=(end, None, None))
        case "y":
            start = m.start(1)
            return DateFact((start, m.end(1)), g[0], int(g[0]))
    return None


def find_dates(sentence: str, year: int | None = None) -> list[DateFact]:
    """Every date or date range written in the sentence, most precise reading first."""
    found: list[DateFact] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern in _DATE_PATTERNS:
        for match in pattern.finditer(sentence):
            fact = _make_date(kind, match, year)
            if fact is None or any(a < fact.span[1] and fact.span[0] < b for a, b in taken):
                continue
            if fact.month and fact.day and fact.day > calendar.monthrange(fact.year, fact.month)[1]:
                continue
            found.append(fact)
            taken.append(fact.span)
    return sorted(found, key=lambda f: f.span)
