"""The lesson page's source link: never a non-http(s) href, whatever the stored content.

The validator refuses such an address (tests/content/test_lessons.py); this is the
second line, for a lesson stored before that check existed.
"""

from __future__ import annotations

import pytest
from flask import Flask, render_template

from course.services.catalog import LessonView


def _page(app: Flask, url: str) -> str:
    view = LessonView(
        course_id="c",
        course_title="C",
        slug="l",
        title="L",
        minutes=1,
        html="<p>x</p>",
        toc=(),
        source={"title": "The work", "url": url},
        quizzes=(),
    )
    with app.test_request_context("/"):
        return render_template("lesson.html", lesson=view)


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        " javascript:alert(1)",
        "java\tscript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "//evil.example/x",
        "/relative",
    ],
)
def test_a_stored_non_web_address_is_not_a_link(app: Flask, url: str) -> None:
    html = _page(app, url)
    assert "<cite>The work</cite>" in html
    assert 'rel="noopener noreferrer"' not in html.split("Source:", 1)[1].split("</aside>")[0]


@pytest.mark.parametrize("url", ["https://example.org/a", "HTTP://example.org/b"])
def test_a_web_address_is_linked(app: Flask, url: str) -> None:
    html = _page(app, url)
    assert f'<a href="{url}" rel="noopener noreferrer">The work</a>' in html
