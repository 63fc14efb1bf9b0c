"""Moodle XML: Moodle's own fixtures, our full file, hostile XML, images to media."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from course.cli import main
from course.interop import moodle_xml
from course.interop.convert import Outcome, build_quiz

DATA = Path(__file__).parent / "data"


def outcomes(path: Path) -> list[tuple[str, Outcome, str]]:
    parsed = moodle_xml.parse(path.read_bytes())
    conversion = build_quiz(parsed.questions, quiz_id="q", lesson="l", title="T")
    return [(e.title, e.outcome, " ".join(e.notes)) for e in conversion.entries]


def test_nested_categories(moodle_folder: Path) -> None:
    path = moodle_folder / "nested_categories_with_questions.xml"
    parsed = moodle_xml.parse(path.read_bytes())
    assert parsed.categories == [
        "$course$/Iota",
        "$course$/Iota/Kappa",
        "$course$/Iota/Kappa/Lambda",
        "$course$/Iota/Mu",
    ]
    quiz = build_quiz(parsed.questions, quiz_id="q", lesson="l", title="T").quiz
    assert [(q["id"], q["tags"], q["answer"]) for q in quiz["questions"]] == [
        ("iota-question", ["Iota"], True),
        ("kappa-question", ["Iota/Kappa"], True),
        ("lambda-question", ["Iota/Kappa/Lambda"], True),
        ("mu-question", ["Iota/Mu"], True),
    ]
    assert quiz["questions"][0]["prompt"] == "Testing Iota Question"
    assert ("Kappa Essay Question", Outcome.DROPPED) in [(t, o) for t, o, _ in outcomes(path)]


def test_entities_in_idnumbers(moodle_folder: Path) -> None:
    parsed = moodle_xml.parse((moodle_folder / "html_chars_in_idnumbers.xml").read_bytes())
    assert parsed.questions[0].idnumber == "T & F"
    assert [o for _, o, _ in outcomes(moodle_folder / "html_chars_in_idnumbers.xml")] == [
        Outcome.KEPT
    ]


def test_broken_cloze_questions_are_reported_not_imported(moodle_folder: Path) -> None:
    found = outcomes(moodle_folder / "broken_cloze_questions.xml")
    assert [o for _, o, _ in found] == [Outcome.DROPPED] * 5
    notes = [n for _, _, n in found]
    assert "no embedded answers" in notes[0]
    assert "has no choices" in notes[1]
    assert "only one choice" in notes[2]
    assert "no answer worth 100%" in notes[3]
    assert "'zero' is not a number" in notes[4]


def test_invalid_grade_is_reported(moodle_folder: Path) -> None:
    [(title, outcome, notes)] = outcomes(moodle_folder / "error_invalid_grades.xml")
    assert title == "Question with <strong>invalid grades</strong> : x > 1 & x < 2"
    assert outcome is Outcome.DROPPED
    assert "fraction 33% is not one of Moodle's grades" in notes


def test_full_file(tmp_path: Path) -> None:
    parsed = moodle_xml.parse((DATA / "full.xml").read_bytes())
    conversion = build_quiz(parsed.questions, quiz_id="q", lesson="l", title="T")
    by_id = {q["id"]: q for q in conversion.quiz["questions"]}
    kursk = by_id["kursk-year"]
    assert kursk["prompt"].startswith("When was **Kursk**? ![map](media/")
    assert "alert" not in str(kursk) and "javascript" not in str(kursk)
    assert kursk["points"] == 2 and kursk["tags"] == ["Eastern Front", "battles"]
    assert kursk["explanation"] == "July *1943*."
    [(name, content)] = conversion.media.items()
    assert kursk["prompt"].endswith(f"(media/{name})") and content.startswith(b"\x89PNG")
    assert by_id["stalingrad"]["explanation"] == (
        "*If you answered true:* Yes.\n\n*If you answered false:* No."
    )
    assert by_id["leader"]["wrong"] == {"Lenin": "He died in 1924."}
    assert by_id["cloze"]["text"] == "Operation [[Barbarossa]] began in [[June]] 1941."
    assert by_id["battles"]["distractors"] == ["1945"]
    report = conversion.report()
    assert "cloze 'Cloze with choices': dropped" in report
    assert "calculated 'Calculated': dropped" in report
    assert "'July' earned 50%" in report


@pytest.mark.parametrize(
    "payload",
    [
        b'<?xml version="1.0"?><!DOCTYPE quiz [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        b'<quiz><question type="truefalse"><name><text>&xxe;</text></name></question></quiz>',
        b'<?xml version="1.0"?><!DOCTYPE q [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
        b"<quiz>&b;</quiz>",
    ],
)
def test_dtd_and_entities_are_refused(payload: bytes) -> None:
    with pytest.raises(moodle_xml.MoodleXmlError, match="DOCTYPE and ENTITY"):
        moodle_xml.parse(payload)


def test_not_xml_names_the_line() -> None:
    with pytest.raises(moodle_xml.MoodleXmlError, match=r"^3: not well-formed"):
        moodle_xml.parse(b"<quiz>\n<question>\n</quiz>")
    with pytest.raises(moodle_xml.MoodleXmlError, match="not <quiz>"):
        moodle_xml.parse(b"<html/>")


def test_non_image_attachment_is_not_written() -> None:
    xml = (
        b'<quiz><question type="truefalse"><name><text>T</text></name>'
        b'<questiontext format="html"><text>Q</text>'
        b'<file name="x.svg" encoding="base64">PHN2Zz48c2NyaXB0Lz48L3N2Zz4=</file></questiontext>'
        b'<answer fraction="100"><text>true</text></answer>'
        b'<answer fraction="0"><text>false</text></answer></question></quiz>'
    )
    parsed = moodle_xml.parse(xml)
    conversion = build_quiz(parsed.questions, quiz_id="q", lesson="l", title="T")
    assert conversion.media == {}
    assert "not a PNG, JPEG or GIF image" in conversion.report()


def test_cli_import_writes_media_and_validates(content_root: Path) -> None:
    result = CliRunner().invoke(
        main, ["import-moodle-xml", str(DATA / "full.xml"), "--root", str(content_root)]
    )
    assert result.exit_code == 0, result.output
    assert list((content_root / "media").iterdir())
    check = CliRunner().invoke(main, ["validate", str(content_root)])
    assert check.exit_code == 0, check.output


def test_cli_refuses_hostile_xml(content_root: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_bytes(b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><quiz>&e;</quiz>')
    result = CliRunner().invoke(main, ["import-moodle-xml", str(bad), "--root", str(content_root)])
    assert result.exit_code == 1 and "DOCTYPE and ENTITY declarations are refused" in result.output
