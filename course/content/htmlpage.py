"""Read a saved web page into an :class:`~course.content.article.Page`.

The page is parsed with lxml (passed in by the importer, which imports it lazily).
The article's own heading is found first — never the site name, the tagline, an image
caption or a byline — and the article is the smallest element around that heading
holding most of the page's remaining text, once navigation, comments, share tools,
cookie and translator notices, infoboxes and the like have been removed.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urljoin

from course.content.article import (
    DASH,
    DATE_TEXT,
    Block,
    Kind,
    Page,
    byline,
    caption_shortcode,
    strip_markup,
)

_DROP_TAGS = {
    "script", "style", "noscript", "form", "nav", "button", "input", "textarea", "select",
    "iframe", "svg", "template", "object", "embed", "label", "aside", "footer", "dl",
}  # fmt: skip
_DROP_ROLES = {"navigation", "search", "dialog", "contentinfo", "complementary", "banner"}
# Words of class and id attributes that mark site furniture.
_CHROME_WORDS = {
    "comment", "comments", "respond", "reply", "share", "sharing", "sharedaddy", "social",
    "cookie", "cookies", "cookieconsent", "cc", "consent", "newsletter", "related",
    "relatedposts", "breadcrumb", "breadcrumbs", "sidebar", "widget", "menu", "navbox",
    "toc", "editsection", "printfooter", "catlinks", "sitenotice", "sitesub", "contentsub",
    "footer", "pager", "feeds", "pullquote", "infobox", "kicker", "labels", "advert",
    "ads", "promo", "subscribe", "feedback", "skip", "skiptranslate", "hidden", "nav",
    "navigation", "meta", "postmetadata", "byline", "translated", "translator", "hatnote",
    "credit", "tags", "updated", "latest", "contents", "reference", "masthead",
    "branding", "screen", "goog", "signup", "donate", "banner", "tools",
}  # fmt: skip
_CHROME_CLASSES = {"date-header", "post-labels", "post-footer", "entry-footer", "cite-box"}
_SITE_WORDS = {
    "header", "masthead", "branding", "banner", "site", "logo", "brand", "description",
    "tagline", "slogan",
}  # fmt: skip
_ARTICLE_WORDS = {"post", "entry", "hentry", "article", "node"}
_INLINE = {
    "a", "b", "strong", "i", "em", "span", "font", "sup", "sub", "small", "abbr", "code",
    "u", "s", "br", "img", "time", "cite", "q", "mark", "big", "tt", "wbr",
}  # fmt: skip
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_TITLE_SPLIT = re.compile(r"\s+[|–—:·•»-]+\s+|\s*::\s*|:\s+")


def _words(el: Any) -> set[str]:
    raw = f"{el.get('class', '')} {el.get('id', '')}".lower()
    return {w for w in re.split(r"[\s_-]+", raw) if w}


def _tokens(el: Any) -> set[str]:
    return set(el.get("class", "").lower().split())


def _text(el: Any) -> str:
    return " ".join(el.text_content().split())


def _fold(text: str) -> str:
    return " ".join(DASH.sub("-", text).replace("’", "'").split()).casefold()


def _tag(el: Any) -> str:
    return el.tag.lower() if isinstance(el.tag, str) else ""


def _is_chrome(el: Any) -> bool:
    if _tag(el) in _DROP_TAGS or el.get("role", "") in _DROP_ROLES:
        return True
    return bool(_words(el) & _CHROME_WORDS or _tokens(el) & _CHROME_CLASSES)


def _in_article(el: Any) -> bool:
    return any(
        _tag(a) in ("article", "main") or a.get("role") == "main" or _words(a) & _ARTICLE_WORDS
        for a in el.iterancestors()
    )


def _in_site_region(el: Any) -> bool:
    for node in [el, *el.iterancestors()]:
        if _tag(node) in ("article", "main", "body", "html") or node.get("role") == "main":
            continue
        words = _words(node)
        if _tag(node) in ("nav", "footer", "aside", "form", "figure", "figcaption"):
            return True
        if words & (_CHROME_WORDS - {"meta", "hidden", "screen"}) or "caption" in words:
            return True
        article_header = words & {"story", "entry", "article", "post", "headline"}
        if (_tag(node) == "header" or words & _SITE_WORDS) and not (
            _in_article(node) or article_header
        ):
            return True
    return False


def _meta(tree: Any, *names: str) -> str:
    for name in names:
        for el in tree.xpath(f"//meta[@property='{name}' or @name='{name}']"):
            content = " ".join(el.get("content", "").split())
            if content:
                return content
    return ""


def _title_parts(tree: Any) -> list[str]:
    found = tree.xpath("//title")
    whole = _text(found[0]) if found else ""
    parts = [whole, *_TITLE_SPLIT.split(whole), *re.split(r"\s+[|–—-]\s+", whole)]
    og = _meta(tree, "og:title", "twitter:title")
    return [p.strip() for p in ([og] if og else []) + parts if p.strip()]


def _site_names(tree: Any) -> list[str]:
    names = [_meta(tree, "og:site_name", "application-name")]
    for el in tree.iter():
        branded = _tag(el) and _tokens(el) & {"site-title", "site-name", "brand", "title", "logo"}
        if branded and not _in_article(el) and 0 < len(_text(el)) <= 80:
            names.append(_text(el))
    return [n for n in names if n]


def _score(el: Any, parts: list[str], sites: set[str]) -> int:
    text = _fold(_text(el))
    if not text or len(text) > 200 or text in sites or _in_site_region(el):
        return -1
    folded = {_fold(p) for p in parts}
    score = 10 if text in folded else 5 if any(len(p) >= 6 and p in text for p in folded) else 0
    score += {"h1": 4, "h2": 2, "h3": 1}.get(_tag(el), 0)
    score += 4 if _words(el) & {"title", "headline", "firstheading"} else 0
    return score + (3 if _in_article(el) else 0)


def _find_title(tree: Any, sites: list[str]) -> Any:
    parts = _title_parts(tree)
    folded_sites = {_fold(s) for s in sites}
    candidates = tree.xpath(
        "//h1|//h2|//h3|//*[contains(@class,'title') or contains(@class,'headline')]"
    )
    scored = [(_score(el, parts, folded_sites), n, el) for n, el in enumerate(candidates)]
    best = max((s for s in scored if s[0] >= 4), key=lambda s: (s[0], -s[1]), default=None)
    return best[2] if best else None


def _publisher(sites: list[str], parts: list[str], title: str) -> str:
    if sites:
        return sites[0]
    title_words = {w for w in _fold(title).split() if len(w) > 3}
    others = [p for p in parts[1:] if not set(_fold(p).split()) & title_words]
    return others[-1] if others else ""


class _Walker:
    """Turns the article's container into blocks, starting after its title element."""

    def __init__(self, title_el: Any, base: str) -> None:
        self.title_el = title_el
        self.started = title_el is None
        self.base = base
        self.blocks: list[Block] = []

    def inline(self, el: Any) -> str:
        """The element's text as inline Markdown (links, bold, italics), spacing kept."""
        parts = [el.text or ""]
        for child in el:
            parts.append(self._inline_child(child))
            parts.append(child.tail or "")
        return " ".join("".join(parts).split())

    def _inline_child(self, child: Any) -> str:
        tag = _tag(child)
        if tag == "br":
            return " "
        if tag == "img" or not tag:
            return ""
        inner = self.inline(child)
        if not inner:
            return " " if child.text_content()[:1].isspace() else ""
        raw = child.text_content()
        lead = " " if raw[:1].isspace() else ""
        trail = " " if raw[-1:].isspace() else ""
        return lead + self._styled(tag, child, inner) + trail

    def _styled(self, tag: str, child: Any, inner: str) -> str:
        if tag == "a":
            href = urljoin(self.base, child.get("href", "")) if self.base else child.get("href", "")
            if re.match(r"https?://", href) and not inner.startswith("!"):
                return f"[{inner}]({href})"
            return inner
        if tag in ("b", "strong"):
            return f"**{inner}**"
        if tag in ("i", "em", "cite"):
            return f"*{inner}*"
        return inner

    def emit(self, block: Block) -> None:
        if self.started:
            self.blocks.append(block)

    def paragraph(self, text: str) -> None:
        text = " ".join(text.split())
        if not text:
            return
        bold = re.fullmatch(r"\*\*([^*]{2,80})\*\*", text)
        if bold and not bold.group(1).rstrip().endswith((".", ",", ";", ":")):
            self.emit(Block(Kind.HEADING, bold.group(1).strip(), level=6))
        else:
            self.emit(Block(Kind.PARAGRAPH, text))

    def figure(self, el: Any, caption: str) -> None:
        images = [el] if _tag(el) == "img" else el.xpath(".//img")
        if not images:
            return
        src = images[0].get("src", "")
        src = urljoin(self.base, src) if self.base else src
        alt = " ".join(images[0].get("alt", "").split())
        text = caption or alt
        if text and src:
            self.emit(Block(Kind.FIGURE, text, src=src))

    def walk(self, el: Any) -> None:
        tag = _tag(el)
        if not tag:
            return
        if el is self.title_el:
            self.started = True
            return
        if tag in _HEADINGS:
            if self.title_el is not None and self.title_el in el.iterdescendants():
                self.started = True
                return
            self.emit(Block(Kind.HEADING, self.inline(el), level=_HEADINGS[tag]))
        elif tag in ("ul", "ol"):
            items = tuple(self.inline(li) for li in el.iterchildren() if _tag(li) == "li")
            self.emit(Block(Kind.LIST, items=tuple(i for i in items if i), ordered=tag == "ol"))
        elif tag == "figure" or ("caption" in _words(el) and el.xpath(".//img")):
            captions = el.xpath(".//figcaption|.//*[contains(@class,'caption-text')]")
            self.figure(el, _text(captions[0]) if captions else "")
        elif tag == "img":
            self.figure(el, "")
        elif tag == "blockquote":
            self.emit(Block(Kind.QUOTE, self.inline(el)))
        elif tag == "table" and not el.xpath(".//p|.//h1|.//h2|.//h3|.//h4|.//div|.//ul"):
            self.table(el)
        elif tag == "p" and el.xpath(".//img") and caption_shortcode(_text(el)):
            self.figure(el, caption_shortcode(_text(el)) or "")
        elif tag == "p":
            self.paragraph(self.inline(el))
        else:
            self.mixed(el)

    def mixed(self, el: Any) -> None:
        """A container whose text may sit between inline and block children."""
        run: list[str] = [el.text or ""]
        breaks = 0
        for child in el:
            tag = _tag(child)
            if tag in _INLINE and not child.xpath(".//p|.//div|.//h1|.//h2|.//h3|.//table"):
                if tag == "br":
                    breaks += 1
                    if breaks >= 2:
                        self.paragraph("".join(run))
                        run = []
                else:
                    breaks = 0
                    if tag == "img":
                        self.paragraph("".join(run))
                        run = []
                        self.figure(child, "")
                    run.append(self._inline_child(child))
                run.append(child.tail or "")
                if (child.tail or "").strip():
                    breaks = 0
                continue
            self.paragraph("".join(run))
            run = []
            breaks = 0
            self.walk(child)
            run.append(child.tail or "")
        self.paragraph("".join(run))

    def table(self, el: Any) -> None:
        rows = [
            [self.inline(c).replace("|", "\\|") for c in row if _tag(c) in ("td", "th")]
            for row in el.iter("tr")
        ]
        rows = [r for r in rows if any(r)]
        if not rows:
            return
        width = max(len(r) for r in rows)
        rows = [r + [""] * (width - len(r)) for r in rows]
        lines = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * width]
        lines += ["| " + " | ".join(r) + " |" for r in rows[1:]]
        self.emit(Block(Kind.TABLE, "\n".join(lines)))


def _container(tree: Any, title_el: Any) -> Any:
    body = tree.find(".//body")
    body = body if body is not None else tree
    total = len(_text(body))
    if title_el is None:
        for path in ("//article", "//main", "//*[@role='main']", "//*[@id='content']"):
            found = tree.xpath(path)
            if found and len(_text(found[0])) >= total / 2:
                return found[0]
        return body
    for ancestor in title_el.iterancestors():
        if len(_text(ancestor)) - len(_text(title_el)) >= max(total / 2, 200):
            return ancestor
    return body


def _clean(tree: Any, keep: Any) -> None:
    """Remove site furniture, never the title element or its ancestors."""
    protected = set() if keep is None else {keep, *keep.iterancestors()}
    doomed = [el for el in tree.iter() if _tag(el) and el not in protected and _is_chrome(el)]
    for el in doomed:
        if el.getparent() is not None:
            el.drop_tree()  # keeps the text that follows it


def _byline(tree: Any) -> str:
    author = _meta(tree, "author", "article:author")
    if author and not author.startswith("http"):
        return author
    for el in tree.xpath("//*[@rel='author']|//*[contains(@class,'author')]|//*[@class='fn']"):
        text = re.sub(r"^(by|posted by|written by)\s+", "", _text(el), flags=re.IGNORECASE)
        in_comments = any(_words(a) & {"comments", "respond"} for a in el.iterancestors())
        if 0 < len(text) <= 60 and not in_comments:
            return text
    for el in tree.xpath("//*[contains(@class,'byline') or contains(@class,'meta')]"):
        name = byline(_text(el))
        if name:
            return name
    return ""


def _date(tree: Any) -> str:
    for el in tree.xpath("//time[@datetime]"):
        match = re.match(r"\d{4}-\d{2}-\d{2}", el.get("datetime", ""))
        if match:
            return match.group(0)
    published = _meta(tree, "article:published_time", "date", "dc.date")
    match = re.match(r"\d{4}-\d{2}-\d{2}", published)
    if match:
        return match.group(0)
    for el in tree.xpath("//*[contains(@class,'date') or contains(@class,'byline')]"):
        written = re.search(DATE_TEXT, _text(el)) if len(_text(el)) <= 80 else None
        if written:
            return written.group(0)
    return ""


def read_html(html: str, url: str, lxml_html: Any) -> Page:
    """The article of a saved page as blocks, with its title, publisher, author and date.

    Args:
        html: the page's markup.
        url: the article's address, if known (a canonical link in the page is used
            otherwise).
        lxml_html: the ``lxml.html`` module.
    """
    tree = lxml_html.document_fromstring(html)
    # The page's own address only when it is a full web address: the lesson's
    # source.url must be one, so a relative or other link would fail validation.
    canonical = [
        found
        for found in (_meta(tree, "og:url"), *tree.xpath("//link[@rel='canonical']/@href"))
        if isinstance(found, str) and found.strip().lower().startswith(("http://", "https://"))
    ]
    address = url or (canonical[0].strip() if canonical else "")
    sites = _site_names(tree)
    title_el = _find_title(tree, sites)
    parts = _title_parts(tree)
    if title_el is not None:
        title = strip_markup(_Walker(None, "").inline(title_el))
    else:
        title = next((p for p in parts[1:] if _fold(p) not in {_fold(s) for s in sites}), "")
    author, date = _byline(tree), _date(tree)
    for el in tree.xpath("//sup[contains(@class,'reference')]|//*[contains(@class,'editsection')]"):
        el.drop_tree()
    _clean(tree, title_el)
    walker = _Walker(title_el, address)
    walker.walk(_container(tree, title_el))
    return Page(
        title=title or "Untitled article",
        blocks=tuple(walker.blocks),
        publisher=_publisher(sites, parts, title),
        url=address,
        author=author,
        date=date,
    )
