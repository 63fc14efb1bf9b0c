"""Imports never write outside the content root, and a file with more questions than
one import takes is refused, with a clear message, before it is converted."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from sqlalchemy.orm import Session

from course.cli import main
from course.clock import FixedClock
from course.interop import gift
from course.interop.convert import build_quiz, dump_yaml
from course.interop.source import MAX_QUESTIONS
from tests.factories import COURSE, PASSWORD, AuthActions, make_class, make_instructor

DATA = Path(__file__).parent / "data"


def many_gift(count: int) -> str:
    return "\n\n".join(f"::q{i}::Is {i} a number? {{=yes ~no}}" for i in range(count)) + "\n"


def many_xml(count: int) -> str:
    question = (
        '<question type="truefalse"><name><text>q{i}</text></name>'
        '<questiontext format="html"><text>Is {i} a number?</text></questiontext>'
        '<answer fraction="100"><text>true</text></answer>'
        '<answer fraction="0"><text>false</text></answer></question>'
    )
    return "<quiz>" + "".join(question.format(i=i) for i in range(count)) + "</quiz>"


@pytest.mark.parametrize("command", ["import-gift", "import-moodle-xml"])
@pytest.mark.parametrize(
    ("option", "value"),
    [("--quiz", "../../evil"), ("--quiz", "/tmp/evil"), ("--quiz", "a.b"), ("--lesson", "../x")],
)
def test_ids_that_would_be_paths_are_refused(
    content_root: Path, tmp_path: Path, command: str, option: str, value: str
) -> None:
    source = DATA / ("full.gift" if command == "import-gift" else "full.xml")
    result = CliRunner().invoke(
        main, [command, str(source), "--root", str(content_root), option, value]
    )
    assert result.exit_code == 1
    assert f"{value!r} is not a valid" in result.output and option in result.output
    assert "letters, digits" in result.output
    assert not any((content_root / "quizzes").iterdir())
    assert not list(tmp_path.rglob("evil*")) and not Path("/tmp/evil.yaml").exists()


def test_questions_run_together_get_the_blank_line_hint() -> None:
    parsed = gift.parse("::a::First? {=yes ~no}\n::b::Second? {=yes ~no}\n")
    (error,) = parsed.errors
    assert "one answer block" in str(error) and "separated by a blank line" in str(error)


def test_a_file_over_the_question_cap_is_refused_by_the_cli(
    content_root: Path, tmp_path: Path
) -> None:
    big = tmp_path / "big.gift"
    big.write_text(many_gift(MAX_QUESTIONS + 1), encoding="utf-8")
    result = CliRunner().invoke(main, ["import-gift", str(big), "--root", str(content_root)])
    assert result.exit_code == 1
    assert f"holds {MAX_QUESTIONS + 1:,} questions" in result.output
    assert f"at most {MAX_QUESTIONS:,}" in result.output and "Split it" in result.output
    assert not any((content_root / "quizzes").iterdir())
    xml = tmp_path / "big.xml"
    xml.write_text(many_xml(MAX_QUESTIONS + 1), encoding="utf-8")
    result = CliRunner().invoke(main, ["import-moodle-xml", str(xml), "--root", str(content_root)])
    assert result.exit_code == 1 and f"at most {MAX_QUESTIONS:,}" in result.output


def test_a_file_at_the_cap_is_still_parsed() -> None:
    assert len(gift.parse(many_gift(MAX_QUESTIONS)).questions) == MAX_QUESTIONS


def test_the_written_yaml_is_the_yaml_that_was_validated() -> None:
    conversion = build_quiz(gift.parse(many_gift(3)).questions, quiz_id="q", lesson="l", title="T")
    assert conversion.text and conversion.yaml() == dump_yaml(conversion.quiz)


def test_web_import_over_the_cap_answers_422(
    app: Flask, auth: AuthActions, session: Session, clock: FixedClock
) -> None:
    make_class(session, clock, make_instructor(session, clock))
    teacher = auth.browser()
    teacher.login("teacher@example.org", PASSWORD)
    data = many_gift(MAX_QUESTIONS * 3).encode()
    page = teacher.post(
        f"/teach/courses/{COURSE}/import",
        {"file": (io.BytesIO(data), "big.gift"), "lesson": "soviet-union-ww2"},
        token_from=f"/teach/courses/{COURSE}/import",
    )
    assert page.status_code == 422  # type: ignore[attr-defined]
    html = page.get_data(as_text=True)  # type: ignore[attr-defined]
    assert f"at most {MAX_QUESTIONS:,}" in html and "Split it" in html
