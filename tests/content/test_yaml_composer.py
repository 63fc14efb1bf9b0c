"""The fast YAML path (libyaml's C composer) against the event-by-event reader.

``parse`` composes plain documents in C and falls back to ``parse_events`` for the
rest; whatever the text, both must give the same tree (kinds, values, positions, plain
or quoted, cut comments) or the same problems, so `course validate` reports exactly
what it did before the fast path existed.
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from course.content import yamlsafe
from course.content.yamlsafe import Node, YamlError, parse, parse_events, parse_recovering


def shape(node: Node | None, above: frozenset[int] = frozenset()) -> Any:
    if node is None:
        return None
    if id(node) in above:  # an alias of an enclosing node ("&a [*a]")
        return ("cycle", node.line, node.col)
    inner = above | {id(node)}
    return (
        node.kind,
        node.line,
        node.col,
        node.value,
        node.plain,
        node.comment,
        [shape(item, inner) for item in node.items],
        [(shape(k, inner), shape(v, inner)) for k, v in node.pairs],
    )


def outcome(read: Any, text: str, line_offset: int = 0) -> Any:
    try:
        root, problems = read("q.yaml", text, line_offset)
    except YamlError as exc:
        return ("error", [str(p) for p in exc.problems], exc.skip, exc.untag)
    return ("tree", shape(root), [str(p) for p in problems])


def assert_same(text: str, line_offset: int = 0) -> None:
    assert outcome(parse, text, line_offset) == outcome(parse_events, text, line_offset)


ODD = [
    "",
    "# only a comment\n",
    "---\n",
    "---\na: 1\n...\n",
    "a: 1\n---\nb: 2\n",
    "plain scalar document\n",
    "a: 1\nb: 2\na: 3\n",
    "a: 1\na: 1\na: 2\n",
    "? [x]\n: 1\n",
    "? {a: 1}\n: 2\n",
    "{[1]: 2}\n",
    "a: &x [1, 2]\nb: *x\n",
    "a: &x 1\nb: &x 2\nc: *x\n",
    "a: &x unused\nb: 2\n",
    "a: *nothing\n",
    "a: &a [*a]\n",
    "a: !!str 1\n",
    "a: !custom x\n",
    "a: ! x\n",
    "a: !!python/object:os.system x\n",
    "!!map {a: 1}\n",
    "a: [1\nb: 2\n",
    "a: 'unclosed\n",
    'a: "unclosed\n',
    "choices: [C #sharp, Java]\n",
    "answer: C #sharp\nother: 'q' # fine\n",
    "answer: C#sharp\n",
    "answer: C # \n",
    "answer: C #\n",
    "- a #x\n- 'b' #y\n- c\n  #z\n",
    "a: |\n  text # not a comment\nb: >\n  folded\n  more # no\n",
    "a: multi\n  line #cut\n",
    "a:\n\tb: 1\n",
    "a: 1\r\nb: x #c\r\n",
    "a: x\x85b: y\n",
    "a: x\u2028b: y\n",
    "\ufeffa: 1\n",
    "a: \x07\n",
    "a: [" * 70 + "]" * 70 + "\n",
    "a: " + "[" * 63 + "x" + "]" * 63 + "\n",
    "a: " + "[" * 64 + "]" * 64 + "\n",
    "a: " + "[" * 64 + "x" + "]" * 64 + "\n",
    "a: " + "- " * 80 + "x\n",
    "a: [Yes, No, on, NO, 012, 1e3, 1945-08-09, ~, null, '', \"\"]\n",
    "a:\nb:\n- \n-\n",
    "key with spaces: value: more\n",
    "a: b: c\n",
    "- a\nb: c\n",
    "a:\n  - x\n  y: 1\n",
]


@pytest.mark.parametrize("text", ODD)
def test_fast_path_agrees_on_odd_yaml(text: str) -> None:
    assert_same(text)
    assert_same(text, line_offset=1)


def test_fast_path_agrees_on_the_bundled_course() -> None:
    from tests.factories import REPO

    for path in sorted((REPO / "quizzes").glob("*.yaml")):
        assert_same(path.read_text(encoding="utf-8"))


def test_fast_path_is_taken_for_plain_data(monkeypatch: pytest.MonkeyPatch) -> None:
    """Guard against a fast path that silently always falls back."""

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("fell back to the event reader")

    monkeypatch.setattr(yamlsafe, "parse_events", refuse)
    root, problems = parse("q.yaml", "a: [1, 'two', {b: c}]\nd: C #sharp\n")
    assert not problems and root is not None
    assert root.get("a").items[2].get("b").value == "c"  # type: ignore[union-attr]
    assert root.get("d").comment == "sharp"  # type: ignore[union-attr]


def test_billion_laughs_and_deep_nesting_still_refused() -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 9):
        prev, cur = chr(96 + i), chr(97 + i)
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    bomb = outcome(parse, "\n".join(lines) + "\n")
    assert bomb[0] == "error" and "aliases expand to more than" in bomb[1][0]
    for deep in ("a: " + "[" * 100_000 + "]" * 100_000, "- " * 100 + "x"):
        found = outcome(parse, deep + "\n")
        assert found == outcome(parse_events, deep + "\n")
        assert found[0] == "error" and "nesting" in found[1][0], found


_KEYS = ["a", "b", "answer", "choices", "'q k'", '"d"', "? c", "a"]
_VALUES = [
    "1",
    "x y",
    "C #sharp",
    "'q' #c",
    '"d\\x41"',
    "[1, 2 #c, 3]",
    "[a, [b, {c: d}]]",
    "{a: 1, a: 2}",
    "&n v",
    "*n",
    "!t v",
    "!!str v",
    "|\n  block #no",
    ">-\n  folded",
    "",
    "~",
    "'unclosed",
    "[open",
    "Yes",
    "- nested",
    "\tx",
    "x\ty",
    "a: b",
]
_LINE = st.tuples(
    st.sampled_from(["", "  ", "    ", "- ", "  - ", "\t"]),
    st.sampled_from(_KEYS),
    st.sampled_from([": ", ":", " : "]),
    st.sampled_from(_VALUES),
    st.sampled_from(["", " # note", "#x", " #"]),
).map("".join)


@settings(max_examples=400, deadline=None, database=None, derandomize=True)
@given(lines=st.lists(_LINE | st.sampled_from(["---", "...", "", "# c", "-", "  -"]), max_size=12))
def test_fast_path_agrees_on_generated_yaml(lines: list[str]) -> None:
    text = "\n".join(lines) + "\n"
    assert_same(text)
    recovered = parse_recovering("q.yaml", text)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(yamlsafe, "_compose", _always_unusual)
        assert recovered_shape(recovered) == recovered_shape(parse_recovering("q.yaml", text))


def _always_unusual(text: str, line_offset: int) -> Node | None:
    raise yamlsafe._Unusual


def recovered_shape(result: tuple[Node | None, list[Any], bool]) -> Any:
    root, problems, broken = result
    return shape(root), [str(p) for p in problems], broken


_SCALARS = st.sampled_from(
    [
        *["x", "Yes", "012", "1e3", "C #sharp", "a: b", "'q'", "", "~", "- d", "é"],
        *["t\tab", "two\nlines", "#x", "[y]", "  pad ", "null", "& a", "* b", "! c", "@e"],
    ]
)
_DATA = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(["a", "b", "answer", "choices", "q k", ""]), inner, max_size=4
        )
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None, database=None, derandomize=True)
@given(
    data=_DATA,
    flow=st.sampled_from([False, True, None]),
    width=st.sampled_from([20, 80]),
    comments=st.lists(st.sampled_from(["", " # c", "#d", " #"]), max_size=30),
)
def test_fast_path_agrees_on_dumped_data(
    data: Any, flow: bool | None, width: int, comments: list[str]
) -> None:
    """Mostly valid YAML (so the fast path is taken), with comments after some lines."""
    text = yaml.safe_dump(data, default_flow_style=flow, allow_unicode=True, width=width)
    lines = text.split("\n")
    for number, comment in enumerate(comments[: len(lines)]):
        if lines[number]:
            lines[number] += comment
    assert_same("\n".join(lines))
