"""`course draft-quiz` on lessons whose facts are known (tests/content/facts).

It must find at least 80 % of the dated events and quantities, ask each at the right
precision (a range's other days accepted), never read a number with a unit as a year,
blank only whole proper-noun phrases, and never ask from captions, headings or the
bibliography. Every question carries passing examples and a reason, and the file
validates.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from course.content.drafting import propose
from course.content.facts import find_dates, split_sentences
from course.content.quantities import find_quantities
from course.services.authoring import draft_quiz, import_lesson
from course.services.content_sync import validate_root

FACTS_DIR = Path(__file__).parent / "facts"
FACTS: dict[str, dict[str, Any]] = yaml.safe_load(
    (FACTS_DIR / "facts.yaml").read_text(encoding="utf-8")
)


def _drafted(name: str, root: Path) -> tuple[Path, list[dict[str, Any]], str]:
    """Write the lesson into a content root (importing it if it is text), draft its quiz."""
    source = FACTS_DIR / name
    if source.suffix == ".txt":
        lesson = import_lesson(source, root)
    else:
        (root / "lessons").mkdir(parents=True)
        lesson = root / "lessons" / name
        shutil.copy(source, lesson)
    result = draft_quiz(lesson)
    text = result.path.read_text(encoding="utf-8")
    return result.path, yaml.safe_load(text)["questions"], text


def _found_date(fact: dict[str, Any], questions: list[dict[str, Any]]) -> bool:
    return any(
        q["type"] == "date"
        and str(q["answer"]) == fact["answer"]
        and set(fact.get("accept", [])) <= {str(a) for a in q.get("accept", [])}
        for q in questions
    )


def _found_quantity(fact: dict[str, Any], questions: list[dict[str, Any]]) -> bool:
    for q in questions:
        if q["type"] != "number" or q["unit"] != fact["unit"]:
            continue
        low, high = q.get("range", [q.get("answer"), q.get("answer")])
        if float(low) <= fact["value"] <= float(high):
            return True
    return False


@pytest.mark.parametrize("name", sorted(FACTS))
def test_recall_of_dates_and_quantities(tmp_path: Path, name: str) -> None:
    facts = FACTS[name]
    _, questions, _ = _drafted(name, tmp_path)
    dates = [f["text"] for f in facts["dates"] if _found_date(f, questions)]
    quantities = [f["text"] for f in facts["quantities"] if _found_quantity(f, questions)]
    total = len(facts["dates"]) + len(facts["quantities"])
    recall = (len(dates) + len(quantities)) / total
    missed = [f["text"] for f in facts["dates"] + facts["quantities"]]
    missed = [m for m in missed if m not in dates + quantities]
    assert recall >= 0.8, missed
    print(f"{name}: recall {recall:.0%} ({len(dates) + len(quantities)}/{total}); missed {missed}")


@pytest.mark.parametrize("name", sorted(FACTS))
def test_blanks_are_whole_names_and_nothing_comes_from_captions_or_sources(
    tmp_path: Path, name: str
) -> None:
    facts = FACTS[name]
    path, questions, text = _drafted(name, tmp_path)
    blanks = [
        re.findall(r"\[\[([^\]|]+)", q["text"]) if q["type"] == "cloze" else q["answer"][:1]
        for q in questions
        if q["type"] in ("cloze", "text")
    ]
    assert blanks, "no name was proposed"
    for found in blanks:
        assert len(found) == 1 and found[0] in facts["names"], found
        assert found[0] not in facts["never_blank"], found
    for q in questions:
        shown = f"{q['prompt']} {q.get('text', '')} {q.get('answer', '')}"
        for never in facts["never"]:
            assert never not in shown, (never, q["id"])
        assert q["examples"], q["id"]
    assert text.count("# why: ") == len(questions)
    bundle, report = validate_root(path.parent.parent)
    assert bundle is not None, report.lines()


def test_no_year_from_a_quantity_and_a_range_is_one_question() -> None:
    lesson = (
        "---\ntitle: T\n---\n\n"
        "The battle was fought October 23-26, 1944, off Leyte. Japan sent "
        "some 2000 kamikaze aircraft against the fleet.\n"
    )
    questions = [p.question for p in propose(lesson)]
    assert [q["type"] for q in questions] == ["date", "number"]
    date, number = questions
    assert date["answer"] == "1944-10-23" and date["partial"] is True
    assert date["accept"] == ["1944-10-24", "1944-10-25", "1944-10-26"]
    assert number["answer"] == 2000 and number["unit"] == "kamikaze aircraft"
    assert number["tolerance"] == "10%"
    assert "____ kamikaze aircraft" in number["prompt"]


@pytest.mark.parametrize(
    ("text", "answer", "accept"),
    [
        ("on 9 August 1945", (1945, 8, 9), None),
        ("on the 9th of August 1945", (1945, 8, 9), None),
        ("on Aug. 9, 1945", (1945, 8, 9), None),
        ("on August 9th, 1945", (1945, 8, 9), None),
        ("on 1945-08-09", (1945, 8, 9), None),
        ("from 23 to 26 October 1944", (1944, 10, 23), (1944, 10, 26)),
        ("from 23–26 October 1944", (1944, 10, 23), (1944, 10, 26)),
        ("from 7 July to 26 September 1941", (1941, 7, 7), (1941, 9, 26)),
        ("from July 5 – August 23, 1943", (1943, 7, 5), (1943, 8, 23)),
        ("in August 1945", (1945, 8, None), None),
        ("between July and November 1941", (1941, 7, None), (1941, 11, None)),
        ("in 1941", (1941, None, None), None),
        ("the war of 1904–05", (1904, None, None), (1905, None, None)),
        ("from 1941 to 1945", (1941, None, None), (1945, None, None)),
    ],
)
def test_date_forms(text: str, answer: tuple[int, ...], accept: tuple[int, ...] | None) -> None:
    (fact,) = find_dates(f"It happened {text} as planned.")
    assert (fact.year, fact.month, fact.day) == answer
    assert fact.until == accept


@pytest.mark.parametrize(
    "sentence",
    [
        "The Japanese launched 2000 kamikaze aircraft.",
        "In 1,500 tanks there was no radio.",
        "By then 1945 soldiers had been decorated.",
        "In 2000 aircraft were lost.",
    ],
)
def test_four_digit_counts_are_not_years(sentence: str) -> None:
    assert not find_dates(sentence)
    assert find_quantities(sentence, [])


def test_numbers_of_names_are_not_quantities() -> None:
    assert not find_quantities("In July 1942 convoy PQ 17 was ordered to scatter.", [])
    assert not find_quantities("Army Group 2 moved north.", [])
    assert not find_quantities("By 25 April Soviet armies had surrounded Berlin.", [])
    assert not find_quantities("The Soviet 62nd Army held the bank.", [])


@pytest.mark.parametrize(
    "sentence",
    [
        "In 1941 whole industries were taken apart.",
        "The summer offensive of 1942 aimed at the oil fields.",
        "In 1941 each side saw the danger.",
    ],
)
def test_a_year_before_a_word_is_still_a_year(sentence: str) -> None:
    (fact,) = find_dates(sentence)
    assert fact.precision == 1
    assert not find_quantities(sentence, [fact.span])


def test_sentences_are_not_split_at_abbreviations_or_initials() -> None:
    text = (
        "Lt. Gen. Walter Krueger led the U.S. Sixth Army ashore. Adm. Halsey sailed north. "
        "J. Stalin waited. The fleet sailed on Aug. 9, 1945 at dawn."
    )
    assert split_sentences(text) == [
        "Lt. Gen. Walter Krueger led the U.S. Sixth Army ashore.",
        "Adm. Halsey sailed north.",
        "J. Stalin waited.",
        "The fleet sailed on Aug. 9, 1945 at dawn.",
    ]


def test_titles_and_common_words_are_never_blanked() -> None:
    lesson = (
        "---\ntitle: T\n---\n\n"
        "U.S. Army General Douglas MacArthur returned to the islands at last.\n\n"
        "The Soviet 62nd Army held a strip of the bank for weeks.\n\n"
        "President Roosevelt praised the Pacific Fleet, and the fleet sailed west.\n"
    )
    questions = [p.question for p in propose(lesson)]
    asked = [
        q["answer"][0] if q["type"] == "text" else re.findall(r"\[\[([^\]|]+)", q["text"])[0]
        for q in questions
    ]
    assert asked == ["Douglas MacArthur", "Roosevelt"]
    assert questions[0]["prompt"] == "Who returned to the islands at last?"
    assert questions[0]["answer"] == ["Douglas MacArthur", "MacArthur"]


def test_sections_point_at_real_anchors(tmp_path: Path) -> None:
    (tmp_path / "lessons").mkdir()
    lesson = tmp_path / "lessons" / "road.md"
    lesson.write_text(
        "---\ntitle: The road\n---\n\n## The [Road of Life](https://example.org/road) road\n\n"
        "The first lorries crossed the ice on November 22, 1941.\n\n## Spring\n\n"
        "The ice road closed in April 1942.\n",
        encoding="utf-8",
    )
    result = draft_quiz(lesson)
    questions = yaml.safe_load(result.path.read_text(encoding="utf-8"))["questions"]
    assert [q.get("section") for q in questions] == ["the-road-of-life-road", "spring"]
    bundle, report = validate_root(tmp_path)
    assert bundle is not None, report.lines()
