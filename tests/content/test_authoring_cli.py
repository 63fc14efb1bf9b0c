"""The authoring commands end to end: import a saved page, draft its quiz, validate."""

from __future__ import annotations

from pathlib import Path

import yaml
from click.testing import CliRunner

from course.cli import main

PAGES = Path(__file__).parent / "pages"


def test_import_draft_validate(tmp_path: Path) -> None:
    cli = CliRunner()
    page = PAGES / "news-shortcodes.html"
    imported = cli.invoke(main, ["import-article", str(page), "--root", str(tmp_path)])
    assert imported.exit_code == 0, imported.output
    lesson = tmp_path / "lessons" / "soviet-offensive-in-manchuria-august-9-20-1945.md"
    assert f"Wrote {lesson}" in imported.output
    drafted = cli.invoke(main, ["draft-quiz", str(lesson), "--limit", "3"])
    assert drafted.exit_code == 0, drafted.output
    quiz = tmp_path / "quizzes" / "soviet-offensive-in-manchuria-august-9-20-1945-draft.yaml"
    questions = yaml.safe_load(quiz.read_text(encoding="utf-8"))["questions"]
    assert len(questions) == 3
    assert questions[0]["type"] == "date" and questions[0]["answer"] == "1945-08-09"
    checked = cli.invoke(main, ["validate", str(tmp_path)])
    assert checked.exit_code == 0, checked.output
    again = cli.invoke(main, ["import-article", str(page), "--root", str(tmp_path)])
    assert again.exit_code == 1 and "use --force" in again.output


def test_page_without_article_gets_a_clear_error(tmp_path: Path) -> None:
    page = tmp_path / "menu.html"
    page.write_text(
        "<html><head><title>Home | Site</title></head><body><nav><ul><li><a href='/'>"
        "Home</a></li></ul></nav><footer>© 2024 Site</footer></body></html>",
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["import-article", str(page), "--root", str(tmp_path)])
    assert result.exit_code == 1
    assert "no article text found" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "lessons").exists()
