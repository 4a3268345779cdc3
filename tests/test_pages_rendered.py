"""Reading rendered pages: the table of contents from three headings on, the rendered diff
that marks changed blocks (raw diff one click away), and revert that asks first."""

from __future__ import annotations

from tests import factories
from wiki.processes import pages, rendered

REMOVED = '<del class="diff-block"><span class="visually-hidden">Removed: </span>'
ADDED = '<ins class="diff-block"><span class="visually-hidden">Added: </span>'
THREE_HEADINGS = "# Intro\n\nText.\n\n## Steps\n\n1. One\n\n## Exceptions\n\nMore."


def test_a_page_with_three_headings_has_a_table_of_contents(client, auth, people):
    factories.make_page("p2p", "Long", THREE_HEADINGS)
    factories.make_page("p2p", "Short", "## Only\n\nOne heading.\n\n## Two")
    auth.login("jill@example.com")
    html = client.get("/p/p2p/long").get_data(as_text=True)
    assert "On this page" in html
    assert '<a href="#steps">Steps</a>' in html and '<a href="#exceptions">Exceptions</a>' in html
    assert "On this page" not in client.get("/p/p2p/short").get_data(as_text=True)


def test_the_outline_reads_heading_text_without_markup():
    html = '<h2 id="a">A <em>b</em> &amp; c</h2><h2 id="d">D</h2><h3 id="e">E</h3>'
    assert [(h.level, h.anchor, h.text) for h in rendered.table_of_contents(html)] == [
        (2, "a", "A b & c"),
        (2, "d", "D"),
        (3, "e", "E"),
    ]


def test_the_rendered_diff_marks_changed_blocks_only():
    old = "<p>Same.</p>\n<p>Old words.</p>\n<ul>\n<li>kept</li>\n</ul>\n<hr>\n<p>Gone.</p>"
    new = "<p>Same.</p>\n<p>New words.</p>\n<ul>\n<li>kept</li>\n</ul>\n<hr>\n<p>Added.</p>"
    html, changed = rendered.rendered_diff(old, new)
    assert changed == 4
    assert html.startswith("<p>Same.</p>")
    assert f"{REMOVED}<p>Old words.</p></del>" in html
    assert f"{ADDED}<p>New words.</p></ins>" in html
    assert "<ul>\n<li>kept</li>\n</ul>" in html and "<hr>" in html


def test_the_diff_screen_shows_the_rendered_diff_and_the_raw_one(client, auth, people):
    page = factories.make_page("p2p", "Steps", "First paragraph.\n\nSecond paragraph.")
    pages.save_page(
        people["member"],
        page,
        pages.PageDraft("Steps", "First paragraph.\n\nSecond, **changed**."),
        1,
    )
    auth.login("jill@example.com")
    html = client.get(f"/p/{page.path}/+diff?from=1&to=2").get_data(as_text=True)
    assert "2 changed blocks marked" in html
    assert f"{ADDED}<p>Second, <strong>changed</strong>.</p></ins>" in html
    assert "view=raw" in html
    raw = client.get(f"/p/{page.path}/+diff?from=1&to=2&view=raw").get_data(as_text=True)
    assert 'class="diff-added"' in raw and "diff-block" not in raw


def test_revert_asks_first_and_works_without_script(client, auth, people):
    page = factories.make_page("p2p", "Steps", "Version one.")
    pages.save_page(people["member"], page, pages.PageDraft("Steps", "Version two."), 1)
    auth.login("priya@example.com")
    history = client.get(f"/p/{page.path}/+history").get_data(as_text=True)
    assert f'href="/p/{page.path}/+revert/1"' in history  # a link to the question, not a POST
    question = client.get(f"/p/{page.path}/+revert/1").get_data(as_text=True)
    assert "Revert “Steps” to revision 1?" in question and "Version one." in question
    assert f'action="/p/{page.path}/+revert/1"' in question
    assert page.latest_revision == 2  # asking changes nothing
    response = client.post(f"/p/{page.path}/+revert/1")
    assert response.status_code == 302
    assert pages.latest_revision(pages.get_page(page.path)).body == "Version one."
