"""GIFT → YAML → GIFT → YAML and YAML → Moodle XML → YAML keep every answer key and
every example's score (the examples of the first import, graded on the second)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course.content.model import Quiz
from course.content.quizzes import read_quiz
from course.grading.examples import check_examples
from course.interop import gift, moodle_xml
from course.interop.convert import build_quiz, dump_yaml
from course.interop.export import export_gift, export_moodle_xml
from course.interop.source import SourceKind, SourceQuestion
from tests.interop.conftest import SHARED

FILES = sorted(p.stem for p in (SHARED / "gift-peg").glob("*.gift"))
KEY_FIELDS = (
    "type",
    "choices",
    "answer",
    "regex",
    "case_sensitive",
    "tolerance",
    "range",
    "pairs",
    "distractors",
    "wrong",
    "text",
)


def load(document: dict[str, Any]) -> Quiz:
    read = read_quiz("q.yaml", dump_yaml(document).encode(), "q")
    assert read.problems == [], read.problems
    assert read.partial is not None
    return read.partial


def key(definition: dict[str, Any]) -> dict[str, Any]:
    out = {k: definition[k] for k in KEY_FIELDS if k in definition}
    if definition["type"] == "number":
        # Moodle XML has no range: it comes back as its midpoint ± half its width.
        low, high = definition.get("range") or [
            definition["answer"] - definition.get("tolerance", 0),
            definition["answer"] + definition.get("tolerance", 0),
        ]
        return {"type": "number", "interval": (pytest.approx(low), pytest.approx(high))}
    if "choices" in out:
        out["choices"] = [(c["text"], c.get("correct", False)) for c in out["choices"]]
    return out


def import_gift(text: str) -> dict[str, Any]:
    parsed = gift.parse(text)
    assert parsed.errors == []
    return build_quiz(parsed.questions, quiz_id="q", lesson="l", title="T").quiz


def same_keys_and_scores(first: dict[str, Any], second: dict[str, Any], skipped: set[str]) -> None:
    before = {d["id"]: d for d in first["questions"]}
    after = {d["id"]: d for d in second["questions"]}
    assert set(after) == set(before) - skipped
    for qid, definition in after.items():
        assert key(definition) == key(before[qid]), qid
    # The first import's examples, graded against the second import's questions.
    crossed = {
        "id": "q",
        "title": "T",
        "lesson": "l",
        "questions": [{**after[qid], "examples": before[qid].get("examples", [])} for qid in after],
    }
    if crossed["questions"]:
        assert check_examples("q.yaml", load(crossed)) == []


def only_ungradable(path: Path) -> bool:
    kinds = {q.kind for q in gift.parse(path.read_text(encoding="utf-8")).questions}
    return kinds <= {SourceKind.ESSAY, SourceKind.DESCRIPTION}


def skipped_ids(notes: list[str]) -> set[str]:
    return {n.split(" ", 1)[0] for n in notes if "not exported" in n}


@pytest.mark.parametrize("name", FILES)
def test_gift_round_trip(gift_folder: Path, name: str) -> None:
    first = import_gift((gift_folder / f"{name}.gift").read_text(encoding="utf-8"))
    if not first["questions"]:
        assert only_ungradable(gift_folder / f"{name}.gift")  # essays, descriptions, categories
        return
    exported = export_gift(load(first))
    second = import_gift(exported.text)
    same_keys_and_scores(first, second, skipped_ids(exported.notes))
    # and once more: the second export is the same text
    assert export_gift(load(second)).text == exported.text


@pytest.mark.parametrize("name", FILES)
def test_moodle_xml_round_trip_of_gift_fixtures(gift_folder: Path, name: str) -> None:
    first = import_gift((gift_folder / f"{name}.gift").read_text(encoding="utf-8"))
    if not first["questions"]:
        assert only_ungradable(gift_folder / f"{name}.gift")  # essays, descriptions, categories
        return
    exported = export_moodle_xml(load(first))
    parsed = moodle_xml.parse(exported.text.encode())
    second = build_quiz(parsed.questions, quiz_id="q", lesson="l", title="T").quiz
    same_keys_and_scores(first, second, skipped_ids(exported.notes))


def test_moodle_xml_fixtures_round_trip(moodle_folder: Path) -> None:
    for path in sorted(moodle_folder.glob("*.xml")):
        questions: list[SourceQuestion] = moodle_xml.parse(path.read_bytes()).questions
        first = build_quiz(questions, quiz_id="q", lesson="l", title="T").quiz
        if not first["questions"]:
            continue
        exported = export_moodle_xml(load(first))
        again = moodle_xml.parse(exported.text.encode()).questions
        second = build_quiz(again, quiz_id="q", lesson="l", title="T").quiz
        same_keys_and_scores(first, second, skipped_ids(exported.notes))


_TEXT = (
    st.text(
        alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")),
        min_size=1,
        max_size=30,
    )
    .map(lambda t: " ".join(t.split()))
    .filter(lambda t: t and "->" not in t)
)


@settings(max_examples=200, deadline=None)
@given(texts=st.lists(_TEXT, min_size=2, max_size=4, unique=True), prompt=_TEXT)
def test_any_choice_text_survives_gift(texts: list[str], prompt: str) -> None:
    """Whatever characters a choice or prompt holds, GIFT export and import give it back."""
    choices = [{"text": t, "correct": i == 0} for i, t in enumerate(texts)]
    document = {
        "id": "q",
        "title": "T",
        "lesson": "l",
        "questions": [{"id": "a", "type": "choice", "prompt": prompt, "choices": choices}],
    }
    read = read_quiz("q.yaml", dump_yaml(document).encode(), "q")
    if read.quiz is None:  # a text our own format refuses (e.g. YAML-special) is not the point
        return
    exported = export_gift(read.quiz)
    if exported.exported == 0:
        assert "format tag" in " ".join(exported.notes)
        return
    parsed = gift.parse(exported.text)
    assert parsed.errors == []
    [question] = parsed.questions
    assert question.stem.text == prompt.strip()
    assert [a.text.text for a in question.answers] == texts
    assert [a.weight for a in question.answers] == [1.0] + [0.0] * (len(texts) - 1)


def test_own_files_round_trip() -> None:
    data = Path(__file__).parent / "data"
    xml_first = build_quiz(
        moodle_xml.parse((data / "full.xml").read_bytes()).questions,
        quiz_id="q",
        lesson="l",
        title="T",
    ).quiz
    exported = export_moodle_xml(load(xml_first))
    again = moodle_xml.parse(exported.text.encode()).questions
    xml_second = build_quiz(again, quiz_id="q", lesson="l", title="T").quiz
    same_keys_and_scores(xml_first, xml_second, skipped_ids(exported.notes))
    gift_first = import_gift((data / "full.gift").read_text(encoding="utf-8"))
    gift_out = export_gift(load(gift_first))
    same_keys_and_scores(gift_first, import_gift(gift_out.text), skipped_ids(gift_out.notes))
    xml_out = export_moodle_xml(load(gift_first))
    from_xml = build_quiz(
        moodle_xml.parse(xml_out.text.encode()).questions, quiz_id="q", lesson="l", title="T"
    ).quiz
    same_keys_and_scores(gift_first, from_xml, skipped_ids(xml_out.notes))
