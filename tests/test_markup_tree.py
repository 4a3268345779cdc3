"""Markdown sanitised from its own tree (wiki/markup_tree.py) reads exactly as Markdown's HTML
through bleach.clean; raw HTML still goes the whole way through bleach."""

from __future__ import annotations

from pathlib import Path

import markdown
import pytest

from wiki.markup import LinkTarget, Renderer, sanitize_html, with_scroll_regions

CONTENT = Path(__file__).resolve().parent.parent / "content"

MARKDOWN_ONLY = [
    "**bold**, _italic_, `code &amp; <tags>`, AT&T, a < b > c, &copy; &#169; &#x41; &foo;",
    '[a link](https://example.com "its \\"title\\" & more") and ![an image](/files/a.png)',
    "[script](javascript:alert(1)) [encoded](&#106;avascript:alert(1)) [data](data:text/html,x)",
    "![tracking pixel](https://evil.example/p.png) ![relative](files/a.png 'q \"quoted\"')",
    "[[Three-way match]] and [[A missing page|its label]]",
    "## A heading {#custom .lead}\n\nA paragraph {: .x }",
    '```python\nif a < b and c > d: print("&")\n```\n\n~~~\nplain fence\n~~~',
    "```{.py #x onclick=alert(1)}\nattributes on a fence\n```",
    "| left | right |\n|:--|--:|\n| 1 | 2 |\n\n- [ ] a task\n- done\n\n> a quote\n\n1. one\n2. two",
    "A footnote[^1].\n\n[^1]: The note, with **markup**.\n\n*[HTML]: Hyper Text Markup\n\nHTML",
    "Term\n: Definition\n\n---\n\nA line  \nbreak\\\nand \\<escaped\\> angles",
    "[TOC]\n\n# One\n\n## Two\n\n## Two\n\nMail me: <someone@example.com>, or <https://example.com>",
]


def _string_path(renderer: Renderer, text: str) -> str:
    """What the renderer gave before the tree path: Markdown's HTML, then bleach.clean."""
    html = markdown.Markdown(extensions=renderer.extensions, output_format="html").convert(text)
    return with_scroll_regions(sanitize_html(html, renderer.cleaner))


def _demo_pages() -> list[str]:
    return [path.read_text().split("---", 2)[-1] for path in sorted(CONTENT.rglob("*.md"))]


@pytest.fixture
def renderer() -> Renderer:
    return Renderer(lambda target: LinkTarget(f"/p/{target}", "missing" not in target))


def test_demo_pages_are_sanitised_from_the_tree_as_bleach_sanitises_their_html(renderer):
    pages = _demo_pages()
    assert len(pages) > 30
    from_tree = 0
    for text in pages:
        assert str(renderer(text)) == _string_path(renderer, text)
        from_tree += renderer.converter.sanitized
    # The demo's pages are Markdown alone (fenced code, tables, links): they take the tree path.
    assert from_tree >= len(pages) * 0.9


@pytest.mark.parametrize("text", MARKDOWN_ONLY)
def test_markdown_sanitised_from_its_tree_reads_as_through_bleach(renderer, text):
    assert str(renderer(text)) == _string_path(renderer, text)


def test_hostile_links_lose_what_bleach_takes_on_the_tree_path(renderer):
    html = str(renderer(MARKDOWN_ONLY[2] + "\n\n" + MARKDOWN_ONLY[3]))
    assert renderer.converter.sanitized
    assert "javascript" not in html and "data:" not in html and "evil.example" not in html
    assert "<a>script</a>" in html and '<img alt="tracking pixel">' in html


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Press <kbd>Ctrl</kbd> + <b onclick='x()'>S</b>", "<kbd>Ctrl</kbd> + <b>S</b>"),
        ("<div markdown=1>*inside*</div>", "<em>inside</em>"),
        ("A private-use \ue0f2 character", "\ue0f2"),
    ],
)
def test_raw_html_and_lookalike_placeholders_go_through_bleach_whole(renderer, text, expected):
    html = str(renderer(text))
    assert not renderer.converter.sanitized
    assert expected in html and "onclick" not in html
    assert html == _string_path(renderer, text)
