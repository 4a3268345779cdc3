"""Markdown shaped to make the parser look far ahead (links and tags that never close) renders
what an ordinary text would, and its text stays: the bounds of wiki/markup.py change nothing
for ordinary texts. (How long such texts take is measured in bench/markup_bench.py.)"""

from __future__ import annotations

import re
from pathlib import Path

import markdown
from markdown.extensions.tables import TableExtension
from markdown.extensions.toc import TocExtension

from wiki.markup import (
    MAX_LINK_TARGET,
    MAX_STRAY_ANGLES,
    plain_text,
    render_markdown,
    sanitize_html,
    with_scroll_regions,
)
from wiki.markup_limits import MAX_ELEMENTS, MAX_NESTING


def test_links_and_images_still_render_and_unclosed_ones_stay_text():
    html = render_markdown(
        '[Three-way match](/p/p2p/three-way-match "The rule") ![q](/files/a/q.png)'
    )
    assert '<a href="/p/p2p/three-way-match" title="The rule">Three-way match</a>' in html
    assert '<img alt="q" src="/files/a/q.png">' in html
    unclosed = "[a](" * 3000
    assert render_markdown(unclosed).count("[a](") == 3000  # every character kept, as text
    assert plain_text(unclosed).text.count("[a](") == 3000


def test_a_link_target_longer_than_the_bound_is_left_as_text():
    near = "https://example.com/" + "x" * (MAX_LINK_TARGET - 100)
    assert f'href="{near}"' in render_markdown(f"[long]({near})")
    far = "https://example.com/" + "x" * (MAX_LINK_TARGET + 100)
    assert "<a " not in render_markdown(f"[too long]({far})")


def test_many_angles_that_open_no_tag_show_as_typed_and_a_few_are_left_alone():
    many = "<a " * (MAX_STRAY_ANGLES + 1) + "<b>bold</b>"
    html = render_markdown(many)
    assert html.count("&lt;a ") == MAX_STRAY_ANGLES + 1 and "<b>bold</b>" in html
    few = "```\nif a < b and c < d:\n```\n\nTwo <em>tags</em> and 3 < 4."
    html = render_markdown(few)
    assert "if a &lt; b and c &lt; d:" in html and "<em>tags</em>" in html
    assert "&amp;lt;" not in html


def test_a_paragraph_of_many_links_makes_every_link():
    # Markdown read the whole paragraph again after each link it made: minutes for 40 KB.
    html = render_markdown("[a [b] c](/x) " + "[d](/y) " * 1500)
    assert '<a href="/x">a [b] c</a>' in html
    assert html.count('<a href="/y">d</a>') == 1500


def test_quotes_and_lists_nest_at_most_so_deep_and_the_rest_shows_as_typed():
    html = render_markdown("> " * (MAX_NESTING + 40) + "deep")
    assert html.count("<blockquote>") == MAX_NESTING
    assert html.count("&gt;") == 40 and "deep" in html
    assert render_markdown(">" * 40 + " deep").count("<blockquote>") == MAX_NESTING
    assert render_markdown("> > > a\n\n- a\n    - b").count("<blockquote>") == 3
    assert plain_text("  - " * 500 + "deep").text.endswith("deep")


def test_text_made_only_of_markup_keeps_every_character_past_the_element_budget():
    text = "*a" * 20_000  # 40 KB that would make 20,000 <em>
    html = render_markdown(text)
    assert MAX_ELEMENTS // 2 < html.count("<em>") < MAX_ELEMENTS
    assert re.sub(r"</?em>", "*", html).count("a") == 20_000  # every letter, none dropped
    assert "*a*a" in html  # the rest as typed
    paragraphs = render_markdown("a\n\n" * 13_000)
    assert paragraphs.count("<p>") <= MAX_ELEMENTS + 1 and paragraphs.count("a") == 13_000


def test_a_table_past_the_budget_stays_text_and_ordinary_tables_render():
    html = render_markdown("|a|b|\n|-|-|\n" + "|a|b|\n" * 6000)
    assert "<table>" not in html and html.count("|a|b|") == 6001
    ordinary = render_markdown("| x | y |\n| --- | --- |\n| `C01` | **1** |")
    assert "<td><code>C01</code></td>" in ordinary and "<strong>1</strong>" in ordinary


def test_many_escapes_pass_the_sanitiser_unchanged():
    html = render_markdown("&# " * 5000 + "<b>bold</b> 1 < 2")
    assert html.count("&amp;# ") == 5000 and "<b>bold</b>" in html and "1 &lt; 2" in html


def test_raw_html_renders_beside_inline_markup_inside_a_word():
    # "*a*b" once counted as text lost by the sanitiser, and the whole text was shown raw.
    assert str(render_markdown("<b>bold</b> and *a*b")) == "<p><b>bold</b> and <em>a</em>b</p>"


def test_the_demo_pages_joined_to_200_kb_render_as_markdown_does_without_the_bounds():
    pages = sorted((Path(__file__).parent.parent / "content" / "processes").rglob("*.md"))
    text = ""
    while len(text) < 200_000:
        text += "".join(page.read_text().split("---", 2)[-1] + "\n\n" for page in pages)
    unbounded = markdown.Markdown(
        extensions=[
            "extra",
            "sane_lists",
            TocExtension(permalink=False),
            TableExtension(use_align_attribute=True),
        ],
        output_format="html",
    )
    expected = with_scroll_regions(sanitize_html(unbounded.convert(text)))
    assert str(render_markdown(text)) == expected
