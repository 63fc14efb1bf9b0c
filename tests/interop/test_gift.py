"""Our own GIFT files: the whole syntax, malformed input, and the CLI end to end."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from course.cli import main
from course.interop import gift
from course.interop.convert import Outcome, build_quiz
from course.interop.source import SourceKind, TextFormat, html_to_markdown
from tests.factories import REPO

DATA = Path(__file__).parent / "data"


def convert(text: str) -> tuple[dict, str]:  # type: ignore[type-arg]
    parsed = gift.parse(text)
    assert parsed.errors == []
    conversion = build_quiz(parsed.questions, quiz_id="q", lesson="l", title="T")
    return conversion.quiz, conversion.report()


def by_id(quiz: dict, qid: str) -> dict:  # type: ignore[type-arg]
    return next(q for q in quiz["questions"] if q["id"] == qid)


def test_full_syntax_file() -> None:
    parsed = gift.parse((DATA / "full.gift").read_text(encoding="utf-8"))
    assert parsed.errors == []
    assert parsed.categories == ["$course$/top/Eastern Front/1941"]
    first = parsed.questions[0]
    assert (first.idnumber, first.tags) == ("barbarossa-year", ["dates"])
    quiz = build_quiz(parsed.questions, quiz_id="q", lesson="l", title="T").quiz
    assert by_id(quiz, "casualty-range")["range"] == [20, 27]
    assert by_id(quiz, "casualty-range")["prompt"].startswith("Roughly how many **million**")
    assert by_id(quiz, "tolerance")["tolerance"] == 2
    assert by_id(quiz, "tolerance")["explanation"] == "It began on 8 September 1941."
    assert by_id(quiz, "capital")["prompt"] == "What was the **capital** of the USSR?"
    assert by_id(quiz, "leaders")["wrong"] == {"Lenin": "Lenin died in 1924."}
    assert by_id(quiz, "operation")["text"] == (
        "The German code name was Operation [[Barbarossa|Barbarossa plan]], launched in June."
    )
    escapes = by_id(quiz, "escapes")
    assert escapes["prompt"] == "Which is a GIFT control character: { or } or ~ or = or #?"
    assert escapes["choices"][0] == {"text": "{ } ~ = #", "correct": True}
    assert by_id(quiz, "lowercase")["answer"] is False
    assert by_id(quiz, "multi")["type"] == "multi_choice"
    assert by_id(quiz, "match")["distractors"] == ["1944"]
    assert by_id(quiz, "multi-line")["prompt"] == "This prompt spans two lines and a forced break."
    assert by_id(quiz, "barbarossa-year")["tags"] == ["Eastern Front/1941", "dates"]


def test_tf_feedback_goes_to_the_explanation_and_is_reported() -> None:
    quiz, report = convert("Kursk was a German victory.{F#Wrong: it was Soviet.#Right.}")
    question = quiz["questions"][0]
    assert question["answer"] is False
    assert "*If you answered false:* Right." in question["explanation"]
    assert "*If you answered true:* Wrong: it was Soviet." in question["explanation"]
    assert "approximated" in report and "per-answer feedback" in report


def test_partial_weights_are_reported_not_silently_lost() -> None:
    _, report = convert("Q?{~%50%half =full ~none}")
    assert "'half' earned 50%" in report
    _, report = convert("Q?{=Nazareth =%75%Nazereth#misspelled}")
    assert "'Nazereth' earned 75%" in report


def test_exact_multi_choice_weights_are_kept() -> None:
    quiz, report = convert("Pick two.{~%50%a ~%50%b ~%-50%c ~%-50%d}")
    assert "multi_choice 'q1': kept" in report
    assert [c["correct"] for c in quiz["questions"][0]["choices"]] == [True, True, False, False]


def test_a_wrong_answer_our_comparison_cannot_tell_apart_is_reported() -> None:
    quiz, report = convert("Who?{=Stalin =%0%stalin.#Careful with the full stop.}")
    assert quiz["questions"][0]["answer"] == "Stalin"
    assert "'stalin.' (0% in the source) reads the same as a right answer" in report


def test_a_title_that_gives_the_answer_away_is_not_the_id() -> None:
    quiz, report = convert("::Stalin question::Who led the USSR?{=Stalin}")
    assert quiz["questions"][0]["id"] == "q1"
    assert "id 'stalin-question' (from the title) holds stalin from the answer" in report


def test_wildcard_answer_becomes_a_regex() -> None:
    quiz, report = convert("Name a Soviet front.{=*Front}")
    assert quiz["questions"][0]["regex"] == [".*Front"]
    assert "wildcards became regular expressions" in report


def test_formats_are_converted_safely() -> None:
    quiz, _ = convert(
        '[html]<p>Which <script>alert(1)</script>is <a href\\="javascript\\:x()">right</a>?</p>'
        "{=yes ~no}"
    )
    prompt = quiz["questions"][0]["prompt"]
    assert "alert" not in prompt and "javascript" not in prompt and "<" not in prompt
    assert prompt == "Which is right?"
    quiz, _ = convert("2 * 3 * 4 = [x]?{=24 =twenty-four}")
    assert quiz["questions"][0]["prompt"] == "2 \\* 3 \\* 4 \\= \\[x\\]?".replace("\\=", "=")


def test_html_to_markdown_keeps_structure() -> None:
    assert html_to_markdown("<ul><li>a</li><li><b>b</b></li></ul>") == "- a\n- **b**"
    assert html_to_markdown('<img src="data:image/png;base64,xx" alt="pic">') == "pic"


def test_markdown_format_is_kept_as_written() -> None:
    parsed = gift.parse("[markdown]Line one  \nline **two**{TRUE}")
    assert parsed.questions[0].stem.format is TextFormat.MARKDOWN
    quiz, _ = convert("[markdown]Line one  \nline **two**{TRUE}")
    assert quiz["questions"][0]["prompt"] == "Line one  \nline **two**"


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("::Title never closed{=a}", "1: '::' opens a title"),
        ("Q?{=a ~b", "1: '{' opens an answer block that is never closed"),
        ("Q?{=a {~b}", "1: '{' inside an answer block"),
        ("Q? =a}", "1: '}' without an opening '{'"),
        ("Q?{#abc}", "1: 'abc' is not a number"),
        ("Q?{#5..1}", "1: range 5..1: low is above high"),
        ("Q?{~%x%a =b}", "1: weight %x% is not a percentage"),
        ("Q?{=a -> b}", "1: a matching question needs at least two pairs"),
        ("Q?{junk =a ~b}", "1: text 'junk' before the first answer"),
        ("Q?{=a}{=b}", "1: a GIFT question has one answer block"),
    ],
)
def test_malformed_input_names_the_line(source: str, message: str) -> None:
    errors = [str(e) for e in gift.parse(source).errors]
    assert any(e.startswith(message) for e in errors), errors


def test_category_line_directly_above_a_question() -> None:
    parsed = gift.parse("$CATEGORY: $course$/top/Fronts\nQ?{T}\n\nR?{F}")
    assert parsed.categories == ["$course$/top/Fronts"]
    assert [(q.line, q.category) for q in parsed.questions] == [
        (2, "$course$/top/Fronts"),
        (4, "$course$/top/Fronts"),
    ]


def test_every_error_is_reported_at_once() -> None:
    source = "First?{=a ~b}\n\nSecond?{#x}\n\nThird?{=ok}\n\n::Fourth{T}\n"
    parsed = gift.parse(source)
    assert [e.line for e in parsed.errors] == [3, 7]
    assert [q.kind for q in parsed.questions] == [SourceKind.MULTICHOICE, SourceKind.SHORTANSWER]


def test_dropped_questions_name_their_line() -> None:
    parsed = gift.parse("Intro text.\n\nWrite an essay.{}\n\nQ?{T}")
    conversion = build_quiz(parsed.questions, quiz_id="q", lesson="l", title="T")
    outcomes = [(e.line, e.outcome) for e in conversion.entries]
    assert outcomes == [(1, Outcome.DROPPED), (3, Outcome.DROPPED), (5, Outcome.KEPT)]
    assert "line 3: essay: dropped" in conversion.report()


def test_cli_import_then_validate_then_export(content_root: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(
        main,
        [
            "import-gift",
            str(DATA / "full.gift"),
            "--root",
            str(content_root),
            "--quiz",
            "eastern-front",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "line 48: essay 'Essay': dropped" in result.output
    assert "16 question(s): 13 kept, 1 approximated, 2 dropped" in result.output
    assert (content_root / "quizzes" / "eastern-front.yaml").is_file()
    check = runner.invoke(main, ["validate", str(content_root)])
    assert check.exit_code == 0, check.output
    again = runner.invoke(
        main,
        [
            "import-gift",
            str(DATA / "full.gift"),
            "--root",
            str(content_root),
            "--quiz",
            "eastern-front",
        ],
    )
    assert again.exit_code == 1 and "exists; use --force" in again.output
    out = tmp_path / "out.gift"
    exported = runner.invoke(
        main, ["export-gift", "eastern-front", "--root", str(content_root), "-o", str(out)]
    )
    assert exported.exit_code == 0, exported.output
    assert "::capital::[markdown]What was the **capital** of the USSR?" in out.read_text()
    xml = runner.invoke(main, ["export-moodle-xml", "eastern-front", "--root", str(content_root)])
    assert xml.exit_code == 0 and '<question type="matching">' in xml.output


def test_cli_reports_malformed_file_all_at_once(content_root: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.gift"
    bad.write_text("First?{=a ~b}\n\nSecond?{#x}\n\n::Third{T}\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["import-gift", str(bad), "--root", str(content_root)])
    assert result.exit_code == 1
    assert "3: 'x' is not a number" in result.output and "5: '::' opens a title" in result.output
    assert not any((content_root / "quizzes").iterdir())


def test_cli_unknown_lesson_and_quiz(content_root: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(
        main,
        ["import-gift", str(DATA / "full.gift"), "--root", str(content_root), "--lesson", "nope"],
    )
    assert result.exit_code == 1 and "no lesson 'nope'" in result.output
    result = runner.invoke(main, ["export-gift", "nope", "--root", str(content_root)])
    assert result.exit_code == 1 and "no quiz 'nope'" in result.output


def test_cli_refuses_a_quiz_id_used_by_another_file(content_root: Path) -> None:
    shutil.copy(REPO / "quizzes" / "soviet-union-ww2.yaml", content_root / "quizzes")
    taken = CliRunner().invoke(
        main,
        [
            "import-gift",
            str(DATA / "full.gift"),
            "--root",
            str(content_root),
            "--quiz",
            "soviet-union-ww2-quiz",
        ],
    )
    assert taken.exit_code == 1 and "already used by" in taken.output
