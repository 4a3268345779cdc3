"""Sanitising: the XSS corpora (tests/data/xss) through page bodies and titles leave nothing
executable."""

from __future__ import annotations

from html.parser import HTMLParser

from tests import factories
from tests.conftest import around
from wiki.markup import LinkTarget, Renderer, render_markdown
from wiki.processes import pages

URL_ATTRIBUTES = {
    "href",
    "src",
    "action",
    "formaction",
    "xlink:href",
    "data",
    "srcdoc",
    "background",
    "poster",
}
DANGEROUS_TAGS = {"script", "iframe", "object", "embed", "style", "svg", "math", "base", "frame"}
# Tags the layout itself uses, but that user text must never bring in.
FOREIGN_IN_TEXT = {"form", "meta", "link", "input", "button", "textarea"}


class _ElementCollector(HTMLParser):
    """Collect the real elements and attributes, as a browser would parse them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in DANGEROUS_TAGS:
            self.problems.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on") or name == "style":
                self.problems.append(f"{tag}[{name}]")
            if name in URL_ATTRIBUTES and value is not None:
                squashed = "".join(ch for ch in value if ch > " ").lower()
                if squashed.startswith(("javascript:", "vbscript:", "data:", "livescript:")):
                    self.problems.append(f"{tag}[{name}={value!r}]")


OUR_SCRIPT = '<script src="/static/wiki.js" defer></script>'


def problems_in(html: str) -> list[str]:
    """What is executable in the HTML, apart from the app's own script file."""
    assert html.count(OUR_SCRIPT) <= 1
    html = html.replace(OUR_SCRIPT, "")
    collector = _ElementCollector()
    collector.feed(html)
    collector.close()
    return collector.problems


def test_checker_catches_what_it_must():
    assert problems_in('<a href=" java\tscript:x">') == ["a[href=' java\\tscript:x']"]
    assert problems_in("<img src=x onerror=alert(1)>") == ["img[onerror]"]
    assert problems_in("<p>&lt;script&gt;</p>") == []


def test_every_corpus_payload_is_neutralised_as_markdown(xss_payloads):
    failures = {}
    for payload in xss_payloads:
        found = problems_in(str(render_markdown(payload)))
        if found:
            failures[payload] = found
    assert failures == {}


def test_payloads_in_page_bodies_and_titles_render_safely(client, auth, people, xss_payloads):
    process = factories.make_process("p2p")
    auth.login("jill@example.com")
    chunk = 40
    for start in range(0, len(xss_payloads), chunk):
        body = "\n\n".join(xss_payloads[start : start + chunk])
        page = pages.create_page(people["member"], process, pages.PageDraft(f"Body {start}", body))
        html = client.get(f"/p/{page.path}").get_data(as_text=True)
        assert problems_in(html) == [], start
        # The page's text only: the comments' own form follows it in the article.
        text = html.split('<div class="prose">', 1)[1].split('<section class="page-comments"')[0]
        assert not any(f"<{tag}" in text.lower() for tag in FOREIGN_IN_TEXT), start
    titled = 0
    for number, payload in enumerate(xss_payloads[:60]):
        title = f"{number} {payload}"[:200]
        response = client.post("/p/p2p/+new", data={"title": title, "body": payload})
        if response.status_code != 302:
            continue  # a refused title (e.g. duplicate slug) is shown back, escaped, below
        titled += 1
        for url in (response.location, "/changes", "/p/p2p"):
            html = client.get(url).get_data(as_text=True)
            assert problems_in(html) == [], (payload, url)
    assert titled > 40
    feed = client.get("/changes.atom").get_data(as_text=True)
    assert "<script" not in feed


def _text_of(html: str) -> str:
    """The text a reader sees in sanitised HTML (it holds no raw-text elements, so a plain
    parser reads it as a browser does)."""
    parts: list[str] = []
    parser = HTMLParser()
    parser.handle_data = parts.append
    parser.feed(html)
    parser.close()
    return " ".join(" ".join(parts).split())


def test_markup_that_the_sanitiser_removes_never_takes_the_text_around_it(text_keeping_payloads):
    lost = {}
    for number, payload in enumerate(text_keeping_payloads):
        body, before, after = around(payload, number)
        html = str(render_markdown(body))
        text = _text_of(html)
        assert problems_in(html) == [], payload
        if text.count(before) != 2 or text.count(after) != 2:
            lost[payload] = text
    assert lost == {}


def test_one_renderer_for_many_texts_renders_each_as_if_alone(xss_payloads):
    """A preview renders a page's sections with one Renderer (its converter and sanitiser
    reset between texts): nothing of one text, nor a fallback to raw HTML as text, carries
    over to the next."""
    texts = [
        "Press <kbd>F8</kbd> to post.<br>",
        "Before <!-- never closed",
        "# Heading\n\nA [[Three-way match]] and [a](https://example.com) after it.",
        *xss_payloads,
        "Press <kbd>F8</kbd> to post.<br>",
        "# Heading\n\nAgain *here*.",
    ]

    def resolve(target: str) -> LinkTarget:
        return LinkTarget("/p/x", exists=True)

    renderer = Renderer(resolve)
    assert [renderer(text) for text in texts] == [render_markdown(t, resolve) for t in texts]


def test_a_document_without_hostile_markup_keeps_its_allowed_html():
    html = str(render_markdown("Press <kbd>F8</kbd> to post.<br>\n\n<!-- a note to editors -->"))
    assert "<kbd>F8</kbd>" in html and "<br>" in html
    assert "note to editors" not in html


def test_only_the_classes_the_renderer_gives_survive():
    """An author must not dress text as the site's own error banner or buttons."""
    banner = '<div class="flash flash-error" role="alert">Your account is locked</div>\n'
    listed = "Pay here\n{: .button .button-primary }\n"
    for text in (banner, listed):
        html = render_markdown(text)
        assert "locked" in html or "Pay here" in html  # the words stay
        assert "flash" not in html and "button" not in html and "class" not in html

    text = "```python\nprint(1)\n```\n\nSee [[Vendor master]] and the note[^1].\n\n[^1]: A note.\n"
    html = render_markdown(text, lambda target: LinkTarget("/p/x", exists=False))
    assert '<code class="language-python">' in html
    assert 'class="wikilink wikilink-missing"' in html
    assert 'class="footnote-ref"' in html and '<div class="footnote">' in html


def test_an_image_from_another_server_shows_its_alt_text_and_is_never_fetched():
    """A tracking pixel would tell its server who read which page, and when."""
    for text in (
        "![chart](https://tracker.example/p.png)",
        '<img src="https://tracker.example/p.png" alt="chart">',
        "![chart](//tracker.example/p.png)",
        "![chart](/\\tracker.example/p.png)",
    ):
        html = render_markdown(text)
        assert "tracker.example" not in html and 'alt="chart"' in html, html
    assert 'src="/files/abc/zap-hold.png"' in render_markdown("![q](/files/abc/zap-hold.png)")
