"""Lessons: safe Markdown, stable anchors, figures and media, reading time (THREATS 22, 32)."""

from __future__ import annotations

from pathlib import Path

import pytest

from course.content.lessons import read_lesson, reading_minutes
from course.content.markdown import render, slugify


def lesson(body: str, front: str = "title: T\n", exists: bool = True) -> tuple[str, list[str]]:
    data = f"---\n{front}---\n{body}".encode()
    read = read_lesson("l.md", data, "l", lambda _p: exists, lambda p: f"/media/c/{p}")
    return (read.lesson.html if read.lesson else ""), [str(p) for p in read.problems]


@pytest.mark.parametrize(
    "evil",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[click](javascript:alert(1))",
        "[click](JAVASCRIPT:alert(1))",
        "[click](data:text/html;base64,PHNjcmlwdD4=)",
        "![x](data:image/svg+xml;base64,PHN2Zz4=)",
        "[click](vbscript:msgbox(1))",
        "<a href='javascript:alert(1)'>x</a>",
    ],
)
def test_dangerous_markup_is_inert(evil: str) -> None:
    html, _ = render(evil)
    assert "<script" not in html and "<img src=x" not in html and "<a href='" not in html
    assert 'href="javascript:' not in html.lower() and 'href="data:' not in html
    assert 'src="data:' not in html and 'href="vbscript:' not in html


def test_heading_anchors_are_stable_slugs() -> None:
    html, env = render("## The war with Japan\n\n## Korea & the 38th parallel\n\n## Café Ö\n")
    assert [h[2] for h in env.headings] == [
        "the-war-with-japan",
        "korea-the-38th-parallel",
        "cafe-o",
    ]
    assert 'id="the-war-with-japan"' in html
    assert slugify("  ") == "section"


def test_tables_footnotes_and_figures() -> None:
    html, problems = lesson(
        "| a | b |\n|---|---|\n| 1 | 2 |\n\nText[^n]\n\n[^n]: Note.\n\n![A map](media/map.png)\n"
    )
    assert not problems
    assert "<table>" in html and 'class="footnotes"' in html
    assert '<figure><img src="/media/c/media/map.png" alt="A map"' in html
    assert "<figcaption>A map</figcaption></figure>" in html


def test_audio_and_video_players_with_transcript() -> None:
    html, problems = lesson(
        '![Stalin speaks](media/speech.mp3 "media/speech.txt")\n\n![Newsreel](media/newsreel.mp4)\n'
    )
    assert not problems
    assert '<audio controls preload="metadata" aria-label="Stalin speaks">' in html
    assert '<source src="/media/c/media/speech.mp3" type="audio/mpeg">' in html
    assert '<a class="transcript" href="/media/c/media/speech.txt">Transcript</a>' in html
    assert "<video controls" in html and 'type="video/mp4"' in html


def test_missing_or_escaping_media_is_an_error() -> None:
    _, problems = lesson("Intro\n\n![Map](media/missing.png)\n", exists=False)
    assert problems == [
        "l.md:6:1: media file 'media/missing.png' does not exist in the content root"
    ]
    _, problems = lesson("![x](../../etc/passwd.png)\n")
    assert "leaves the content root" in problems[0]
    _, problems = lesson("![x](media/tool.exe)\n")
    assert "unsupported type" in problems[0]


def test_front_matter_rules() -> None:
    _, problems = lesson("Body\n", front="title: T\ntitel: U\n")
    assert problems == [
        "l.md:3:1: unknown key 'titel' in lesson front matter; did you mean 'title'?"
    ]
    read = read_lesson("l.md", b"# No front matter\n", "l", lambda _p: True)
    assert read.lesson is None and "no front matter" in str(read.problems[0])


def test_raw_html_escaped_not_dropped() -> None:
    html, _ = lesson("A <b>bold</b> claim\n")
    assert "&lt;b&gt;bold&lt;/b&gt;" in html


def test_reading_time() -> None:
    assert reading_minutes("word " * 10) == 1
    assert reading_minutes("word " * 450) == 3


def test_bundled_lesson_credits_source() -> None:
    repo = Path(__file__).resolve().parents[2]
    data = (repo / "lessons" / "soviet-union-ww2.md").read_bytes()
    read = read_lesson("l.md", data, "x", lambda _p: True)
    assert read.lesson is not None
    assert read.lesson.source["publisher"] == "The World War II Multimedia Database"
    assert "the-war-with-japan" in read.lesson.anchors


def _source_problems(source: str) -> list[str]:
    return lesson("Text.\n", front=f"title: T\nsource:\n{source}")[1]


@pytest.mark.parametrize(
    ("url", "fix"),
    [
        ('"javascript:alert(1)"', "https://example.org/article"),
        ('"JavaScript:alert(1)"', "https://example.org/article"),
        ('"data:text/html,x"', "https://example.org/article"),
        ('"java\\tscript:alert(1)"', "https://example.org/article"),
        ("/lessons/other", "https://example.org/article"),
        ("www.example.org/page", "https://www.example.org/page"),
        ("//www.example.org/page", "https://www.example.org/page"),
        ("https://", "https://example.org/article"),
        ("ftp://example.org/f", "https://example.org/article"),
    ],
)
def test_source_url_must_be_an_absolute_web_address(url: str, fix: str) -> None:
    problems = _source_problems(f"  title: x\n  url: {url}\n")
    assert len(problems) == 1, problems
    assert problems[0].startswith("l.md:5:8: 'url' must be an absolute http:// or https://")
    assert problems[0].endswith(f"write e.g. {fix}")


@pytest.mark.parametrize("url", ["https://example.org/a?b=1#c", "HTTP://Example.org"])
def test_source_url_accepts_web_addresses(url: str) -> None:
    assert _source_problems(f"  url: {url}\n") == []


def test_source_keys_are_the_documented_ones() -> None:
    problems = _source_problems("  title: x\n  publsher: y\n  website: z\n")
    assert problems == [
        "l.md:5:3: unknown key 'publsher' in lesson 'source'; did you mean 'publisher'?",
        "l.md:6:3: unknown key 'website' in lesson 'source'; known keys: "
        "title, publisher, url, author, date",
    ]
    read = read_lesson(
        "l.md",
        b"---\ntitle: T\nsource: {title: a, publisher: b, url: 'https://x.org',"
        b" author: c, date: '2019'}\n---\nText.\n",
        "l",
        lambda _p: True,
    )
    assert read.lesson is not None
    assert read.lesson.source == {
        "title": "a",
        "publisher": "b",
        "url": "https://x.org",
        "author": "c",
        "date": "2019",
    }
    assert _source_problems("  - a\n") == [
        "l.md:4:3: 'source' must be a mapping of title, publisher, url, author, date"
    ]
