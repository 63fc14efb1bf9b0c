"""course/web/answers.py: the one place that reads answer fields of a posted form."""

from __future__ import annotations

from werkzeug.datastructures import MultiDict

from course.content.model import ClozeQuestion, OrderQuestion
from course.grading.result import FormatError
from course.web.answers import FormAnswers, field_names
from tests.factories import KEYS, bundled_questions, form_answer

QUESTIONS = bundled_questions()


def _form(fields: dict[str, object]) -> MultiDict[str, str]:
    form: MultiDict[str, str] = MultiDict()
    for name, value in fields.items():
        for v in value if isinstance(value, list) else [value]:
            form.add(name, str(v))
    return form


def test_every_question_reads_the_same_from_the_form_and_from_its_draft() -> None:
    for slug, question in QUESTIONS.items():
        key = KEYS[slug]
        form = FormAnswers.of(_form({**form_answer(question), "csrf_token": "x", "q-99": "y"}))
        kept = form.kept(question, key)
        assert set(kept) <= set(field_names(question, key))  # only this question's fields
        assert not form.is_blank(question, key)
        again = form.restored(kept)
        assert again.response(question, key) == form.response(question, key)
        assert not isinstance(form.response(question, key), FormatError)


def test_blank_fields_are_neither_kept_nor_answers() -> None:
    cloze = next(q for q in QUESTIONS.values() if isinstance(q, ClozeQuestion))
    key = KEYS[cloze.id]
    names = field_names(cloze, key)
    partly = FormAnswers.of(_form({names[0]: "  ", **dict.fromkeys(names[1:], "x")}))
    assert names[0] not in partly.kept(cloze, key) and not partly.is_blank(cloze, key)
    empty = FormAnswers.of(_form(dict.fromkeys(names, " ")))
    assert empty.is_blank(cloze, key) and empty.kept(cloze, key) == {}


def test_an_unreadable_order_is_a_format_error() -> None:
    order = next(q for q in QUESTIONS.values() if isinstance(q, OrderQuestion))
    key = KEYS[order.id]
    same = FormAnswers.of(_form(dict.fromkeys(field_names(order, key), "1")))
    error = same.response(order, key)
    assert isinstance(error, FormatError) and "Use each position once" in error.message
