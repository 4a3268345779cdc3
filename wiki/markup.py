"""render_markdown(text) -> Markup: Python-Markdown, then bleach. The allowlists live here.
plain_text(text): the words of a markdown text, for the search index."""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser
from urllib.parse import urlsplit

import bleach
import markdown
from markdown.extensions.tables import TableExtension
from markdown.extensions.toc import TocExtension
from markdown.inlinepatterns import InlineProcessor
from markupsafe import Markup

from wiki.markup_limits import MAX_LINK_TARGET, MAX_STRAY_ANGLES, BoundedWork
from wiki.markup_tree import SanitizingMarkdown

__all__ = ["MAX_LINK_TARGET", "MAX_STRAY_ANGLES", "plain_text", "render_markdown"]

ALLOWED_TAGS = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em",
        "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "ol", "p",
        "pre", "s", "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th",
        "thead", "tr", "ul",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": ["href", "title", "class", "id"],
    "abbr": ["title"],
    "img": ["src", "alt", "title", "width", "height"],
    "code": ["class"],
    "div": ["class"],
    "span": ["class"],
    "li": ["id"],
    "sup": ["id"],
    "th": ["align"],
    "td": ["align"],
    **{f"h{level}": ["id"] for level in range(1, 7)},
}
# The classes the renderer itself gives (wiki links, footnotes, a table of contents, a fenced
# code block's language); any other, typed in raw HTML or an attribute list ("{: .x}"), goes:
# an author could otherwise dress text as the site's own banners and buttons.
RENDERER_CLASSES = {
    "a": frozenset({"wikilink", "wikilink-missing", "footnote-ref", "footnote-backref"}),
    "div": frozenset({"footnote", "toc"}),
    "span": frozenset({"toctitle"}),
}
CODE_LANGUAGE_CLASS = re.compile(r"language-[A-Za-z0-9_+#.-]{1,40}")
# No javascript:, vbscript: or data: URLs; relative URLs (no scheme) stay allowed.
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})

WIKILINK_PATTERN = r"\[\[([^\[\]|\n]{1,300})(?:\|([^\[\]\n]{1,300}))?\]\]"


@dataclass(frozen=True)
class LinkTarget:
    """Where a wiki link points: its URL and whether anything is there yet."""

    href: str
    exists: bool


LinkResolver = Callable[[str], LinkTarget]


class _WikiLinkPattern(InlineProcessor):
    def __init__(self, resolve: LinkResolver):
        super().__init__(WIKILINK_PATTERN)
        self.resolve = resolve

    def handleMatch(self, match: re.Match[str], data: str):  # noqa: N802 (Markdown's API)
        target = match.group(1).strip()
        # An absolute target ends with the title; a relative one is all title ("GR/IR clearing").
        default_label = target.rstrip("/").rsplit("/", 1)[-1] if target.startswith("/") else target
        label = (match.group(2) or "").strip() or default_label
        resolved = self.resolve(target)
        element = etree.Element("a")
        element.set("href", resolved.href)
        element.set("class", "wikilink" if resolved.exists else "wikilink wikilink-missing")
        if not resolved.exists:
            element.set("title", f"{target} (not written yet: follow to create it)")
        element.text = label
        return element, match.start(0), match.end(0)


class _WikiLinkExtension(markdown.Extension):
    def __init__(self, resolve: LinkResolver):
        super().__init__()
        self.resolve = resolve

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 (Markdown's API)
        # Above Markdown's own link pattern (160) so "[[a]]" is never read as "[a]".
        md.inlinePatterns.register(_WikiLinkPattern(self.resolve), "wikilink", 175)


def find_wiki_links(text: str) -> list[str]:
    """The targets of the wiki links in a markdown text, in order, without duplicates."""
    return list(dict.fromkeys(m.group(1).strip() for m in re.finditer(WIKILINK_PATTERN, text)))


def render_markdown(
    text: str,
    resolve_link: LinkResolver | None = None,
    extra_extensions: Sequence[markdown.Extension] = (),
) -> Markup:
    """Render user markdown to HTML that is safe to put in a page. extra_extensions (say,
    attachment references) run inside Markdown, so the sanitiser sees their output too."""
    return Renderer(resolve_link, extra_extensions)(text)


class Renderer:
    """render_markdown for many texts in turn (a preview's sections): one Markdown converter
    and one sanitiser, reset between texts, as setting them up costs about as much as
    rendering a short section. For one thread (a request) at a time."""

    def __init__(
        self,
        resolve_link: LinkResolver | None = None,
        extra_extensions: Sequence[markdown.Extension] = (),
    ):
        self.extensions: list[markdown.Extension | str] = [
            "extra",
            "sane_lists",
            BoundedWork(),
            TocExtension(permalink=False),
            TableExtension(use_align_attribute=True),
            *extra_extensions,
        ]
        if resolve_link is not None:
            self.extensions.append(_WikiLinkExtension(resolve_link))
        self.converter: SanitizingMarkdown | None = None
        self.cleaner = _cleaner()

    def __call__(self, text: str) -> Markup:
        converter = self.converter or SanitizingMarkdown(
            self.cleaner, extensions=self.extensions, output_format="html"
        )
        self.converter = converter
        html = converter.reset().convert(text)
        if converter.sanitized:
            return Markup(with_scroll_regions(html))
        safe = sanitize_html(html, self.cleaner)
        if _words(_without_tags(html)) - _words(_without_tags(safe)):
            # The sanitiser dropped text along with some markup (an unclosed comment, or a
            # raw-text element inside <math> or <svg>, which swallow whatever follows them).
            # Nothing the author wrote may vanish: show the document's raw HTML as the text it
            # was typed as. (This converter no longer reads raw HTML: the next text gets another.)
            self.converter = None
            converter.reset()
            converter.preprocessors.deregister("html_block")
            converter.inlinePatterns.deregister("html")
            html = converter.convert(text)
            safe = html if converter.sanitized else sanitize_html(html, self.cleaner)
        return Markup(with_scroll_regions(safe))


def with_scroll_regions(safe: str) -> str:
    """Tables and code blocks scroll sideways in a region of their own that the keyboard can
    reach (on a phone they are wider than the screen). Added after sanitising: the author's
    markup never carries these attributes."""
    safe = safe.replace("<pre>", '<pre tabindex="0">')
    safe = re.sub(
        r"<table\b",
        '<div class="table-scroll" role="region" tabindex="0" aria-label="Table"><table',
        safe,
    )
    return safe.replace("</table>", "</table></div>")


def _without_tags(html: str) -> str:
    """The text of markup with everything shaped like a tag or a closed comment taken out:
    what a reader should see at the least, however the markup around it is parsed. Applied to
    both sides of the comparison, so "<em>a</em>b" counts as the words "a" and "b" in each."""
    return unescape(re.sub(r"<!--.*?-->|<[^>]*>", " ", html, flags=re.DOTALL))


def _words(text: str) -> Counter[str]:
    return Counter(re.findall(r"\w+", text))


def _allowed_attribute(tag: str, name: str, value: str) -> bool:
    if name not in ALLOWED_ATTRIBUTES.get(tag, ()):
        return False
    if name == "src":
        # An image from another server would tell it who reads the page, and when (a tracking
        # pixel): such an image shows its alt text instead. The CSP (img-src 'self') agrees.
        parts = urlsplit(value.strip())
        return not (parts.scheme or parts.netloc or value.strip().startswith(("/\\", "\\")))
    if name != "class":
        return True
    if tag == "code":
        return CODE_LANGUAGE_CLASS.fullmatch(value) is not None
    return set(value.split()) <= RENDERER_CLASSES.get(tag, frozenset())


# The escapes Markdown writes for "&", "<" and ">" in text each cost the sanitiser's HTML parser
# a character reference: 40 KB of "&#" or of "> " took a second. In an HTML holding more than
# MANY_ESCAPES, they pass the sanitiser as private-use characters the HTML does not hold, and
# are put back after it: each is a whole, inert escape wherever it lands (text or a quoted
# attribute value), so nothing can be made of them.
MANY_ESCAPES = 500
ESCAPE_STANDINS = {"&amp;": "\ue0a0", "&lt;": "\ue0a1", "&gt;": "\ue0a2"}


def _cleaner() -> bleach.Cleaner:
    return bleach.Cleaner(
        tags=ALLOWED_TAGS,
        attributes=_allowed_attribute,
        protocols=ALLOWED_PROTOCOLS,
        strip=True,
        strip_comments=True,
    )


def sanitize_html(html: str, cleaner: bleach.Cleaner | None = None) -> str:
    standins = html.count("&") > MANY_ESCAPES and not any(
        standin in html for standin in ESCAPE_STANDINS.values()
    )
    if standins:
        for escape, standin in ESCAPE_STANDINS.items():
            html = html.replace(escape, standin)
    safe = (cleaner or _cleaner()).clean(html)
    if standins:
        for escape, standin in ESCAPE_STANDINS.items():
            safe = safe.replace(standin, escape)
    return safe


@dataclass
class PlainText:
    text: str
    headings: list[str] = field(default_factory=list)


def plain_text(text: str) -> PlainText:
    """The words of a markdown text without its markup, and its headings on their own."""
    labelled = re.sub(WIKILINK_PATTERN, _wiki_link_label, text)
    html = markdown.markdown(
        labelled, extensions=["extra", "sane_lists", BoundedWork()], output_format="html"
    )
    collector = _TextCollector()
    try:
        collector.feed(html)
        collector.close()
    except AssertionError:
        # html.parser gives up on some malformed markup ("<![bogus[") that Markdown passes
        # through; the words are still wanted, so drop the tags the blunt way.
        return PlainText(text=re.sub(r"\s+", " ", re.sub(r"<[^>]*>", " ", html)).strip())
    return PlainText(
        text=re.sub(r"\s+", " ", "".join(collector.parts)).strip(),
        headings=[" ".join(heading.split()) for heading in collector.headings],
    )


def _wiki_link_label(match: re.Match[str]) -> str:
    target = match.group(1).strip()
    return (match.group(2) or "").strip() or target.rstrip("/").rsplit("/", 1)[-1]


class _TextCollector(HTMLParser):
    BLOCKS = frozenset(
        {"p", "div", "li", "br", "tr", "td", "th", "pre", "blockquote", "dt", "dd", "hr"}
    )
    HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.headings: list[str] = []
        self._heading: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag in self.HEADINGS:
            self._heading = []
        if tag in self.BLOCKS or tag in self.HEADINGS:
            self.parts.append(" ")
        if tag == "img":
            self.parts.append(" " + (dict(attrs).get("alt") or "") + " ")

    def handle_endtag(self, tag):
        if tag in self.HEADINGS and self._heading is not None:
            self.headings.append("".join(self._heading))
            self._heading = None
        if tag in self.BLOCKS or tag in self.HEADINGS:
            self.parts.append(" ")

    def handle_data(self, data):
        self.parts.append(data)
        if self._heading is not None:
            self._heading.append(data)
