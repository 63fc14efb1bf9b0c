"""The bundled course is a real course: lessons in order, each with its quiz, a review
quiz, a hand-drawn figure with a text alternative, and quizzes that ask only what the
lessons say."""

from __future__ import annotations

import calendar
import re
from xml.etree import ElementTree

import pytest
from click.testing import CliRunner

from course.cli import main
from course.content.loader import load_root
from course.content.model import ContentBundle as Bundle
from course.content.model import DateQuestion, NumberQuestion
from tests.factories import KEYS, QUIZ, REPO

ORDER = [
    "pact-and-winter-war",
    "barbarossa-and-moscow",
    "leningrad-and-stalingrad",
    "kursk-to-berlin",
    "soviet-union-ww2",
    "looking-back",
]
REVIEW_QUIZ = "course-review"
TIMELINE = REPO / "media" / "timeline.svg"
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def bundle() -> Bundle:
    loaded, report = load_root(REPO)
    assert loaded is not None, report.lines()
    return loaded


def plain(markdown: str) -> str:
    """Lesson text without emphasis marks and with lines joined."""
    return re.sub(r"\s+", " ", markdown.replace("**", "").replace("*", ""))


def test_lessons_come_in_a_sensible_order(bundle: Bundle) -> None:
    assert [lesson.id for lesson in bundle.lessons] == ORDER
    assert [lesson.order for lesson in bundle.lessons] == [1, 2, 3, 4, 5, 6]


def test_validates_with_no_warnings() -> None:
    """The course authors copy from passes its own strictest check (no id that holds a
    word of its answer, among others)."""
    _bundle, report = load_root(REPO)
    assert not report.problems
    assert not report.warnings, report.lines()
    strict = CliRunner().invoke(main, ["validate", "--strict", str(REPO)])
    assert strict.exit_code == 0, strict.output
    assert "warning" not in strict.output


def test_every_lesson_has_a_quiz_of_about_ten_questions(bundle: Bundle) -> None:
    by_lesson = {quiz.lesson: quiz for quiz in bundle.quizzes}
    assert set(by_lesson) == set(ORDER)
    for lesson_id, quiz in by_lesson.items():
        assert len(quiz.questions) >= 10, lesson_id
        assert len({q.type for q in quiz.questions}) >= 5, lesson_id  # the types that fit
        assert all(q.section for q in quiz.questions), lesson_id  # "review this" links
    assert by_lesson["looking-back"].id == REVIEW_QUIZ
    types = {q.type.value for quiz in bundle.quizzes for q in quiz.questions}
    assert types >= {"choice", "multi_choice", "true_false", "text", "number", "date"}
    assert types >= {"order", "match", "cloze"}


def test_every_question_carries_examples(bundle: Bundle) -> None:
    files = sorted((REPO / "quizzes").glob("*.yaml"))
    assert len(files) == len(bundle.quizzes)
    text = "\n".join(path.read_text(encoding="utf-8") for path in files)
    questions = sum(len(quiz.questions) for quiz in bundle.quizzes)
    assert text.count("\n    examples:\n") == questions


def test_the_existing_quiz_keeps_its_ids(bundle: Bundle) -> None:
    """Learners' history is keyed on these; the tests name them too. (Three were renamed
    once, from ids that held words of their answers: see docs/quiz-format.md.)"""
    quiz = next(q for q in bundle.quizzes if q.id == QUIZ)
    assert quiz.lesson == "soviet-union-ww2"
    assert [q.id for q in quiz.questions] == list(KEYS)
    for slug in (
        "manchuria-garrison",
        "north-of-japan",
        "soviet-name-for-war",
        "manchuria-invasion",
    ):
        assert slug in KEYS


def test_question_ids_are_unique_across_the_course(bundle: Bundle) -> None:
    ids = [q.id for quiz in bundle.quizzes for q in quiz.questions]
    assert len(ids) == len(set(ids))


def test_every_lesson_credits_what_it_was_built_from(bundle: Bundle) -> None:
    for lesson in bundle.lessons:
        assert lesson.source.get("title"), lesson.id
        assert "Written for this course" in lesson.markdown, lesson.id
    urls = {lesson.id: lesson.source.get("url") for lesson in bundle.lessons}
    # Only the seed article's known address; the reference works are credited by title.
    assert urls.pop("soviet-union-ww2") == "http://worldwar2database.com/html/ussr.htm"
    assert set(urls.values()) == {None}
    for lesson in bundle.lessons:
        assert not re.search(r"https?://", lesson.markdown), lesson.id


MONTHS = [calendar.month_name[m] for m in range(1, 13)]


def test_every_date_and_figure_asked_is_in_the_lesson(bundle: Bundle) -> None:
    """A quiz asks only what its lesson teaches: each exact date appears in the lesson
    as "9 August" (a month as "September 1939"), each exact number as written there."""
    lessons = {lesson.id: plain(lesson.markdown) for lesson in bundle.lessons}
    checked = 0
    for quiz in bundle.quizzes:
        text = lessons[quiz.lesson]
        for question in quiz.questions:
            if isinstance(question, DateQuestion):
                answer = question.answer
                month = MONTHS[(answer.month or 1) - 1]
                wanted = {1: str(answer.year), 2: f"{month} {answer.year}"}.get(
                    answer.precision, f"{answer.day} {month}"
                )
                assert wanted in text, (quiz.id, question.id, wanted)
                checked += 1
            elif isinstance(question, NumberQuestion) and question.range is None:
                value = question.answer
                shown = {f"{value:g}", f"{value:,.0f}"}
                assert any(s in text for s in shown), (quiz.id, question.id, shown)
                checked += 1
    assert checked >= 20


def test_the_timeline_is_a_safe_accessible_svg(bundle: Bundle) -> None:
    raw = TIMELINE.read_text(encoding="utf-8")
    root = ElementTree.fromstring(raw)
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    assert root.find(f"{SVG}title") is not None and root.find(f"{SVG}desc") is not None
    tags = {element.tag.removeprefix(SVG) for element in root.iter()}
    # No scripts, no foreign content, no links out, no styles (the site's CSP forbids
    # inline styles; presentation attributes draw it).
    assert not tags & {"script", "foreignObject", "a", "image", "use", "style"}
    for element in root.iter():
        for name in element.attrib:
            assert not name.lower().startswith("on") and name != "style", name
            assert "href" not in name, name
    review = next(lesson for lesson in bundle.lessons if lesson.id == "looking-back")
    assert review.media == ("media/timeline.svg",)
    assert '<img src="/media/ww2-soviet-union/media/timeline.svg" alt="Timeline' in review.html


def test_the_timeline_text_alternative_lists_every_event(bundle: Bundle) -> None:
    """The table beside the figure and the figure's own description name the same
    dates as the drawing."""
    root = ElementTree.fromstring(TIMELINE.read_text(encoding="utf-8"))
    labels = [
        t.text or ""
        for t in root.iter(f"{SVG}text")
        if re.fullmatch(r"\d{1,2} \w{3} \d{4}", t.text or "")
    ]
    assert len(labels) >= 12
    review = next(lesson for lesson in bundle.lessons if lesson.id == "looking-back")
    desc = root.findtext(f"{SVG}desc") or ""
    for label in labels:
        day, month, year = label.split()
        full = next(m for m in MONTHS if m.startswith(month))
        assert f"| {day} {full} {year} |" in review.markdown, label
        assert label in desc, label
