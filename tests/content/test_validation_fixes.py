"""Fresh-eyes findings in the validator: a comment that cuts a flow list or map, a
comment that swallows a block ``wrong`` key, and a number answer beside a range."""

from __future__ import annotations

import textwrap
from pathlib import Path

from click.testing import CliRunner

from course.cli import main
from course.content.diagnostics import Diagnostic
from course.services.content_sync import validate_root

LESSON = "---\ntitle: A lesson\n---\n## Heading\nText.\n"


def validate(tmp_path: Path, body: str) -> list[Diagnostic]:
    (tmp_path / "lessons").mkdir()
    (tmp_path / "quizzes").mkdir()
    (tmp_path / "lessons" / "l.md").write_text(LESSON, encoding="utf-8")
    text = "title: T\nlesson: l\nquestions:\n" + textwrap.indent(
        textwrap.dedent(body).lstrip("\n"), "  "
    )
    (tmp_path / "quizzes" / "q.yaml").write_text(text, encoding="utf-8")
    bundle, report = validate_root(tmp_path)
    assert bundle is None
    return report.problems


def test_comment_inside_a_flow_list_is_one_error_at_its_line(tmp_path: Path) -> None:
    problems = validate(
        tmp_path,
        """
        - id: q1
          type: choice
          prompt: Which language?
          choices: [C #sharp, Java, Yes, No]
          answer: Java
        - id: q2
          type: text
          prompt: Who?
          answer: Stalin
          colour: red
        - id: q3
          type: text
          prompt: Who?
          answer: Zhukov
        """,
    )
    flow = [p for p in problems if "comment" in p.message]
    assert len(flow) == 1
    assert (flow[0].line, flow[0].col) == (7, 15)
    assert "' #'" in flow[0].message and "closing ']'" in flow[0].message
    assert '"C #sharp"' in flow[0].message
    assert not any("did not find expected" in p.message for p in problems)
    # An unrelated problem later in the file is still reported.
    assert any("colour" in p.message for p in problems)


def test_comment_inside_a_flow_map_names_the_key_to_quote(tmp_path: Path) -> None:
    problems = validate(
        tmp_path,
        """
        - id: q1
          type: text
          prompt: Who?
          answer: x
          wrong: {y #c: bad}
        """,
    )
    assert len(problems) == 1
    assert problems[0].line == 8
    assert "closing '}'" in problems[0].message and '"y #c"' in problems[0].message


def test_a_closed_flow_list_with_a_comment_after_it_is_not_blamed(tmp_path: Path) -> None:
    problems = validate(
        tmp_path,
        """
        - id: q1
          type: choice
          prompt: Which?
          choices: [Java, "C, C++" # two languages
          answer: Java
        """,
    )
    assert problems and not any("' #' in" in p.message for p in problems)


def test_comment_that_swallows_a_block_wrong_key_is_explained(tmp_path: Path) -> None:
    problems = validate(
        tmp_path,
        """
        - id: q1
          type: text
          prompt: Who?
          answer: x
          wrong:
            y #c: bad
        """,
    )
    (problem,) = problems
    assert "'wrong' must be a mapping" in problem.message
    assert "' #'" in problem.message and '"y #c": bad' in problem.message


def test_number_answer_beside_a_range_is_an_error(tmp_path: Path) -> None:
    problems = validate(
        tmp_path,
        """
        - id: q1
          type: number
          prompt: How many?
          answer: 5
          range: [1, 9]
          examples: {"5": 1, "20": 0}
        - id: q2
          type: number
          prompt: How many?
          tolerance: 2
          range: [1, 9]
          examples: {"5": 1, "20": 0}
        """,
    )
    texts = [p.message for p in problems]
    assert len(texts) == 2
    assert "both 'answer' and 'range'" in texts[0] and "remove" in texts[0]
    assert "both 'tolerance' and 'range'" in texts[1]


def test_an_image_on_another_site_warns_and_fails_strict(tmp_path: Path) -> None:
    (tmp_path / "lessons").mkdir()
    (tmp_path / "lessons" / "l.md").write_text(
        "---\ntitle: A lesson\n---\n## Heading\n\n"
        "![A map](https://upload.wikimedia.org/map.png)\n\nText with ![a data image]"
        "(data:image/png;base64,AAAA) and a [link](https://example.org/).\n",
        encoding="utf-8",
    )
    bundle, report = validate_root(tmp_path)
    assert bundle is not None and not report.problems
    (warning,) = report.warnings
    assert warning.line == 6
    assert "https://upload.wikimedia.org/map.png" in warning.message
    assert "content security policy" in warning.message and "media/" in warning.message
    plain = CliRunner().invoke(main, ["validate", str(tmp_path)])
    strict = CliRunner().invoke(main, ["validate", "--strict", str(tmp_path)])
    assert plain.exit_code == 0 and "warning: image" in plain.output
    assert strict.exit_code == 1
