"""The one Markdown configuration: CommonMark, raw HTML off, safe links, anchors, figures.

Lessons, prompts, choices, feedback and explanations all render through
:func:`render`, so the safety rules hold everywhere:

- raw HTML is escaped, never passed through;
- ``javascript:``, ``vbscript:``, ``file:`` and ``data:`` links and images are dropped;
- headings get stable anchor ids (:func:`slugify`), which quiz ``section`` keys name;
- an image alone in a paragraph becomes a ``<figure>`` with its text as caption; a
  media file (audio or video) becomes an accessible player with caption and, when
  the title names one, a transcript link: ``![Caption](media/clip.mp4 "media/clip.txt")``.
"""

from __future__ import annotations

import html
import posixpath
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from mdit_py_plugins.anchors import anchors_plugin
from mdit_py_plugins.footnote import footnote_plugin

AUDIO = {
    ".mp3": "audio/mpeg",
    ".ogg": "audio/ogg",
    ".oga": "audio/ogg",
    ".wav": "audio/wav",
    ".m4a": "audio/mp4",
    ".flac": "audio/flac",
}
VIDEO = {".mp4": "video/mp4", ".webm": "video/webm", ".ogv": "video/ogg", ".m4v": "video/mp4"}
IMAGE = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".svg": "image/svg+xml",
    ".avif": "image/avif",
}
TRANSCRIPT = {
    ".txt": "text/plain; charset=utf-8",
    ".vtt": "text/vtt; charset=utf-8",
    ".pdf": "application/pdf",
}
MEDIA_TYPES = {**AUDIO, **VIDEO, **IMAGE, **TRANSCRIPT}

_UNSAFE_SCHEME = re.compile(r"^\s*(javascript|vbscript|file|data):", re.IGNORECASE)
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:|^//")


def slugify(text: str) -> str:
    """A stable anchor id: ASCII, lower case, words joined by hyphens."""
    folded = unicodedata.normalize("NFKD", text)
    ascii_text = folded.encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    return slug or "section"


def _validate_link(url: str) -> bool:
    return not _UNSAFE_SCHEME.match(url)


def is_local(url: str) -> bool:
    """A relative URL into the content root (no scheme, no leading slash, no fragment only)."""
    return bool(url) and not _SCHEME.match(url) and not url.startswith(("/", "#", "?"))


def local_media_path(url: str) -> str | None:
    """Normalize a relative media URL; ``None`` when it would leave the content root."""
    path = posixpath.normpath(url.split("#", 1)[0].split("?", 1)[0])
    if path.startswith("../") or path == ".." or path.startswith("/"):
        return None
    return path


@dataclass
class RenderEnv:
    """What a render learned about the text: headings and the local media it uses."""

    media_url: Callable[[str], str] | None = None
    headings: list[tuple[int, str, str]] = field(default_factory=list)
    media: list[str] = field(default_factory=list)
    bad_media: list[str] = field(default_factory=list)
    # Images on other sites: the page's content policy (img-src 'self' data:) blocks them.
    external_images: list[str] = field(default_factory=list)


def _figures(state: StateCore) -> None:
    """Mark paragraphs holding a single image so they render as figures."""
    tokens = state.tokens
    for i in range(len(tokens) - 2):
        opening, inline, closing = tokens[i], tokens[i + 1], tokens[i + 2]
        if (
            opening.type == "paragraph_open"
            and inline.type == "inline"
            and closing.type == "paragraph_close"
            and inline.children
            and len([c for c in inline.children if c.type != "softbreak"]) == 1
            and inline.children[0].type == "image"
        ):
            opening.tag = closing.tag = "figure"
            inline.children[0].meta["figure"] = True


class _Renderer(RendererHTML):
    def image(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        token = tokens[idx]
        render_env: RenderEnv = env["course"]
        src = str(token.attrGet("src") or "")
        alt = self.renderInlineAsText(token.children or [], options, env)
        title = str(token.attrGet("title") or "")
        if is_local(src):
            path = local_media_path(src)
            if path is None:
                render_env.bad_media.append(src)
                return html.escape(alt)
            render_env.media.append(path)
            src = render_env.media_url(path) if render_env.media_url else path
        elif src and not src.startswith("data:"):
            render_env.external_images.append(src)
        ext = posixpath.splitext(src.split("?", 1)[0])[1].lower()
        caption = html.escape(alt)
        figure = bool(token.meta.get("figure"))
        if ext in AUDIO or ext in VIDEO:
            return self._player(src, ext, caption, title, render_env)
        img = f'<img src="{html.escape(src)}" alt="{caption}" loading="lazy"'
        img += f' title="{html.escape(title)}">' if title else ">"
        return f"{img}<figcaption>{caption}</figcaption>" if figure and caption else img

    def _player(self, src: str, ext: str, caption: str, title: str, env: RenderEnv) -> str:
        tag = "audio" if ext in AUDIO else "video"
        mime = (AUDIO | VIDEO)[ext]
        out = (
            f'<{tag} controls preload="metadata" aria-label="{caption}">'
            f'<source src="{html.escape(src)}" type="{mime}">'
            f'Your browser cannot play this {tag}; <a href="{html.escape(src)}">download it</a>.'
            f"</{tag}><figcaption>{caption}"
        )
        if title and is_local(title):
            path = local_media_path(title)
            if path is None:
                env.bad_media.append(title)
            else:
                env.media.append(path)
                href = env.media_url(path) if env.media_url else path
                out += f' <a class="transcript" href="{html.escape(href)}">Transcript</a>'
        return out + "</figcaption>"

    def link_open(
        self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        token = tokens[idx]
        href = str(token.attrGet("href") or "")
        if _SCHEME.match(href):
            token.attrSet("rel", "noopener noreferrer nofollow")
        return self.renderToken(tokens, idx, options, env)


def _collect_headings(state: StateCore) -> None:
    env: RenderEnv = state.env["course"]
    tokens = state.tokens
    for i, token in enumerate(tokens):
        if token.type == "heading_open" and token.attrGet("id"):
            text = tokens[i + 1].content
            env.headings.append((int(token.tag[1]), text, str(token.attrGet("id"))))


def _make() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "typographer": True}, renderer_cls=_Renderer)
    md.enable(["table", "strikethrough", "replacements", "smartquotes"])
    md.validateLink = _validate_link  # type: ignore[method-assign]
    md.use(footnote_plugin)
    md.use(anchors_plugin, min_level=1, max_level=4, slug_func=slugify)
    md.core.ruler.push("course_figures", _figures)
    md.core.ruler.push("course_headings", _collect_headings)
    return md


_MD = _make()


def render(text: str, media_url: Callable[[str], str] | None = None) -> tuple[str, RenderEnv]:
    """Render Markdown to safe HTML; also return what was found (headings, media)."""
    env = RenderEnv(media_url=media_url)
    out = _MD.render(text, {"course": env})
    return out, env


def render_inline(text: str) -> str:
    """Render a short Markdown text (a choice, a prompt line) without a wrapping <p>."""
    env: dict[str, Any] = {"course": RenderEnv()}
    return str(_MD.renderInline(text, env))


def render_html(text: str) -> str:
    """Render Markdown to safe HTML (prompts, explanations, feedback)."""
    return render(text)[0]
