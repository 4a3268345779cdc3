"""Page screens: start, edit with preview, conflicts that lose nothing, history, diff, revert."""

from __future__ import annotations

from tests import factories
from wiki.processes import history, page_templates, pages, tree


def test_start_a_page_from_a_template(client, auth, people):
    factories.make_process("p2p")
    template = page_templates.save_template(
        people["manager"], tree.get_process("p2p"), "Work instruction", "## Steps\n\n1. ..."
    )
    auth.login("priya@example.com")
    form = client.get(f"/p/p2p/+new?template={template.id}&title=GR%2FIR").get_data(as_text=True)
    assert "## Steps" in form and 'value="GR/IR"' in form
    response = client.post(
        "/p/p2p/+new", data={"title": "GR/IR clearing", "body": "## Steps", "tags": "gr-ir"}
    )
    assert response.status_code == 302 and response.location == "/p/p2p/gr-ir-clearing"
    page_html = client.get("/p/p2p/gr-ir-clearing").get_data(as_text=True)
    assert '<h2 id="steps">Steps</h2>' in page_html and "Priya Member" in page_html


def test_page_shows_breadcrumb_owner_review_and_backlinks(client, auth, people):
    factories.make_page("p2p/invoices", "Three-way match", "Text", author=people["member"])
    factories.make_page("p2p", "Overview", "See [[/p2p/invoices/Three-way match]].")
    auth.login("jill@example.com")
    html = client.get("/p/p2p/invoices/three-way-match").get_data(as_text=True)
    assert 'aria-label="Breadcrumb"' in html
    assert '<a href="/p/p2p">P2p</a>' in html and '<a href="/p/p2p/invoices">Invoices</a>' in html
    assert "<dt>Owner</dt><dd>Priya Member</dd>" in html
    assert "<dt>Last reviewed</dt><dd>never" in html
    assert '<a href="/p/p2p/overview">Overview</a>' in html  # what links here


def test_preview_renders_without_saving(client, auth, people):
    page = factories.make_page("p2p", "Three-way match", "Old text")
    auth.login("jill@example.com")
    response = client.post(
        "/p/p2p/three-way-match/+edit",
        data={"title": "Three-way match", "body": "**New** text <script>x()</script>",
              "base_revision": "1", "action": "preview"},
    )  # fmt: skip
    html = response.get_data(as_text=True)
    assert "Preview (not saved yet)" in html and "<strong>New</strong> text" in html
    assert "<script>x()" not in html
    assert pages.latest_revision(page).body == "Old text"


def test_invalid_edit_keeps_the_text_and_names_the_field(client, auth, people):
    factories.make_page("p2p", "Three-way match", "Old text")
    auth.login("jill@example.com")
    response = client.post(
        "/p/p2p/three-way-match/+edit",
        data={"title": "", "body": "My careful new text", "base_revision": "1", "action": "save"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="error-title"' in html and "A page needs a title." in html
    assert 'aria-describedby="error-title"' in html
    assert "My careful new text" in html


def test_conflict_screen_shows_their_change_and_keeps_my_text(client, auth, people):
    page = factories.make_page("p2p", "Three-way match", "Line one\n")
    pages.save_page(
        people["member"], page, pages.PageDraft("Three-way match", "Line one\nPriya's line\n"), 1
    )
    auth.login("jill@example.com")
    response = client.post(
        "/p/p2p/three-way-match/+edit",
        data={"title": "Three-way match", "body": "Line one\nJill's line\n", "base_revision": "1",
              "summary": "Jill's edit", "action": "save"},
    )  # fmt: skip
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Edit conflict" in html and "Priya Member saved this page" in html
    assert "Priya&#39;s line" in html  # their change, in the diff
    assert "Line one\nJill&#39;s line" in html  # my text, still in the editor
    assert 'name="base_revision" value="2"' in html
    assert pages.latest_revision(page).number == 2  # nothing written


def test_history_diff_and_revert_screens(client, auth, people):
    page = factories.make_page("p2p", "Three-way match", "alpha\n")
    pages.save_page(
        people["member"], page, pages.PageDraft("Three-way match", "alpha\nbeta\n", "Add beta"), 1
    )
    auth.login("jill@example.com")
    history_html = client.get("/p/p2p/three-way-match/+history").get_data(as_text=True)
    assert "Add beta" in history_html and "Priya Member" in history_html
    diff_html = client.get("/p/p2p/three-way-match/+diff?from=1&to=2").get_data(as_text=True)
    assert '<tr class="diff-added">' in diff_html and "<code>beta</code>" in diff_html
    old = client.get("/p/p2p/three-way-match/+revision/1").get_data(as_text=True)
    assert "revision 1 of 2" in old
    assert client.post("/p/p2p/three-way-match/+revert/1").status_code == 302
    assert pages.latest_revision(page).body == "alpha\n"
    assert client.get("/p/p2p/three-way-match/+revision/9").status_code == 404


def test_old_urls_redirect_after_rename(client, auth, people):
    page = factories.make_page("p2p", "Three way match", "Text")
    pages.save_page(people["member"], page, pages.PageDraft("Three-way matching", "Text"), 1)
    auth.login("jill@example.com")
    response = client.get("/p/p2p/three-way-match")
    assert response.status_code == 301 and response.location == "/p/p2p/three-way-matching"


def test_move_page_screen_and_reviews_list(client, auth, people):
    factories.make_page("p2p", "Three-way match", "Text", author=people["member"])
    factories.make_process("p2p/invoices")
    auth.login("priya@example.com")
    response = client.post("/p/p2p/three-way-match/+move", data={"process": "p2p/invoices"})
    assert response.location == "/p/p2p/invoices/three-way-match"
    refused = client.post("/p/p2p/invoices/three-way-match/+move", data={"process": "nowhere"})
    assert refused.status_code == 422 and "There is no process at “nowhere”" in refused.get_data(
        as_text=True
    )
    assert client.post("/p/p2p/invoices/three-way-match/+review").status_code == 302
    assert "Every page has been reviewed in time." in client.get("/reviews").get_data(as_text=True)


def test_process_screens_refuse_a_move_into_a_descendant(client, auth, people):
    factories.make_process("finance/payments")
    auth.login("marty@example.com")
    response = client.post("/p/finance/+move-process", data={"parent": "finance/payments"})
    assert response.status_code == 422
    assert "cannot move into itself or one of its own sub-processes" in response.get_data(
        as_text=True
    )
    assert tree.get_process("finance").parent is None


def test_recent_changes_filter_by_process(client, auth, people):
    factories.make_page("p2p", "Three-way match")
    factories.make_page("r2r", "Accruals")
    auth.login("jill@example.com")
    html = client.get("/changes?process=r2r").get_data(as_text=True)
    assert "Accruals" in html and "Three-way match" not in html
    assert client.get("/changes?process=nowhere").status_code == 404


def test_owner_hands_over_a_page_and_sets_its_review_interval(client, auth, people):
    factories.make_page("p2p", "Three-way match", "Text", author=people["member"])
    auth.login("priya@example.com")
    page_html = client.get("/p/p2p/three-way-match").get_data(as_text=True)
    assert "/p/p2p/three-way-match/+ownership" in page_html
    bad = client.post(
        "/p/p2p/three-way-match/+ownership",
        data={"owner": str(people["trainer"].id), "review_interval_days": "0"},
    )
    assert bad.status_code == 422
    assert "Choose a review interval from 1 to 3650 days." in bad.get_data(as_text=True)
    response = client.post(
        "/p/p2p/three-way-match/+ownership",
        data={"owner": str(people["trainer"].id), "review_interval_days": "30"},
    )
    assert response.status_code == 302
    page = pages.get_page("p2p/three-way-match")
    assert (page.owner.email, page.review_interval_days) == ("carrie@example.com", 30)
    # Priya no longer owns it, so she may no longer change it.
    assert client.get("/p/p2p/three-way-match/+ownership").status_code == 403


def test_unknown_template_and_process_answer_not_found_with_a_message(client, auth, people):
    factories.make_process("p2p")
    auth.login("jill@example.com")
    for url in ("/p/p2p/+new?template=abc", "/p/p2p/+new?template=999"):
        response = client.get(url)
        assert response.status_code == 404
        assert "That page template no longer exists." in response.get_data(as_text=True)
    response = client.get("/p/nowhere/+new")
    assert response.status_code == 404
    assert "There is no process at “nowhere”." in response.get_data(as_text=True)


def test_conflict_on_different_lines_offers_both_changes_merged(client, auth, people):
    page = factories.make_page("p2p", "Three-way match", "Alpha\nBeta\nGamma\n")
    pages.save_page(
        people["member"],
        page,
        pages.PageDraft("Three-way match", "ALPHA by Priya\nBeta\nGamma\n"),
        1,
    )
    auth.login("jill@example.com")
    response = client.post(
        "/p/p2p/three-way-match/+edit",
        data={"title": "Three-way match", "body": "Alpha\nBeta\nGamma by Jill\n",
              "base_revision": "1", "action": "save"},
    )  # fmt: skip
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "the editor below holds both changes" in html
    assert '<textarea id="field-body" name="body"' in html
    editor = html.split('name="body"', 1)[1].split("</textarea>", 1)[0]
    assert "ALPHA by Priya\nBeta\nGamma by Jill" in editor
    assert "Alpha\nBeta\nGamma by Jill" in html  # her own text, kept on screen
    assert pages.latest_revision(page).number == 2
    client.post(
        "/p/p2p/three-way-match/+edit",
        data={"title": "Three-way match", "body": "ALPHA by Priya\nBeta\nGamma by Jill\n",
              "base_revision": "2", "action": "save"},
    )  # fmt: skip
    assert pages.latest_revision(page).body == "ALPHA by Priya\nBeta\nGamma by Jill\n"


def test_a_tag_change_is_a_revision_and_is_not_undone_by_an_older_editor(client, auth, people):
    page = factories.make_page("p2p", "Goods receipt", "Text", tags="invoices")
    pages.save_page(
        people["member"], page, pages.PageDraft("Goods receipt", "Text", "", "invoices, gr"), 1
    )
    assert [r.summary for r in history.page_history(page)][0] == "Tags: gr, invoices"
    auth.login("jill@example.com")
    response = client.post(
        "/p/p2p/goods-receipt/+edit",
        data={"title": "Goods receipt", "body": "Text, edited", "tags": "invoices",
              "base_tags": "invoices", "base_revision": "1"},
    )  # fmt: skip
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert 'name="tags" value="gr, invoices"' in html  # their tags, since Jill kept hers


def test_a_rename_made_meanwhile_is_kept_on_the_conflict_screen(client, auth, people):
    page = factories.make_page("p2p", "Goods receipt", "Text")
    pages.save_page(people["member"], page, pages.PageDraft("Goods receipt (GR)", "Text"), 1)
    auth.login("jill@example.com")
    response = client.post(
        "/p/p2p/goods-receipt/+edit",
        data={"title": "Goods receipt", "body": "Text, edited", "base_revision": "1"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "They renamed the page from “Goods receipt” to “Goods receipt (GR)”." in html
    assert 'name="title" value="Goods receipt (GR)"' in html
