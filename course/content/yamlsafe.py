"""YAML for authors: positions kept, surprises refused.

The tree is composed by libyaml's C composer (positions kept on its nodes) and copied
into :class:`Node` objects; a document that needs more than plain data (an alias, a tag,
a duplicate key, a syntax error, a limit) is read again event by event in Python, which
says exactly what is wrong and where. Either way, not PyYAML's constructor, so:

- every node keeps its line and column;
- nothing is constructed from tags: any explicit tag is an error;
- scalars stay the text the author wrote; the schema decides their type later, so
  ``Yes``, ``NO``, ``on``, ``012`` or ``1e3`` in a text field stay text (no YAML 1.1
  coercion);
- duplicate keys, tabs in indentation, several documents, deep nesting, many
  aliases and large alias expansions are reported with the limit that was hit.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal, cast

import yaml

from course.content.diagnostics import Diagnostic

MAX_FILE_BYTES = 1_000_000
MAX_DEPTH = 64
MAX_ALIASES = 100
MAX_NODES = 200_000

NodeKind = Literal["map", "seq", "scalar"]
_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")  # YAML's line breaks
_ODD_BREAK = re.compile("[\r\x85\u2028\u2029]")


@dataclass(eq=False, slots=True)
class Node:
    """A YAML node with its position (1-based line and column)."""

    kind: NodeKind
    line: int
    col: int
    value: str = ""
    plain: bool = False  # an unquoted scalar: only these may be booleans, numbers or null
    # A comment right after a plain scalar on its line: YAML cut the value there
    # ("answer: C #sharp" is "C"), which the author may not have meant.
    comment: str | None = None
    # Shared empty tuples by default: most nodes are scalars, and two fresh lists for
    # each of them were a tenth of reading a big root. Readers only iterate these.
    items: Sequence[Node] = ()
    pairs: Sequence[tuple[Node, Node]] = ()

    def get(self, key: str) -> Node | None:
        for k, v in self.pairs:
            if k.value == key:
                return v
        return None

    @property
    def is_null(self) -> bool:
        return (
            self.kind == "scalar" and self.plain and self.value in ("", "~", "null", "Null", "NULL")
        )


class YamlError(Exception):
    """The file could not be read as YAML at all.

    ``skip`` is the line (0-based, in the parsed text) that a syntax error points at:
    :func:`parse_recovering` blanks it and reads on, to report the file's other
    problems too. ``None`` for limits, which end reading.
    """

    def __init__(self, problems: list[Diagnostic], skip: list[int] | None = None) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems
        self.skip = skip or []
        self.untag: tuple[int, int] | None = None  # (line, column) of a refused tag


def decode(path: str, data: bytes, limit: int = MAX_FILE_BYTES) -> str:
    """Bytes → text: size limit, UTF-8 only, BOM dropped, CRLF handled by the parser."""
    if len(data) > limit:
        raise YamlError(
            [Diagnostic(path, 1, 1, f"file is {len(data):,} bytes; the limit is {limit:,} bytes")]
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise YamlError(
            [
                Diagnostic(
                    path,
                    line,
                    1,
                    f"file is not UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
                    "save it as UTF-8",
                )
            ]
        ) from exc
    return text.removeprefix("\ufeff")


def _tab_problems(path: str, text: str, line_offset: int) -> list[Diagnostic]:
    """Tabs used as indentation: YAML indents with spaces only.

    A tab inside a scalar is text, not indentation: in a block scalar's lines after
    their indentation (``prompt: |`` then ``  <TAB>indented(x)``), or where a quoted
    scalar goes on to another line. Those are left alone; PyYAML reads them too.
    """
    problems: list[Diagnostic] = []
    if "\t" not in text:
        return problems
    tabbed: list[tuple[int, int]] = []  # (line, column) from 0 of each line's first tab
    for number, line in enumerate(_LINE_BREAK.split(text)):
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        if "\t" in indent:
            tabbed.append((number, indent.index("\t")))
    if not tabbed:
        return problems
    spans = _scalar_spans(text)
    for number, column in tabbed:
        if any(start < (number, column) < end for start, end in spans):
            continue
        problems.append(
            Diagnostic(
                path,
                number + 1 + line_offset,
                column + 1,
                "tab character in indentation; YAML indents with spaces only",
            )
        )
    return problems


def _scalar_spans(text: str) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """Where each scalar starts and ends, as (line, column) from 0, as far as the text
    can be scanned (a tab the scanner refuses ends it: that tab is indentation)."""
    spans: list[tuple[tuple[int, int], tuple[int, int]]] = []
    try:
        # PyYAML's own scanner, as the event reader that a document libyaml refuses
        # falls back to: libyaml refuses a tab on a block scalar's first line (its
        # indentation is then still being detected), which YAML and PyYAML allow.
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            if isinstance(token, yaml.ScalarToken):
                start, end = token.start_mark, token.end_mark
                spans.append(((start.line, start.column), (end.line, end.column)))
    except yaml.YAMLError:
        pass
    return spans


class _Builder:
    def __init__(self, path: str, line_offset: int, lines: list[str] | None = None) -> None:
        self.path = path
        self.offset = line_offset
        self.lines = lines or []
        self.anchors: dict[str, Node] = {}
        self.aliases = 0
        self.problems: list[Diagnostic] = []

    def pos(self, mark: Any) -> tuple[int, int]:
        if mark is None:
            return 1 + self.offset, 1
        return mark.line + 1 + self.offset, mark.column + 1

    def fail(self, mark: Any, message: str) -> YamlError:
        line, col = self.pos(mark)
        return YamlError([*self.problems, Diagnostic(self.path, line, col, message)])

    def comment_after(self, mark: Any) -> str | None:
        """The comment that follows a scalar ending at ``mark`` on the same line, if any."""
        if mark is None or not 0 <= mark.line < len(self.lines):
            return None
        rest: str = self.lines[mark.line][mark.column :]
        stripped = rest.lstrip(" \t")
        if stripped.startswith("#") and len(stripped) < len(rest):
            return stripped[1:].strip()
        return None

    def check_tag(self, event: yaml.NodeEvent) -> None:
        tag = getattr(event, "tag", None)
        # Plain "!" is the non-specific tag of quoted scalars; anything else is explicit.
        if tag not in (None, "!"):
            error = self.fail(
                event.start_mark,
                f"tag {tag} is not allowed; quiz files hold plain data (remove the tag)",
            )
            if event.start_mark is not None:
                error.untag = (event.start_mark.line, event.start_mark.column)
            raise error

    def build(self, events: Iterable[yaml.Event]) -> Node | None:  # noqa: C901 - one state machine
        stack: list[Node] = []
        pending_key: list[Node | None] = []
        root: Node | None = None
        documents = 0
        for event in events:
            node: Node | None = None
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    raise self.fail(
                        event.start_mark, "only one YAML document per file (remove '---')"
                    )
                continue
            if isinstance(event, yaml.AliasEvent):
                self.aliases += 1
                if self.aliases > MAX_ALIASES:
                    raise self.fail(event.start_mark, f"more than {MAX_ALIASES} aliases (limit)")
                if event.anchor not in self.anchors:
                    raise self.fail(event.start_mark, f"unknown alias *{event.anchor}")
                node = self.anchors[event.anchor]
            elif isinstance(event, yaml.ScalarEvent):
                self.check_tag(event)
                line, col = self.pos(event.start_mark)
                node = Node("scalar", line, col, value=event.value, plain=event.style in (None, ""))
                if node.plain:
                    node.comment = self.comment_after(event.end_mark)
            elif isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
                self.check_tag(event)
                if len(stack) >= MAX_DEPTH:
                    raise self.fail(
                        event.start_mark, f"nesting deeper than {MAX_DEPTH} levels (limit)"
                    )
                line, col = self.pos(event.start_mark)
                new = (
                    Node("map", line, col, pairs=[])
                    if isinstance(event, yaml.MappingStartEvent)
                    else Node("seq", line, col, items=[])
                )
                if event.anchor:
                    self.anchors[event.anchor] = new
                self._attach(stack, pending_key, new)
                stack.append(new)
                pending_key.append(None)
                continue
            elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
                done = stack.pop()
                pending_key.pop()
                if not stack:
                    root = done
                continue
            else:
                continue
            if isinstance(event, yaml.ScalarEvent) and event.anchor:
                self.anchors[event.anchor] = node
            if not stack:
                root = node
            else:
                self._attach(stack, pending_key, node)
        return root

    def _attach(self, stack: list[Node], pending_key: list[Node | None], node: Node) -> None:
        if not stack:
            return
        parent = stack[-1]
        if parent.kind == "seq":
            cast(list[Node], parent.items).append(node)
            return
        key = pending_key[-1]
        if key is None:
            if node.kind != "scalar":
                raise YamlError(
                    [
                        *self.problems,
                        Diagnostic(
                            self.path, node.line, node.col, "mapping keys must be plain text"
                        ),
                    ]
                )
            for existing, _ in parent.pairs:
                if existing.value == node.value:
                    self.problems.append(
                        Diagnostic(
                            self.path,
                            node.line,
                            node.col,
                            f"duplicate key {node.value!r} (first at line {existing.line}); "
                            "keep one",
                        )
                    )
            pending_key[-1] = node
        else:
            cast(list[tuple[Node, Node]], parent.pairs).append((key, node))
            pending_key[-1] = None


def _expanded_size(root: Node) -> int:
    """Nodes the tree would have with every alias expanded, without expanding it."""
    sizes: dict[int, int] = {}
    order: list[Node] = []
    stack = [root]
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        order.append(node)
        stack.extend(node.items)
        for k, v in node.pairs:
            stack.extend((k, v))
    for node in reversed(order):
        total = 1 + sum(sizes.get(id(c), 1) for c in node.items)
        total += sum(sizes.get(id(k), 1) + sizes.get(id(v), 1) for k, v in node.pairs)
        sizes[id(node)] = min(total, MAX_NODES * 10)
    return sizes[id(root)]


def _events(text: str) -> Iterator[yaml.Event]:
    loader_class = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available
    loader = loader_class(text)
    try:
        while loader.check_event():
            yield loader.get_event()
    finally:
        loader.dispose()


class _Unusual(Exception):
    """The document needs the event-by-event reader (see :func:`_compose`)."""


_IMPLICIT = "?"  # the tag the fast composer gives every node without an explicit one
_CLoader: Any = getattr(yaml, "CSafeLoader", None)  # libyaml, when PyYAML was built with it

if _CLoader is not None:

    class _Composer(_CLoader):  # type: ignore[misc]
        """libyaml's composer, with tags left unresolved and nesting counted.

        ``resolve`` is called once for every node that has no explicit tag, so
        ``resolved`` counts the nodes composed (aliases excluded); ``descend_resolver``
        is called before each node is composed, so deep nesting stops there, before
        the C composer recurses any further.
        """

        def __init__(self, stream: str) -> None:
            super().__init__(stream)
            self.depth = 0
            self.resolved = 0

        def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
            self.resolved += 1
            return _IMPLICIT

        def descend_resolver(self, current_node: Any, current_index: Any) -> None:
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise _Unusual

        def ascend_resolver(self) -> None:
            self.depth -= 1


def _compose(text: str, line_offset: int) -> Node | None:
    """The document as a :class:`Node` tree, composed by libyaml.

    Only plain data is read this way: a syntax error, a second document, an explicit
    tag, an alias, a non-text or duplicate key, or a node nested deeper than
    ``MAX_DEPTH`` raises :class:`_Unusual`, and :func:`parse` reads the text again
    event by event, which reports each of them exactly. For the documents read here
    the tree is the one that reader builds.
    """
    if _CLoader is None:
        raise _Unusual
    loader = _Composer(text)
    try:
        top = loader.get_single_node()
    except Exception as exc:  # any problem at all: the exact reader says what it is
        raise _Unusual from exc
    finally:
        loader.dispose()
    if top is None:
        return None
    # An alias is a node met twice; the composer resolved each node once, so an alias
    # makes the tree bigger than that count. Only a text with '&' can hold an anchor.
    # Checked before copying: an alias may even hold its own parent ("&a [*a]").
    if "&" in text and _size(top) != loader.resolved:
        raise _Unusual
    return _copier(text, line_offset)(top)


def _copier(text: str, line_offset: int) -> Callable[[Any], Node]:
    """A function that copies a composed tree without aliases into :class:`Node` objects."""
    lines: list[str] = text.split("\n") if "#" in text else []
    hashed = {number for number, line in enumerate(lines) if "#" in line}
    comment_after = _Builder("", line_offset, lines).comment_after
    scalar_node, sequence_node, new, implicit = yaml.ScalarNode, yaml.SequenceNode, Node, _IMPLICIT
    first_line = 1 + line_offset

    # Hot: once per node of every file, so scalars (most nodes) are built by a direct
    # call with positional arguments and no per-node lists.
    def scalar(node: Any) -> Node:
        if node.tag != implicit:
            raise _Unusual  # an explicit tag
        mark = node.start_mark
        style = node.style
        if style is None or style == "":
            end = node.end_mark
            comment = comment_after(end) if end.line in hashed else None
            return new("scalar", mark.line + first_line, mark.column + 1, node.value, True, comment)
        return new("scalar", mark.line + first_line, mark.column + 1, node.value)

    def copy(node: Any) -> Node:
        kind = node.__class__
        if kind is scalar_node:
            return scalar(node)
        if node.tag != implicit:
            raise _Unusual  # an explicit tag
        mark = node.start_mark
        if kind is sequence_node:
            items = [
                scalar(item) if item.__class__ is scalar_node else copy(item) for item in node.value
            ]
            return new("seq", mark.line + first_line, mark.column + 1, "", False, None, items)
        keys: set[str] = set()
        pairs = []
        for key, value in node.value:
            if key.__class__ is not scalar_node or key.value in keys:
                raise _Unusual  # "mapping keys must be plain text", duplicate keys
            keys.add(key.value)
            pairs.append(
                (scalar(key), scalar(value) if value.__class__ is scalar_node else copy(value))
            )
        return new("map", mark.line + first_line, mark.column + 1, "", False, None, (), pairs)

    return copy


def _size(top: Any) -> int:
    """Nodes of a composed tree, each alias counted again (without descending twice)."""
    count = 0
    stack = [top]
    entered: set[int] = set()
    while stack:
        node = stack.pop()
        count += 1
        if node.__class__ is yaml.ScalarNode or id(node) in entered:
            continue
        entered.add(id(node))
        if node.__class__ is yaml.SequenceNode:
            stack.extend(node.value)
        else:
            for key, value in node.value:
                stack.append(key)
                stack.append(value)
    return count


def parse(path: str, text: str, line_offset: int = 0) -> tuple[Node | None, list[Diagnostic]]:
    """Parse one YAML document into a :class:`Node` tree.

    Returns the tree (``None`` for an empty document) and the non-fatal problems
    (duplicate keys). Raises :class:`YamlError` when the text cannot be used at all.
    """
    tabs = _tab_problems(path, text, line_offset)
    if tabs:
        raise YamlError(tabs)
    if not _ODD_BREAK.search(text):  # libyaml and Python agree on "\n" lines only
        try:
            return _compose(text, line_offset), []
        except _Unusual:
            pass
    return parse_events(path, text, line_offset)


def parse_events(
    path: str, text: str, line_offset: int = 0
) -> tuple[Node | None, list[Diagnostic]]:
    """:func:`parse`, event by event in Python: what it falls back to for a document
    that is not plain data, and the reference its fast path is tested against."""
    tabs = _tab_problems(path, text, line_offset)
    if tabs:
        raise YamlError(tabs)
    builder = _Builder(path, line_offset, _LINE_BREAK.split(text))
    try:
        # Events are consumed lazily so a limit stops the parser as soon as it is hit.
        root = builder.build(_events(text))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = f"YAML syntax error: {exc.problem or exc.context}"
        if exc.context and exc.problem:
            message = f"YAML syntax error: {exc.problem} ({exc.context})"
        if exc.context_mark is not None and "end of stream" in (exc.problem or ""):
            # An unclosed quote or bracket is found only at the end: point at its start.
            mark = exc.context_mark
            message += " that starts here and is never closed"
        if "tab character where an indentation space" in (exc.problem or ""):
            # A block scalar whose first line starts with a tab after its indentation:
            # libyaml cannot detect the indentation then. Saying it outright works.
            message += (
                "; a block scalar's first line cannot start with a tab: give the block's "
                "indentation in its header (|2 for two spaces) or start it with another line"
            )
        line, col = (mark.line + 1 + line_offset, mark.column + 1) if mark else (1, 1)
        cut = (
            _flow_comment(builder.lines, exc.context_mark)
            if "flow" in (exc.context or "")
            else None
        )
        if cut is not None and exc.context_mark is not None:
            # One error at the line that holds the comment, not one per line after it.
            at, message = cut
            line, col = exc.context_mark.line + 1 + line_offset, at + 1
            raise YamlError(
                [*builder.problems, Diagnostic(path, line, col, message)], [exc.context_mark.line]
            ) from exc
        opened = exc.context_mark
        if (
            opened is not None
            and exc.problem_mark is not None
            and "flow" in (exc.context or "")
            and exc.problem_mark.line > opened.line
        ):
            # A [ or { left open swallows the lines after it: one error where it opened,
            # and reading on from the next line, instead of one error per line after.
            bracket = "[" if "sequence" in (exc.context or "") else "{"
            message = (
                f"YAML syntax error: the '{bracket}' opened here is never closed "
                f"({exc.problem}); close it, or quote the value if the bracket is part of "
                "the text"
            )
            line, col = opened.line + 1 + line_offset, opened.column + 1
            raise YamlError(
                [*builder.problems, Diagnostic(path, line, col, message)], [opened.line]
            ) from exc
        # Lines to blank to read on: where the error was found, then where the
        # construct it was in began (an unclosed quote is found only at the end).
        skip = [m.line for m in (exc.problem_mark, exc.context_mark) if m is not None]
        raise YamlError([*builder.problems, Diagnostic(path, line, col, message)], skip) from exc
    except yaml.YAMLError as exc:
        raise YamlError([Diagnostic(path, 1 + line_offset, 1, f"YAML error: {exc}")]) from exc
    if root is not None and builder.aliases:
        size = _expanded_size(root)
        if size > MAX_NODES:
            raise YamlError(
                [
                    Diagnostic(
                        path,
                        root.line,
                        root.col,
                        f"aliases expand to more than {MAX_NODES:,} nodes (limit); "
                        "write the data out instead",
                    )
                ]
            )
    return root, builder.problems


def _flow_comment(lines: list[str], mark: Any) -> tuple[int, str] | None:
    """A ``#`` comment that cut a flow list or map (``[C #sharp, Java]``) on the line it
    opens: the column of the value that holds it, and the message; ``None`` if none."""
    if mark is None or not 0 <= mark.line < len(lines):
        return None
    text = lines[mark.line]
    opening = text[mark.column : mark.column + 1]
    if opening not in ("[", "{"):
        return None
    closing = "]" if opening == "[" else "}"
    depth, quote, start = 0, "", mark.column + 1
    for i in range(mark.column, len(text)):
        c = text[i]
        if quote:
            quote = "" if c == quote else quote
        elif c in "'\"" and text[start:i].strip() == "":
            quote = c
        elif c in "[{":
            depth, start = depth + 1, i + 1
        elif c in "]}":
            depth -= 1
            if depth == 0:
                return None  # closed on this line: the comment cut nothing
        elif c == ",":
            start = i + 1
        elif c == "#" and i > 0 and text[i - 1] in " \t":
            if closing not in text[i:]:
                return None  # the list was never closed: not the comment's doing
            return _cut_value(text, start, i, closing)
    return None


def _cut_value(text: str, start: int, hash_at: int, closing: str) -> tuple[int, str]:
    """Column and message for the flow value that starts at ``start`` and holds a ``#``."""
    end = len(text)
    for stop in (",", "]", "}", ": "):
        found = text.find(stop, hash_at)
        if 0 <= found < end:
            end = found
    value = text[start:end].strip()
    col = start + len(text[start:]) - len(text[start:].lstrip())
    quoted = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return col, (
        f"' #' in {value!r} starts a YAML comment, which hid the rest of the line, "
        f"including the closing '{closing}'; quote the value: {quoted}"
    )


MAX_RECOVERIES = 20


def parse_recovering(
    path: str, text: str, line_offset: int = 0
) -> tuple[Node | None, list[Diagnostic], bool]:
    """Like :func:`parse`, but read past syntax errors to find the file's other problems.

    Tabs in indentation are reported and read as spaces; a line with a syntax error is
    reported and blanked, and the text is read again (at most ``MAX_RECOVERIES``
    times). Limits (size, depth, aliases, tags, several documents) still end reading.

    Returns:
        The tree of what could be read, every problem found, and whether the text had
        fatal problems (tabs or syntax errors): then the tree is only good for
        reporting, never for loading.
    """
    problems = _tab_problems(path, text, line_offset)
    tabbed = bool(problems)
    if not tabbed and not _ODD_BREAK.search(text):
        try:  # the common case, read once; a broken text is read again below
            root, found = parse(path, text, line_offset)
        except YamlError:
            pass
        else:
            problems.extend(p for p in found if p not in problems)
            return root, problems, False
    lines = _LINE_BREAK.split(text)
    if tabbed:
        lines = [_untab(line) for line in lines]
    blanked: set[int] = set()
    for _ in range(MAX_RECOVERIES):
        try:
            root, found = parse(path, "\n".join(lines), line_offset)
        except YamlError as exc:
            problems.extend(p for p in exc.problems if p not in problems)
            if exc.untag is not None and _drop_tag(lines, *exc.untag):
                continue
            fresh = [n for n in exc.skip if n not in blanked and 0 <= n < len(lines)]
            if not fresh:
                return None, problems, True
            blanked.add(fresh[0])
            lines[fresh[0]] = ""
            continue
        problems.extend(p for p in found if p not in problems)
        return root, problems, tabbed or bool(blanked)
    return None, problems, True


def _drop_tag(lines: list[str], line: int, column: int) -> bool:
    """Blank out the tag written at (line, column) so the rest can be read; False if none."""
    if not 0 <= line < len(lines):
        return False
    text = lines[line]
    start = text.find("!", column)
    if start < 0:
        return False
    end = start
    while end < len(text) and not text[end].isspace():
        end += 1
    lines[line] = text[:start] + " " * (end - start) + text[end:]
    return True


def _untab(line: str) -> str:
    indent = line[: len(line) - len(line.lstrip(" \t"))]
    return indent.replace("\t", "  ") + line[len(indent) :]
