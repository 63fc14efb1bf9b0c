"""The YAML layer: positions, refused features, limits (THREATS 27–30)."""

from __future__ import annotations

import time

import pytest

from course.content.yamlsafe import MAX_FILE_BYTES, YamlError, decode, parse


def problems(text: str) -> list[str]:
    try:
        _, found = parse("q.yaml", text)
    except YamlError as exc:
        return [str(p) for p in exc.problems]
    return [str(p) for p in found]


def test_scalars_keep_author_text_and_position() -> None:
    root, found = parse("q.yaml", "a: [Yes, No, on, NO, 012, 1e3, 1945-08-09]\nb: 'x'\n")
    assert not found
    assert root is not None
    values = [n.value for n in root.get("a").items]  # type: ignore[union-attr]
    assert values == ["Yes", "No", "on", "NO", "012", "1e3", "1945-08-09"]
    b = root.get("b")
    assert b is not None and (b.line, b.col, b.plain) == (2, 4, False)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: 1\nb: 2\na: 3\n", "q.yaml:3:1: duplicate key 'a' (first at line 1)"),
        ("a:\n\tb: 1\n", "q.yaml:2:1: tab character in indentation"),
        ("a: !!python/object:os.system x\n", "q.yaml:1:4: tag tag:yaml.org,2002:python/object"),
        ("a: !custom x\n", "tag !custom is not allowed"),
        ("a: [1\nb: 2\n", "q.yaml:1:4: YAML syntax error: the '[' opened here is never closed"),
        ("a: {x: 1\nb: 2\n", "q.yaml:1:4: YAML syntax error: the '{' opened here is never"),
        ("a: 1\n---\nb: 2\n", "only one YAML document per file"),
        ("a: *nothing\n", "q.yaml:1:4: unknown alias *nothing"),
    ],
)
def test_refused_with_position(text: str, expected: str) -> None:
    found = problems(text)
    assert any(expected in p for p in found), found


def test_billion_laughs_refused_fast() -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 9):
        prev, cur = chr(96 + i), chr(97 + i)
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    started = time.perf_counter()
    found = problems("\n".join(lines) + "\n")
    assert time.perf_counter() - started < 1.0
    assert any("aliases expand to more than" in p for p in found), found


def test_deep_nesting_refused_fast() -> None:
    started = time.perf_counter()
    found = problems("a: " + "[" * 10_000 + "]" * 10_000 + "\n")
    assert time.perf_counter() - started < 1.0
    assert found and ("nesting" in found[0] or "depth" in found[0])


def test_size_limit_named() -> None:
    with pytest.raises(YamlError, match="limit is 1,000,000 bytes"):
        decode("q.yaml", b"a: 1\n" * (MAX_FILE_BYTES // 4))


def test_bom_crlf_and_non_utf8() -> None:
    root, _ = parse("q.yaml", decode("q.yaml", "\ufeffa: 1\r\nb: x\r\n".encode()))
    assert root is not None and root.get("b").value == "x"  # type: ignore[union-attr]
    with pytest.raises(YamlError, match=r"q.yaml:2:1: file is not UTF-8 \(byte 0xe9"):
        decode("q.yaml", b"a: 1\nb: caf\xe9\n")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("prompt: |\n  Call it:\n  \tindented(x)\nb: 1\n", "Call it:\n\tindented(x)\n"),
        ("prompt: |\n  a\n   \t b\n", "a\n \t b\n"),
        ("prompt: >\n  a\n  \tb\n", "a\n\tb\n"),
        ('prompt: "a\n\tb"\n', "a b"),
        ("prompt: |2\n  \tfirst\n  x\n", "\tfirst\nx\n"),
    ],
)
def test_a_tab_inside_a_scalar_is_text_not_indentation(text: str, value: str) -> None:
    root, found = parse("q.yaml", text)
    assert not found and root is not None
    prompt = root.get("prompt")
    assert prompt is not None and prompt.value == value


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a:\n  b: |\n    x\n  \ty\n", "q.yaml:4:3: tab character in indentation"),
        ("a: |\n  x\n\tb: 1\n", "q.yaml:3:1: tab character in indentation"),
        ("a: x\n\ty\n", "q.yaml:2:1: tab character in indentation"),
        ("a:\n  - x\n \t- y\n", "q.yaml:3:2: tab character in indentation"),
        (
            "prompt: |\n  \tfirst\n",
            "q.yaml:2:3: YAML syntax error: found a tab character where an indentation space "
            "is expected (while scanning a block scalar); a block scalar's first line cannot "
            "start with a tab: give the block's indentation in its header (|2 for two spaces)",
        ),
    ],
)
def test_a_tab_as_indentation_is_refused(text: str, expected: str) -> None:
    found = problems(text)
    assert any(p.startswith(expected) for p in found), found


def test_a_quiz_with_a_tab_in_a_block_prompt_validates() -> None:
    from course.content.quizzes import read_quiz

    data = (
        "title: T\nlesson: l\nquestions:\n  - id: a\n    type: true_false\n    prompt: |\n"
        "      What does this print?\n\n      \tindented(x)\n    answer: true\n"
        "    examples: {'true': 1, 'false': 0}\n"
    )
    read = read_quiz("q.yaml", data.encode(), "q")
    assert read.problems == [] and read.quiz is not None
    assert read.quiz.questions[0].prompt.endswith("\n\tindented(x)\n")
