"""Pages: revisions, unchanged saves, conflicts, renames and moves, revert, review, links."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests import factories
from wiki.errors import NotAllowed, ValidationError
from wiki.extensions import db
from wiki.processes import history, links, pages, tree
from wiki.processes.models import Revision
from wiki.timeutil import utcnow


def draft(title="Three-way match", body="Match the PO.", summary="", tags=None):
    return pages.PageDraft(title, body, summary, tags)


def test_every_save_appends_a_revision_with_author_summary_and_hash(people):
    page = factories.make_page("p2p", "Three-way match", "Match the PO.", author=people["member"])
    assert pages.save_page(people["newcomer"], page, draft(body="Match PO, GR and invoice."
                           , summary="Add GR"), 1)  # fmt: skip
    revisions = history.page_history(page)
    assert [r.number for r in revisions] == [2, 1]
    assert revisions[0].author.email == "jill@example.com" and revisions[0].summary == "Add GR"
    assert revisions[0].content_hash == pages.content_hash("Three-way match", revisions[0].body)
    assert revisions[1].body == "Match the PO."


def test_saving_unchanged_text_makes_no_revision(people):
    page = factories.make_page("p2p", "Three-way match", "Match the PO.")
    assert pages.save_page(people["member"], page, draft(), 1) is False
    assert page.latest_revision == 1
    assert db.session.query(Revision).filter_by(page_id=page.id).count() == 1


def test_a_stale_base_revision_is_a_conflict_and_writes_nothing(people):
    page = factories.make_page("p2p", "Three-way match", "Match the PO.")
    pages.save_page(people["member"], page, draft(body="Priya's version"), 1)
    with pytest.raises(pages.PageConflict) as conflict:
        pages.save_page(people["newcomer"], page, draft(body="Jill's version"), 1)
    assert conflict.value.latest.body == "Priya's version"
    assert conflict.value.base.number == 1
    assert "Priya Member saved this page while you were editing" in conflict.value.message
    assert pages.latest_revision(page).body == "Priya's version"
    # Saving again from the revision the conflict screen showed goes through.
    assert pages.save_page(people["newcomer"], page, draft(body="Jill's version"), 2)
    assert pages.latest_revision(page).number == 3


@pytest.mark.parametrize(
    "title, body, field, message",
    [
        ("", "x", "title", "A page needs a title."),
        ("   ", "x", "title", "A page needs a title."),
        ("t" * 201, "x", "title", "at most 200 characters"),
        ("!!!", "x", "title", "at least one letter or digit"),
        ("Three-way  MATCH", "x", "title", "already uses the address “p2p/three-way-match”"),
    ],
)
def test_bad_page_input_is_refused_precisely(people, title, body, field, message):
    factories.make_page("p2p", "Three-way match")
    with pytest.raises(ValidationError) as refused:
        pages.create_page(people["member"], tree.get_process("p2p"), draft(title, body))
    assert message in refused.value.errors[field]
    assert len(tree.get_process("p2p").pages) == 1


def test_over_long_body_is_refused(app, people):
    app.config["MAX_BODY_CHARS"] = 100
    with pytest.raises(ValidationError, match="The text has 101 characters; at most 100."):
        pages.create_page(people["member"], factories.make_process("p2p"), draft(body="x" * 101))


def test_rename_keeps_history_and_the_old_url_redirects(people):
    page = factories.make_page("p2p", "Three way match", "Text")
    pages.save_page(people["member"], page, draft(title="Three-way matching", body="Text"), 1)
    assert page.path == "p2p/three-way-matching"
    assert [r.title for r in history.page_history(page)] == [
        "Three-way matching",
        "Three way match",
    ]
    assert tree.resolve_path("p2p/three-way-match") == "p2p/three-way-matching"


def test_move_keeps_history_and_redirects(people):
    page = factories.make_page("p2p", "Three-way match", "Text")
    pages.save_page(people["member"], page, draft(body="More text"), 1)
    pages.move_page(people["member"], page, factories.make_process("p2p/invoices"))
    assert page.path == "p2p/invoices/three-way-match"
    assert len(history.page_history(page)) == 2
    assert tree.resolve_path("p2p/three-way-match") == page.path


def test_revert_makes_a_new_revision_with_the_old_text(people):
    page = factories.make_page("p2p", "Three-way match", "First")
    pages.save_page(people["member"], page, draft(body="Second"), 1)
    pages.revert_page(people["member"], page, 1)
    latest = pages.latest_revision(page)
    assert (latest.number, latest.body, latest.summary) == (3, "First", "Reverted to revision 1")


def test_review_overdue_and_marking_reviewed(people):
    page = factories.make_page("p2p", "Three-way match", author=people["member"])
    page.created_at = utcnow() - timedelta(days=181)
    db.session.commit()
    assert page.is_review_overdue()
    assert history.pages_due_for_review() == [page]
    with pytest.raises(NotAllowed):
        pages.mark_reviewed(people["newcomer"], page)
    pages.mark_reviewed(people["member"], page)  # the owner
    assert not page.is_review_overdue() and history.pages_due_for_review() == []


def test_wiki_links_resolve_relative_absolute_and_missing(app, people):
    factories.make_page("p2p/invoices", "Three-way match", "Text")
    page = factories.make_page(
        "p2p/payments",
        "Payment run",
        "See [[/p2p/invoices/Three-way match]], [[Vendor cleanup|clean vendors]] and [[/p2p]].",
    )
    with app.test_request_context():
        html = str(pages.rendered_html(pages.latest_revision(page)))
    assert '<a class="wikilink" href="/p/p2p/invoices/three-way-match">Three-way match</a>' in html
    assert (
        'class="wikilink wikilink-missing" href="/p/p2p/payments/+new?title=Vendor+cleanup"' in html
    )
    assert '<a class="wikilink" href="/p/p2p">p2p</a>' in html
    assert [
        p.title for p in links.backlinks(tree.resolve_path("p2p/invoices/three-way-match"))
    ] == ["Payment run"]


def test_a_text_s_links_are_looked_up_together_old_paths_and_hundreds_alike(app, people):
    renamed = factories.make_page("p2p", "Vendor list", "Text")
    pages.save_page(people["member"], renamed, draft(title="Vendor master"), 1)
    targets = [f"Missing {n}" for n in range(600)] + ["Vendor list", "Vendor master", "/p2p"]
    body = " ".join(f"[[{target}]]" for target in targets)
    with app.test_request_context():
        html = str(pages.preview_html(tree.get_process("p2p"), body))
    assert html.count("wikilink-missing") == 600
    assert html.count('<a class="wikilink" href=') == 3  # the old path, the new one, a process


def test_creating_a_missing_target_refreshes_the_linking_page(app, people):
    source = factories.make_page("p2p", "Overview", "Read [[Vendor cleanup]].")
    with app.test_request_context():
        assert "wikilink-missing" in pages.rendered_html(pages.latest_revision(source))
        factories.make_page("p2p", "Vendor cleanup", "How to clean.")
        db.session.expire_all()
        html = pages.rendered_html(pages.latest_revision(source))
    assert "wikilink-missing" not in html and 'href="/p/p2p/vendor-cleanup"' in html


def test_tags_are_normalised_and_listed(people):
    page = factories.make_page("p2p", "Three-way match", tags="Invoices, month end, invoices")
    assert page.tags == ["invoices", "month-end"]
    assert history.pages_tagged("month-end") == [page]
    with pytest.raises(ValidationError, match="Tags use lowercase letters"):
        pages.save_page(people["member"], page, draft(tags="ok, b@d"), 1)


def test_delete_needs_owner_or_manager(people):
    page = factories.make_page("p2p", "Three-way match", author=people["member"])
    with pytest.raises(NotAllowed):
        pages.delete_page(people["newcomer"], page)
    pages.delete_page(people["member"], page)
    assert tree.resolve_path("p2p/three-way-match") is None


def test_renaming_a_process_keeps_relative_links_working(app, people):
    page = factories.make_page("p2p", "Overview", "Read [[Vendor cleanup]].")
    with app.test_request_context():
        assert "/p/p2p/+new?title=Vendor+cleanup" in pages.rendered_html(
            pages.latest_revision(page)
        )
        tree.update_process(
            people["manager"], tree.get_process("p2p"), "P2P", "purchase-to-pay", ""
        )
        db.session.expire_all()
        html = pages.rendered_html(pages.latest_revision(page))
        assert "/p/purchase-to-pay/+new?title=Vendor+cleanup" in html
        target = factories.make_page("purchase-to-pay", "Vendor cleanup", "Steps.")
        db.session.expire_all()
        assert "wikilink-missing" not in pages.rendered_html(pages.latest_revision(page))
    assert [source.title for source in links.backlinks(target)] == ["Overview"]


def test_moving_a_page_relinks_its_relative_links(app, people):
    factories.make_page("r2r", "Accruals", "Text")
    page = factories.make_page("p2p", "Overview", "See [[Accruals]].")
    with app.test_request_context():
        assert "wikilink-missing" in pages.rendered_html(pages.latest_revision(page))
        pages.move_page(people["member"], page, tree.get_process("r2r"))
        db.session.expire_all()
        assert "wikilink-missing" not in pages.rendered_html(pages.latest_revision(page))
