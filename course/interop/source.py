"""What an importer reads from a foreign file, before it becomes our quiz format.

Both GIFT and Moodle XML are read into these plain objects; one converter
(:mod:`course.interop.convert`) decides how each maps onto our question types. Texts
keep the markup they were written in (:class:`Markup`) until the converter turns them
into Markdown with :func:`to_markdown`.
"""

from __future__ import annotations

import enum
import functools
import re
from dataclasses import dataclass, field
from typing import Any

from course.errors import CourseError

# Questions one imported file may hold. Conversion validates and grades every question
# (several times over the file), so a bigger file is refused before that work starts;
# split it into several quizzes instead.
MAX_QUESTIONS = 2000


def too_many_questions(count: int) -> str:
    """The message for a file over :data:`MAX_QUESTIONS`."""
    return (
        f"the file holds {count:,} questions; one import takes at most {MAX_QUESTIONS:,}. "
        "Split it into several files (one quiz each) and import them one by one"
    )


class TextFormat(enum.StrEnum):
    """The markup of a foreign text (GIFT's ``[format]`` prefixes, Moodle's ``format``)."""

    MOODLE = "moodle"  # Moodle auto-format: plain text that may hold HTML tags
    HTML = "html"
    MARKDOWN = "markdown"
    PLAIN = "plain"


class SourceKind(enum.StrEnum):
    """The foreign question types we read (named as Moodle names them)."""

    MULTICHOICE = "multichoice"
    TRUEFALSE = "truefalse"
    SHORTANSWER = "shortanswer"
    NUMERICAL = "numerical"
    MATCHING = "matching"
    CLOZE = "cloze"  # Moodle's multianswer (embedded answers)
    ESSAY = "essay"
    DESCRIPTION = "description"
    OTHER = "other"  # any type we do not read (calculated, ddwtos, ...)


@dataclass(frozen=True)
class Markup:
    """A text as written, with its format."""

    text: str
    format: TextFormat = TextFormat.MOODLE

    def __bool__(self) -> bool:
        return bool(self.text.strip())


@dataclass(frozen=True)
class SourceAnswer:
    """One answer of a choice or short-answer question.

    ``weight`` is the fraction of the mark this answer earns, -1 to 1 (GIFT's ``=`` is 1,
    ``~`` is 0, ``%50%`` is 0.5).
    """

    text: Markup
    weight: float
    feedback: Markup | None = None


@dataclass(frozen=True)
class NumericAnswer:
    """One answer of a numerical question: a value with a tolerance, or a range."""

    weight: float
    value: float | None = None  # None: the wildcard ``*`` (any other number)
    tolerance: float = 0.0
    low: float | None = None
    high: float | None = None
    feedback: Markup | None = None

    @property
    def bounds(self) -> tuple[float, float] | None:
        if self.low is not None and self.high is not None:
            return (self.low, self.high)
        if self.value is None:
            return None
        return (self.value - self.tolerance, self.value + self.tolerance)


@dataclass(frozen=True)
class SourceBlank:
    """One embedded answer of a cloze: its kind and its answers."""

    kind: SourceKind  # SHORTANSWER, MULTICHOICE or NUMERICAL
    answers: tuple[SourceAnswer, ...] = ()
    numbers: tuple[NumericAnswer, ...] = ()
    case_sensitive: bool = False


@dataclass
class SourceQuestion:
    """A question read from a foreign file, with where it was."""

    kind: SourceKind
    line: int
    stem: Markup
    title: str = ""
    idnumber: str = ""
    category: str = ""
    tags: list[str] = field(default_factory=list)
    general_feedback: Markup | None = None
    answers: list[SourceAnswer] = field(default_factory=list)
    numbers: list[NumericAnswer] = field(default_factory=list)
    pairs: list[tuple[Markup, str]] = field(default_factory=list)  # matching: (left, right)
    truth: bool = True
    # true/false feedback: for the learner who answers wrongly, and rightly
    wrong_feedback: Markup | None = None
    right_feedback: Markup | None = None
    single: bool | None = None  # Moodle multichoice: one answer (radio) or several
    case_sensitive: bool = False
    # An answer block in the middle of the text (GIFT "missing word"): the text after it.
    after: Markup | None = None
    blanks: list[SourceBlank] = field(default_factory=list)  # cloze
    cloze_pieces: list[Markup] = field(default_factory=list)  # text around the blanks
    default_mark: float | None = None
    source_type: str = ""  # the foreign type name, for the report
    problems: list[str] = field(default_factory=list)  # reasons Moodle would reject it
    media: dict[str, bytes] = field(default_factory=dict)  # embedded files by name
    extra: dict[str, Any] = field(default_factory=dict)


BLANK = "\\_\\_\\_\\_\\_"  # the blank a missing-word question shows, escaped for Markdown

_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(\s[^<>]*)?/?>|<!--|&[a-zA-Z]+;|&#\d+;")
_UNSAFE_URL = re.compile(r"^\s*(javascript|vbscript|data|file):", re.IGNORECASE)
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|])")
_LINE_START = re.compile(r"^(\s*)([#>+\-]|\d+[.)])(?=\s|$)", re.MULTILINE)


class InteropUnavailable(CourseError):
    """A library the interop features need cannot be imported here."""


def _missing(exc: ImportError) -> InteropUnavailable:
    return InteropUnavailable(
        f"this needs a library that cannot be loaded here ({exc}); reinstall the engine "
        "(`pip install --force-reinstall course`)"
    )


@functools.cache
def _converter_class() -> Any:
    """markdownify's converter, taught to drop scripts, styles and unsafe targets.

    Imported on first use, like the article importer's tools: a missing library must never
    stop `course serve` or `course --help`.
    """
    try:
        from markdownify import MarkdownConverter
    except ImportError as exc:
        raise _missing(exc) from exc

    class Converter(MarkdownConverter):
        def convert_script(self, el: Any, text: str, *args: Any, **kwargs: Any) -> str:
            return ""

        def convert_style(self, el: Any, text: str, *args: Any, **kwargs: Any) -> str:
            return ""

        def convert_a(self, el: Any, text: str, *args: Any, **kwargs: Any) -> str:
            if _UNSAFE_URL.match(el.get("href") or ""):
                return text
            return str(super().convert_a(el, text, *args, **kwargs))  # type: ignore[misc]

        def convert_img(self, el: Any, text: str, *args: Any, **kwargs: Any) -> str:
            src = el.get("src") or ""
            if _UNSAFE_URL.match(src) or not src:
                return str(el.get("alt") or "")
            src = src.replace("@@PLUGINFILE@@/", "media/")
            el["src"] = src.replace(" ", "%20")
            return str(super().convert_img(el, text, *args, **kwargs))  # type: ignore[misc]

    return Converter


def _soup(html: str) -> Any:
    try:
        from bs4 import BeautifulSoup
    except ImportError as exc:
        raise _missing(exc) from exc
    return BeautifulSoup(html, "html.parser")


def html_to_markdown(html: str) -> str:
    """Safe Markdown from an HTML fragment: tags become Markdown or their text.

    Scripts, styles and comments disappear; ``javascript:``/``data:`` links keep only their
    text; images pointing into Moodle's file area (``@@PLUGINFILE@@/x.png``) point to
    ``media/x.png``. The result is rendered by our Markdown renderer, which escapes any raw
    HTML left, so nothing here can inject markup.
    """
    converter = _converter_class()(heading_style="ATX", bullets="-", escape_misc=False)
    out = str(converter.convert_soup(_soup(html)))
    out = re.sub(r"[ \t]+\n", "\n", out.replace("\xa0", " "))
    out = re.sub(r"\n{3,}", "\n\n", out)
    return out.strip()


def escape_markdown(text: str) -> str:
    """Plain text as Markdown that renders as the same text."""
    escaped = _MD_SPECIAL.sub(r"\\\1", text)
    return _LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), escaped)


def looks_like_html(text: str) -> bool:
    return _TAG.search(text) is not None


def to_markdown(markup: Markup) -> str:
    """The Markdown we store for a foreign text."""
    text = markup.text
    match markup.format:
        case TextFormat.HTML:
            return html_to_markdown(text)
        case TextFormat.MARKDOWN:
            return text.strip()
        case TextFormat.MOODLE:
            if looks_like_html(text):
                return html_to_markdown(text)
            return escape_markdown(" ".join(text.split()))
        case TextFormat.PLAIN:
            return escape_markdown(" ".join(text.split()))


def to_plain(markup: Markup) -> str:
    """A foreign text as plain words (choice texts and match sides that are graded)."""
    text = markup.text
    if markup.format is TextFormat.HTML or (
        markup.format is TextFormat.MOODLE and looks_like_html(text)
    ):
        text = str(_soup(text).get_text(" "))
    return " ".join(text.split())
