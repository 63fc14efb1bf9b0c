"""Read models handed to adapters: frozen, answer-free unless the answer is due."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

V = TypeVar("V")


class Lazy(Mapping[str, V]):
    """A mapping whose values are built on first use: a page after an answer shows one
    answer's feedback, not all of them, but needs to know which questions are answered."""

    def __init__(self, makers: dict[str, Callable[[], V]]) -> None:
        self._makers = makers
        self._made: dict[str, V] = {}

    def __getitem__(self, key: str) -> V:
        made = self._made.get(key)
        if made is None:
            made = self._made[key] = self._makers[key]()
        return made

    def __contains__(self, key: object) -> bool:
        return key in self._makers

    def __iter__(self) -> Iterator[str]:
        return iter(self._makers)

    def __len__(self) -> int:
        return len(self._makers)


@dataclass(frozen=True)
class OptionView:
    id: str
    html: str


@dataclass(frozen=True)
class QuestionView:
    """A question as the learner sees it before answering: no correct flags, no feedback.

    ``key`` is opaque (the question's position in its attempt, or ``r`` on the review
    page): it names the form fields and the answer URL. The author's slug is never in a
    view, because slugs can hint the answer (``kwantung-army``).
    """

    key: str
    type: str
    prompt_html: str
    points: float
    hint_html: str | None = None
    options: tuple[OptionView, ...] = ()  # choices, order items, match right-hand options
    lefts: tuple[OptionView, ...] = ()  # match left-hand items
    segments: tuple[str, ...] = ()  # cloze: escaped HTML around the blanks
    unit: str | None = None


@dataclass(frozen=True)
class FeedbackView:
    kind: str
    html: str


@dataclass(frozen=True)
class AnswerView:
    """A graded answer, shown after the learner submitted it."""

    key: str
    score: float
    points: float
    max_points: float
    response_text: str
    feedback: tuple[FeedbackView, ...]
    correct_answer: str
    explanation_html: str | None
    section: str | None

    @property
    def correct(self) -> bool:
        return self.score >= 1.0


@dataclass(frozen=True)
class ScoreChangeView:
    """One entry of a response's score audit: who changed it, when, from what, why."""

    key: str
    kind: str
    actor: str
    changed_at: datetime
    old_score: float
    new_score: float
    old_points: float
    new_points: float
    max_points: float
    reason: str

    @property
    def kind_label(self) -> str:
        """The kind in words, as learners and instructors read it."""
        return CHANGE_KIND_LABELS.get(self.kind, self.kind)

    @property
    def kept(self) -> bool:
        """A regrade that found a lower score under the new key and kept the old one."""
        return self.kind == "regrade" and abs(self.new_score - self.old_score) <= 1e-9


# Score change kinds (``store.audit.ChangeKind`` values) in words.
CHANGE_KIND_LABELS = {
    "regrade": "regrade after key fix",
    "dispute": "dispute accepted",
    "override": "manual override",
}


def reason_shown(kind: str, reason: str) -> str:
    """A change's reason as pages show it beside its kind: without the kind's words it
    starts with (a key fix writes "regrade after key fix: <fix>" into the audit row)."""
    label = CHANGE_KIND_LABELS.get(kind, kind) + ":"
    if reason.startswith(label):
        return reason[len(label) :].strip()
    return reason


@dataclass(frozen=True)
class AttemptView:
    id: int
    number: int
    quiz_slug: str
    quiz_title: str
    course_id: str
    lesson_slug: str
    feedback_mode: str
    open: bool
    questions: tuple[QuestionView, ...]
    answers: Mapping[str, AnswerView] = field(default_factory=dict)  # by question key
    attempts_allowed: int | None = None
    content_hash: str = ""
    content_published_at: datetime | None = None  # when the graded version was published
    regraded_at: datetime | None = None  # when a key fix last changed one of its scores
    # End-of-quiz answers saved before submit (field name → values), for the form.
    drafts: dict[str, list[str]] = field(default_factory=dict)
    score_changes: tuple[ScoreChangeView, ...] = ()

    @property
    def next_question(self) -> QuestionView | None:
        return next((q for q in self.questions if q.key not in self.answers), None)

    @property
    def drafts_revision(self) -> str:
        """The revision of ``drafts`` that the end-of-quiz form carries, so a save from
        a tab that another tab has since saved over is refused, not taken."""
        from course.services.drafts import revision  # drafts imports the store

        return revision(self.drafts)

    @property
    def answered(self) -> int:
        return len(self.answers)


@dataclass(frozen=True)
class AttemptSummary:
    id: int
    number: int
    submitted_at: datetime | None
    points: float
    max_points: float
    passed: bool
    open: bool

    @property
    def percent(self) -> int:
        return round(100 * self.points / self.max_points) if self.max_points else 0


@dataclass(frozen=True)
class ResultsView:
    attempt: AttemptView
    points: float
    max_points: float
    passed: bool
    pass_mark: float
    history: tuple[AttemptSummary, ...]
    can_retry: bool

    @property
    def percent(self) -> int:
        return round(100 * self.points / self.max_points) if self.max_points else 0


@dataclass(frozen=True)
class QuizIntro:
    course_id: str
    slug: str
    title: str
    lesson_slug: str
    lesson_title: str
    questions: int
    pass_mark: float
    attempts_allowed: int | None
    feedback_mode: str
    history: tuple[AttemptSummary, ...]
    open_attempt: int | None

    @property
    def attempts_left(self) -> int | None:
        if self.attempts_allowed is None:
            return None
        return max(0, self.attempts_allowed - len(self.history))
