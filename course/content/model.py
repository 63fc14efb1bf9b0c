"""Typed domain objects of a content root: courses, lessons, quizzes, questions.

Questions are frozen dataclasses, one per type. They are built from a *definition*:
the plain, JSON-ready dict the validator produces from a quiz file. The database
stores definitions, so a question read back from storage is the same object the
validator built (:func:`build_question`).
"""

from __future__ import annotations

import enum
import hashlib
import re
from dataclasses import dataclass, field
from typing import Any


class QuestionType(enum.StrEnum):
    """The question types of quiz-format contract v1."""

    CHOICE = "choice"
    MULTI_CHOICE = "multi_choice"
    TRUE_FALSE = "true_false"
    TEXT = "text"
    NUMBER = "number"
    DATE = "date"
    ORDER = "order"
    MATCH = "match"
    CLOZE = "cloze"


class FeedbackMode(enum.StrEnum):
    """When a learner sees feedback."""

    IMMEDIATE = "immediate"
    END = "end"


def option_id(question_id: str, text: str) -> str:
    """A stable id for a choice, item or match option that says nothing of its position."""
    digest = hashlib.sha256(f"{question_id}\x00{text}".encode()).hexdigest()
    return "o" + digest[:10]


@dataclass(frozen=True)
class Example:
    """An authored response and the score it must earn."""

    response: Any
    score: float
    line: int = 0
    col: int = 0


@dataclass(frozen=True)
class Option:
    """A choice, order item or match option shown to the learner."""

    id: str
    text: str
    correct: bool = False
    feedback: str | None = None
    misconception: str | None = None  # a slug of course.yaml's misconceptions


@dataclass(frozen=True)
class WrongAnswer:
    """A known wrong answer of a text question: feedback, and the misconception it shows."""

    text: str
    feedback: str | None = None
    misconception: str | None = None


@dataclass(frozen=True, order=True)
class PartialDate:
    """A date known to year, month or day precision."""

    year: int
    month: int | None = None
    day: int | None = None

    @property
    def precision(self) -> int:
        """1 = year, 2 = month, 3 = day."""
        return 1 + (self.month is not None) + (self.day is not None)

    def __str__(self) -> str:
        parts = [f"{self.year:04d}"]
        if self.month is not None:
            parts.append(f"{self.month:02d}")
        if self.day is not None:
            parts.append(f"{self.day:02d}")
        return "-".join(parts)

    @classmethod
    def from_iso(cls, text: str) -> PartialDate:
        match = re.fullmatch(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", text.strip())
        if not match:
            raise ValueError(f"{text!r} is not YYYY, YYYY-MM or YYYY-MM-DD")
        year, month, day = match.groups()
        return cls(int(year), int(month) if month else None, int(day) if day else None)


@dataclass(frozen=True)
class Question:
    """Fields every question has."""

    id: str
    type: QuestionType
    prompt: str
    points: float = 1.0
    explanation: str | None = None
    hint: str | None = None
    section: str | None = None
    tags: tuple[str, ...] = ()
    examples: tuple[Example, ...] = ()
    draft: bool = False  # validated, never published to learners


@dataclass(frozen=True)
class ChoiceQuestion(Question):
    choices: tuple[Option, ...] = ()


@dataclass(frozen=True)
class MultiChoiceQuestion(Question):
    choices: tuple[Option, ...] = ()


@dataclass(frozen=True)
class TrueFalseQuestion(Question):
    answer: bool = True


@dataclass(frozen=True)
class TextMatcher:
    """How typed text is compared with accepted answers (shared by text and cloze)."""

    answers: tuple[str, ...] = ()
    regex: tuple[str, ...] = ()
    fuzzy: float | None = None
    case_sensitive: bool = False
    extra_words: bool = False  # right when it contains an accepted answer as whole words


@dataclass(frozen=True)
class TextQuestion(Question):
    matcher: TextMatcher = field(default_factory=TextMatcher)
    wrong: tuple[WrongAnswer, ...] = ()


@dataclass(frozen=True)
class NumberQuestion(Question):
    answer: float = 0.0
    tolerance: float = 0.0
    relative: bool = False  # tolerance is a fraction of the answer ("5%")
    range: tuple[float, float] | None = None
    unit: str | None = None


@dataclass(frozen=True)
class DateQuestion(Question):
    answer: PartialDate = PartialDate(1970)
    accept: tuple[PartialDate, ...] = ()
    tolerance_days: int = 0
    partial: bool = False


@dataclass(frozen=True)
class OrderQuestion(Question):
    items: tuple[Option, ...] = ()  # in the correct order


@dataclass(frozen=True)
class MatchQuestion(Question):
    lefts: tuple[Option, ...] = ()
    rights: tuple[Option, ...] = ()  # the pairs' right sides, then the distractors
    pairs: tuple[tuple[str, str], ...] = ()  # (left id, right id)


@dataclass(frozen=True)
class ClozeQuestion(Question):
    text: str = ""
    segments: tuple[str, ...] = ()  # text around the blanks: len(blanks) + 1 pieces
    blanks: tuple[TextMatcher, ...] = ()


AnyQuestion = (
    ChoiceQuestion
    | MultiChoiceQuestion
    | TrueFalseQuestion
    | TextQuestion
    | NumberQuestion
    | DateQuestion
    | OrderQuestion
    | MatchQuestion
    | ClozeQuestion
)

# A blank may be empty here (".*?", not ".+?"): "[[]]" is then one empty blank, which
# the validator reports, instead of the start of a blank that runs to the next "]]".
CLOZE_BLANK = re.compile(r"\[\[(.*?)\]\]")


def split_cloze(text: str) -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    """Split cloze text into the pieces around blanks and each blank's accepted answers."""
    segments: list[str] = []
    blanks: list[tuple[str, ...]] = []
    last = 0
    for match in CLOZE_BLANK.finditer(text):
        segments.append(text[last : match.start()])
        blanks.append(tuple(a.strip() for a in match.group(1).split("|") if a.strip()))
        last = match.end()
    segments.append(text[last:])
    return tuple(segments), tuple(blanks)


def _options(qid: str, raw: list[Any]) -> tuple[Option, ...]:
    return tuple(
        Option(
            id=option_id(qid, c["text"]),
            text=c["text"],
            correct=bool(c.get("correct", False)),
            feedback=c.get("feedback"),
            misconception=c.get("misconception"),
        )
        for c in raw
    )


def _matcher(d: dict[str, Any], answers: list[str]) -> TextMatcher:
    return TextMatcher(
        answers=tuple(answers),
        regex=tuple(d.get("regex", ())),
        fuzzy=d.get("fuzzy"),
        case_sensitive=bool(d.get("case_sensitive", False)),
        extra_words=bool(d.get("extra_words", False)),
    )


def _wrong(entries: dict[str, Any]) -> tuple[WrongAnswer, ...]:
    """``wrong`` entries: text → feedback, or text → {feedback, misconception}."""
    found = []
    for text, entry in entries.items():
        if isinstance(entry, dict):
            found.append(WrongAnswer(text, entry.get("feedback"), entry.get("misconception")))
        else:
            found.append(WrongAnswer(text, entry))
    return tuple(found)


def build_question(d: dict[str, Any]) -> AnyQuestion:
    """Build the typed question from a validated definition dict."""
    qtype = QuestionType(d["type"])
    qid = d["id"]
    common: dict[str, Any] = {
        "id": qid,
        "type": qtype,
        "prompt": d["prompt"],
        "points": float(d.get("points", 1)),
        "explanation": d.get("explanation"),
        "hint": d.get("hint"),
        "section": d.get("section"),
        "tags": tuple(d.get("tags", ())),
        "examples": tuple(
            Example(e["response"], float(e["score"]), e.get("line", 0), e.get("col", 0))
            for e in d.get("examples", ())
        ),
        "draft": bool(d.get("draft", False)),
    }
    match qtype:
        case QuestionType.CHOICE:
            return ChoiceQuestion(**common, choices=_options(qid, d["choices"]))
        case QuestionType.MULTI_CHOICE:
            return MultiChoiceQuestion(**common, choices=_options(qid, d["choices"]))
        case QuestionType.TRUE_FALSE:
            return TrueFalseQuestion(**common, answer=bool(d["answer"]))
        case QuestionType.TEXT:
            return TextQuestion(
                **common,
                matcher=_matcher(d, list(d.get("answer", []))),
                wrong=_wrong(d.get("wrong", {})),
            )
        case QuestionType.NUMBER:
            rng = d.get("range")
            return NumberQuestion(
                **common,
                answer=float(d.get("answer", rng[0] if rng else 0)),
                tolerance=float(d.get("tolerance", 0)),
                relative=bool(d.get("relative", False)),
                range=(float(rng[0]), float(rng[1])) if rng else None,
                unit=d.get("unit"),
            )
        case QuestionType.DATE:
            return DateQuestion(
                **common,
                answer=PartialDate.from_iso(d["answer"]),
                accept=tuple(PartialDate.from_iso(a) for a in d.get("accept", ())),
                tolerance_days=int(d.get("tolerance_days", 0)),
                partial=bool(d.get("partial", False)),
            )
        case QuestionType.ORDER:
            return OrderQuestion(**common, items=_options(qid, [{"text": t} for t in d["items"]]))
        case QuestionType.MATCH:
            lefts = tuple(Option(option_id(qid, "L:" + k), k) for k in d["pairs"])
            right_texts = list(dict.fromkeys([*d["pairs"].values(), *d.get("distractors", [])]))
            rights = tuple(Option(option_id(qid, "R:" + t), t) for t in right_texts)
            by_text = {r.text: r.id for r in rights}
            pairs = tuple((option_id(qid, "L:" + k), by_text[v]) for k, v in d["pairs"].items())
            return MatchQuestion(**common, lefts=lefts, rights=rights, pairs=pairs)
        case QuestionType.CLOZE:
            segments, blanks = split_cloze(d["text"])
            return ClozeQuestion(
                **common,
                text=d["text"],
                segments=segments,
                blanks=tuple(_matcher(d, list(b)) for b in blanks),
            )


@dataclass(frozen=True)
class QuizSettings:
    """How a quiz is taken, as stored with it (a JSON object in the database)."""

    pass_mark: float = 0.7
    attempts: int | None = None
    feedback: FeedbackMode = FeedbackMode.IMMEDIATE
    shuffle: bool = False
    pick: int | None = None
    review: bool = True

    def to_json(self) -> dict[str, Any]:
        return {
            "pass_mark": self.pass_mark,
            "attempts": self.attempts,
            "feedback": self.feedback.value,
            "shuffle": self.shuffle,
            "pick": self.pick,
            "review": self.review,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> QuizSettings:
        """Read stored settings; keys missing from older rows take their defaults."""
        return cls(
            pass_mark=float(data.get("pass_mark", 0.7)),
            attempts=data.get("attempts"),
            feedback=FeedbackMode(data.get("feedback", FeedbackMode.IMMEDIATE.value)),
            shuffle=bool(data.get("shuffle", False)),
            pick=data.get("pick"),
            review=bool(data.get("review", True)),
        )


@dataclass(frozen=True)
class Quiz:
    """A quiz paired with a lesson."""

    id: str
    title: str
    lesson: str
    questions: tuple[AnyQuestion, ...]
    definitions: tuple[dict[str, Any], ...]
    pass_mark: float = 0.7
    attempts: int | None = None
    feedback: FeedbackMode = FeedbackMode.IMMEDIATE
    shuffle: bool = False
    pick: int | None = None
    review: bool = True
    path: str = ""
    draft: bool = False

    def settings(self) -> dict[str, Any]:
        return QuizSettings(
            self.pass_mark, self.attempts, self.feedback, self.shuffle, self.pick, self.review
        ).to_json()


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    anchor: str


@dataclass(frozen=True)
class Lesson:
    """A lesson: Markdown rendered to safe HTML, with its headings."""

    id: str
    title: str
    order: int
    minutes: int
    html: str
    headings: tuple[Heading, ...]
    source: dict[str, str]
    markdown: str
    path: str = ""
    media: tuple[str, ...] = ()
    draft: bool = False

    @property
    def anchors(self) -> frozenset[str]:
        return frozenset(h.anchor for h in self.headings)


@dataclass(frozen=True)
class CourseInfo:
    id: str
    title: str
    description: str = ""
    desired_retention: float = 0.9
    new_per_day: int = 20
    max_reviews_per_day: int = 200
    misconceptions: tuple[tuple[str, str], ...] = ()  # slug → one-line description
    learning_steps: tuple[int, ...] = (1, 10)  # minutes
    relearning_steps: tuple[int, ...] = (10,)  # minutes
    learn_ahead_minutes: int = 20
    leech_lapses: int = 8


@dataclass(frozen=True)
class ContentBundle:
    """A validated content root, ready to sync."""

    course: CourseInfo
    lessons: tuple[Lesson, ...]
    quizzes: tuple[Quiz, ...]
    content_hash: str
    root: str
    description_html: str = ""
