"""Markdown shaped to make the parser look far ahead (links and tags that never close) renders
what an ordinary text would, and its text stays: the bounds of wiki/markup.py change nothing
for ordinary texts. (How long such texts take is measured in bench/markup_bench.py.)"""

from __future__ import annotations

from wiki.markup import MAX_LINK_TARGET, MAX_STRAY_ANGLES, plain_text, render_markdown


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
