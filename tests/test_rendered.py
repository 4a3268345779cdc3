"""wiki/rendered.py: questions, answers, gap and forum descriptions, meeting minutes and process
descriptions are rendered on their first view and the HTML kept; they render again only when
their text changes, or, with a wiki link, when a page or process it may point to comes or
goes."""

from __future__ import annotations

from sqlalchemy import update

from tests.factories import make_forum_meeting, make_page, make_process, make_question
from wiki.comments import services as comments
from wiki.comments.models import Comment
from wiki.extensions import db
from wiki.forums.models import Forum, ForumMeeting
from wiki.gaps import services as gaps
from wiki.gaps.models import Gap
from wiki.processes import tree
from wiki.processes.models import Process
from wiki.questions import services as questions
from wiki.questions.models import Question, QuestionPost
from wiki.rendered import kept_html
from wiki.versioning import current_version

KEPT = "<p>the kept HTML</p>"


def _replace_kept_html(model, html_field: str, owner_id: int) -> None:
    """Put a marker where the kept HTML is: a view that shows it did not render again."""
    db.session.execute(update(model).where(model.id == owner_id).values({html_field: KEPT}))
    db.session.commit()


def test_a_question_and_its_answer_render_on_the_first_view_only(client, auth, people):
    question = make_question(
        people["newcomer"], "p2p/invoices", [people["member"]], body="See *this*."
    )
    post = questions.add_post(people["member"], question, "Use **ZMM_VAR**.")
    question_id, post_id = question.id, post.id
    auth.login("jill@example.com")
    first = client.get(f"/questions/{question_id}").get_data(as_text=True)
    assert "See <em>this</em>." in first and "Use <strong>ZMM_VAR</strong>." in first
    assert db.session.get(Question, question_id).body_html == "<p>See <em>this</em>.</p>"
    assert "ZMM_VAR" in db.session.get(QuestionPost, post_id).body_html
    _replace_kept_html(Question, "body_html", question_id)
    _replace_kept_html(QuestionPost, "body_html", post_id)
    second = client.get(f"/questions/{question_id}").get_data(as_text=True)
    assert second.count("the kept HTML") == 2 and "<em>this</em>" not in second


def test_a_gap_forum_and_meeting_keep_their_html_until_their_text_changes(client, auth, people):
    make_process("r2r/close")
    forum, meeting = make_forum_meeting(people, "r2r/close", "r2r/close")
    gap = gaps.log_gap(
        people["member"],
        gaps.GapDraft(
            title="Freight", description="Freight on *credit notes*.", process_path="r2r"
        ),
    )
    forum_id, meeting_id, gap_id = forum.id, meeting.id, gap.id
    auth.login("priya@example.com")
    version = current_version()
    assert "<em>credit notes</em>" in client.get(f"/gaps/{gap_id}").get_data(as_text=True)
    assert current_version() == version  # keeping a rendering empties no page cache
    client.get(f"/forums/{forum_id}")
    client.get(f"/forums/{forum_id}/meetings/{meeting_id}")
    assert (
        db.session.get(Forum, forum_id).description_html == "<p>Month-end <em>questions</em>.</p>"
    )
    assert "<strong>freight</strong>" in db.session.get(ForumMeeting, meeting_id).minutes_html
    _replace_kept_html(Gap, "description_html", gap_id)
    _replace_kept_html(Forum, "description_html", forum_id)
    _replace_kept_html(ForumMeeting, "minutes_html", meeting_id)
    assert "the kept HTML" in client.get(f"/gaps/{gap_id}").get_data(as_text=True)
    assert "the kept HTML" in client.get(f"/forums/{forum_id}").get_data(as_text=True)
    meeting_html = client.get(f"/forums/{forum_id}/meetings/{meeting_id}").get_data(as_text=True)
    assert "the kept HTML" in meeting_html
    # A new text empties what was kept for the old one.
    db.session.get(Gap, gap_id).description = "Now **bold**."
    db.session.commit()
    html = client.get(f"/gaps/{gap_id}").get_data(as_text=True)
    assert "<strong>bold</strong>" in html and "the kept HTML" not in html


def test_a_process_description_renders_again_when_its_text_or_a_linked_page_changes(
    client, auth, people
):
    process = make_process("p2p/invoices", "Invoices", "Read [[Three-way match]] *first*.")
    auth.login("jill@example.com")
    html = client.get("/p/p2p/invoices").get_data(as_text=True)
    assert "wikilink-missing" in html and "<em>first</em>" in html
    assert "wikilink-missing" in db.session.get(Process, process.id).description_html
    make_page("p2p/invoices", "Three-way match")  # the link's page now exists
    html = client.get("/p/p2p/invoices").get_data(as_text=True)
    assert 'class="wikilink"' in html and "wikilink-missing" not in html
    process = db.session.get(Process, process.id)
    tree.update_process(people["admin"], process, "Invoices", "invoices", "Plain _now_.")
    assert "<em>now</em>" in client.get("/p/p2p/invoices").get_data(as_text=True)


def test_only_texts_linking_where_a_page_came_render_again(client, auth, people):
    page = make_page("p2p/invoices", "Three-way match", "Text.")
    about_it = comments.add_comment(people["member"], page, "See [[Freight costs]].")
    elsewhere = comments.add_comment(people["member"], page, "See [[/p2p/Tolerances]].")
    plain = comments.add_comment(people["member"], page, "No link.")
    ids = [about_it.id, elsewhere.id, plain.id]
    auth.login("jill@example.com")
    assert "wikilink-missing" in client.get(f"/p/{page.path}").get_data(as_text=True)
    for comment_id in ids:
        _replace_kept_html(Comment, "body_html", comment_id)
    make_page("p2p/invoices", "Freight costs")  # where the first comment's link points
    kept = {comment.id: comment.body_html for comment in db.session.query(Comment)}
    assert [kept[comment_id] == KEPT for comment_id in ids] == [False, True, True]


def test_html_rendered_for_a_text_changed_meanwhile_is_not_kept(app, people):
    question = make_question(people["newcomer"], "p2p/invoices", [people["member"]], body="Old.")
    assert question.body == "Old."  # read by this host
    # Another host saves a new text before this one has rendered the old.
    db.session.execute(
        update(Question)
        .where(Question.id == question.id)
        .values(body="New.")
        .execution_options(synchronize_session=False)
    )
    assert kept_html(question, "body", "body_html") == "<p>Old.</p>"
    db.session.expire_all()
    assert db.session.get(Question, question.id).body_html is None
