"""The quiz format's fields, in one table used by the validator and the JSON Schema.

Each field has a *kind*; ``course.content.quizzes`` converts YAML nodes by kind and
``course.content.jsonschema`` turns the same table into a schema for editors.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from course.content.model import QuestionType


class Kind(enum.StrEnum):
    """How a field's YAML value is read."""

    ID = "id"
    TEXT = "text"
    MARKDOWN = "markdown"
    BOOL = "bool"
    NUMBER = "number"
    POSITIVE_NUMBER = "positive_number"
    COUNT = "count"  # a whole number ≥ 1
    NON_NEGATIVE_INT = "non_negative_int"
    FRACTION = "fraction"  # 0–1 or "80%"
    SIMILARITY = "similarity"  # 0–1
    TOLERANCE = "tolerance"  # ≥ 0 or "5%"
    RANGE = "range"
    TEXT_OR_LIST = "text_or_list"
    TEXT_LIST = "text_list"
    DATE = "date"
    DATE_LIST = "date_list"
    CHOICES = "choices"
    WRONG = "wrong"  # text → feedback, or text → {feedback, misconception}
    TEXT_MAP = "text_map"
    URL = "url"  # an absolute http(s) address
    SOURCE = "source"  # a lesson's attribution: SOURCE_FIELDS
    EXAMPLES = "examples"
    FEEDBACK_MODE = "feedback_mode"
    QUESTION_TYPE = "question_type"
    QUESTIONS = "questions"


@dataclass(frozen=True)
class Field:
    """One key of a quiz or question mapping."""

    name: str
    kind: Kind
    description: str
    required: bool = False


QUIZ_FIELDS: tuple[Field, ...] = (
    Field("id", Kind.ID, "Stable slug of the quiz; default: the file name without .yaml."),
    Field("title", Kind.TEXT, "Title shown to learners.", required=True),
    Field("lesson", Kind.ID, "Id of the lesson this quiz is paired with.", required=True),
    Field("description", Kind.MARKDOWN, "Optional introduction shown before the quiz."),
    Field("pass_mark", Kind.FRACTION, 'Score needed to pass: 0.8 or "80%". Default 70%.'),
    Field("attempts", Kind.COUNT, "Maximum attempts per learner. Default: unlimited."),
    Field("feedback", Kind.FEEDBACK_MODE, "immediate (after each question) or end (on submit)."),
    Field("shuffle", Kind.BOOL, "Shuffle question order per attempt. Default false."),
    Field("pick", Kind.COUNT, "Draw this many questions per attempt."),
    Field("review", Kind.BOOL, "Answered questions enter spaced review. Default true."),
    Field(
        "draft",
        Kind.BOOL,
        "true: validated, shown to instructors as a draft, never published to learners.",
    ),
    Field("questions", Kind.QUESTIONS, "The questions.", required=True),
)

COMMON_FIELDS: tuple[Field, ...] = (
    Field(
        "id",
        Kind.ID,
        "Stable slug, unique in the quiz; learner progress is keyed on it.",
        required=True,
    ),
    Field("type", Kind.QUESTION_TYPE, "The question type.", required=True),
    Field("prompt", Kind.MARKDOWN, "The question (Markdown).", required=True),
    Field("points", Kind.POSITIVE_NUMBER, "Points for a full score. Default 1."),
    Field("explanation", Kind.MARKDOWN, "Shown after answering (Markdown)."),
    Field("hint", Kind.MARKDOWN, "A hint the learner may reveal."),
    Field(
        "section",
        Kind.TEXT,
        'Anchor of a heading in the paired lesson ("review this"); heading text is '
        "resolved to its anchor with a warning.",
    ),
    Field("tags", Kind.TEXT_LIST, "Free-form tags."),
    Field(
        "examples",
        Kind.EXAMPLES,
        "Responses with the score each must earn; checked by `course validate`.",
    ),
    Field("draft", Kind.BOOL, "true: validated but left out of the published quiz."),
)

_CHOICES = Field(
    "choices", Kind.CHOICES, "Strings, or {text, correct, feedback} maps.", required=True
)
_TEXT_MATCH = (
    Field("fuzzy", Kind.SIMILARITY, "Accept answers at least this similar (0–1). Default off."),
    Field("case_sensitive", Kind.BOOL, "Compare case. Default false."),
)

TYPE_FIELDS: dict[QuestionType, tuple[Field, ...]] = {
    QuestionType.CHOICE: (
        _CHOICES,
        Field("answer", Kind.TEXT, "Text of the correct choice (for plain string choices)."),
    ),
    QuestionType.MULTI_CHOICE: (
        _CHOICES,
        Field("answer", Kind.TEXT_OR_LIST, "Texts of the correct choices."),
    ),
    QuestionType.TRUE_FALSE: (Field("answer", Kind.BOOL, "true or false.", required=True),),
    QuestionType.TEXT: (
        Field("answer", Kind.TEXT_OR_LIST, "Accepted answer or answers."),
        Field("regex", Kind.TEXT_LIST, "Regular expressions; a full match is accepted."),
        *_TEXT_MATCH,
        Field(
            "extra_words",
            Kind.BOOL,
            "Also accept answers that contain an accepted answer as whole words "
            "(unless they contain a wrong answer). Default false.",
        ),
        Field(
            "wrong",
            Kind.WRONG,
            "Known wrong answers → feedback, or → {feedback, misconception}.",
        ),
    ),
    QuestionType.NUMBER: (
        Field("answer", Kind.NUMBER, "The correct number."),
        Field("tolerance", Kind.TOLERANCE, 'Absolute (0.5) or relative ("5%") tolerance.'),
        Field("range", Kind.RANGE, "[min, max] accepted, inclusive."),
        Field("unit", Kind.TEXT, "Unit shown beside the input."),
    ),
    QuestionType.DATE: (
        Field("answer", Kind.DATE, "1945-08-09, 1945-08 or 1945.", required=True),
        Field("accept", Kind.DATE_LIST, "Other dates also accepted."),
        Field("tolerance_days", Kind.NON_NEGATIVE_INT, "Accept dates this many days away."),
        Field("partial", Kind.BOOL, "Half credit when only the year is right."),
    ),
    QuestionType.ORDER: (
        Field(
            "items", Kind.TEXT_LIST, "Items in the correct order (shown shuffled).", required=True
        ),
    ),
    QuestionType.MATCH: (
        Field("pairs", Kind.TEXT_MAP, "Left → right.", required=True),
        Field("distractors", Kind.TEXT_LIST, "Extra right-hand options."),
    ),
    QuestionType.CLOZE: (
        Field(
            "text", Kind.MARKDOWN, "Text with blanks [[answer]] or [[answer|other]].", required=True
        ),
        *_TEXT_MATCH,
    ),
}

COURSE_FIELDS: tuple[Field, ...] = (
    Field("id", Kind.ID, "Stable slug of the course; default: the folder name."),
    Field("title", Kind.TEXT, "Course title."),
    Field("description", Kind.MARKDOWN, "Shown on the course page."),
    Field("desired_retention", Kind.FRACTION, "Spaced-review target, 0.70–0.97."),
    Field("new_per_day", Kind.NON_NEGATIVE_INT, "New review items per learner per day."),
    Field("max_reviews_per_day", Kind.NON_NEGATIVE_INT, "Most reviews per learner per day."),
    Field(
        "misconceptions",
        Kind.TEXT_MAP,
        "Slug → one-line description; choices and wrong answers may name one.",
    ),
    Field("learning_steps", Kind.TEXT_LIST, "Waits before a new card graduates: [1m, 10m]."),
    Field("relearning_steps", Kind.TEXT_LIST, "Waits after a forgotten card: [10m]."),
    Field("learn_ahead_minutes", Kind.NON_NEGATIVE_INT, "Show a waiting card this early."),
    Field("leech_lapses", Kind.NON_NEGATIVE_INT, "Lapses that suspend a card; 0: never."),
)

LESSON_FIELDS: tuple[Field, ...] = (
    Field("id", Kind.ID, "Stable slug; default: the file name without .md."),
    Field("title", Kind.TEXT, "Lesson title.", required=True),
    Field("order", Kind.NON_NEGATIVE_INT, "Position in the course."),
    Field("minutes", Kind.COUNT, "Reading time; computed when absent."),
    Field("source", Kind.SOURCE, "Attribution: title, publisher, url, author, date."),
    Field(
        "draft",
        Kind.BOOL,
        "true: validated, shown to instructors as a draft, never published to learners.",
    ),
)

SOURCE_FIELDS: tuple[Field, ...] = (
    Field("title", Kind.TEXT, "Title of the work the lesson was built from."),
    Field("publisher", Kind.TEXT, "Who published it (a site's name, a press)."),
    Field("url", Kind.URL, "Its address: an absolute http:// or https:// URL."),
    Field("author", Kind.TEXT, "Who wrote it."),
    Field("date", Kind.TEXT, "When it was published."),
)

CHOICE_FIELDS: tuple[Field, ...] = (
    Field("text", Kind.TEXT, "Choice text.", required=True),
    Field("correct", Kind.BOOL, "This choice is correct."),
    Field("feedback", Kind.MARKDOWN, "Shown when this choice is picked."),
    Field("misconception", Kind.ID, "Slug of the misconception picking it shows."),
)

WRONG_FIELDS: tuple[Field, ...] = (
    Field("feedback", Kind.MARKDOWN, "Shown to a learner who gives this answer."),
    Field("misconception", Kind.ID, "Slug of the misconception this answer shows."),
)
