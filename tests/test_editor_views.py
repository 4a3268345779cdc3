"""The editor's JSON requests: live preview (the page's renderer and sanitiser), the page
picker's titles, and files pasted into a new page kept until it is saved."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests import factories
from wiki.attachments.models import Attachment, Blob, PendingUpload
from wiki.extensions import db
from wiki.tick import run_jobs
from wiki.timeutil import utcnow

JSON = {"Accept": "application/json"}


def test_preview_renders_and_sanitises_like_the_page(client, auth, people):
    page = factories.make_page("p2p", "Three-way match", "Text")
    factories.make_page("p2p", "Vendor list", "Text")
    auth.login("jill@example.com")
    response = client.post(
        "/editor/preview",
        data={
            "page": page.path,
            "body": "## Steps\n\nSee [[Vendor list]] <script>alert(1)</script> **now**",
        },
        headers=JSON,
    )
    html = response.get_json()["html"]
    assert '<h2 id="steps">Steps</h2>' in html and "<strong>now</strong>" in html
    assert 'href="/p/p2p/vendor-list"' in html
    assert "<script" not in html
    assert page.latest_revision == 1  # nothing saved


def test_preview_of_a_new_page_uses_its_process(client, auth, people):
    factories.make_page("p2p", "Vendor list", "Text")
    auth.login("jill@example.com")
    response = client.post(
        "/editor/preview", data={"process": "p2p", "body": "[[Vendor list]]"}, headers=JSON
    )
    assert 'href="/p/p2p/vendor-list"' in response.get_json()["html"]


def test_editor_requests_need_a_login_and_a_known_subject(client, auth, people):
    factories.make_process("p2p")
    assert client.post("/editor/preview", data={"process": "p2p", "body": "x"}).status_code in {
        302,
        401,
    }
    auth.login("jill@example.com")
    response = client.post("/editor/preview", data={"process": "nowhere", "body": "x"})
    assert response.status_code == 404


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_editor_posts_need_the_csrf_token(client, auth, people, app_config):
    factories.make_process("p2p")
    client.post("/login", data={"email": "jill@example.com", "password": "x"})
    for url in ("/editor/preview", "/editor/draft", "/editor/draft/discard", "/editor/upload"):
        assert client.post(url, data={"process": "p2p", "body": "x"}).status_code == 400


def test_titles_for_the_page_picker(client, auth, people):
    factories.make_page("p2p/invoices", "Three-way match", "Text")
    factories.make_page("p2p", "Matching rules", "Text")
    factories.make_page("p2p", "Vendor list", "Text")
    auth.login("jill@example.com")
    results = client.get("/editor/titles?q=MATCH&process=p2p").get_json()["results"]
    assert [result["title"] for result in results] == ["Matching rules", "Three-way match"]
    assert results[0]["link"] == "[[Matching rules]]"  # same process: relative
    assert results[1]["link"] == "[[/p2p/invoices/Three-way match]]"
    assert results[1]["url"] == "/p/p2p/invoices/three-way-match"
    assert client.get("/editor/titles?q=").get_json()["results"] == []
    assert client.get("/editor/titles?q=%25").get_json()["results"] == []  # % is a letter


def test_titles_are_only_for_people_who_may_read_pages(client, people):
    factories.make_page("p2p", "Three-way match", "Text")
    response = client.get("/editor/titles?q=three", headers=JSON)
    assert response.status_code in {302, 401} and b"Three-way" not in response.data


def test_an_image_pasted_into_a_new_page_is_kept_until_the_page_is_saved(client, auth, people):
    factories.make_process("p2p")
    auth.login("priya@example.com")
    image = factories.image_bytes(40, 30)
    response = client.post(
        "/editor/upload",
        data={"process": "p2p", "file": (io.BytesIO(image), "shot.png")},
        headers=JSON,
    )
    assert response.status_code == 201
    markdown = response.get_json()["markdown"]
    assert markdown == "![shot](attachment:shot.png)"
    preview = client.post(
        "/editor/preview", data={"process": "p2p", "body": markdown}, headers=JSON
    ).get_json()["html"]
    src = preview.split('src="')[1].split('"')[0]
    assert src.startswith("/files/") and client.get(src).status_code == 200
    auth.logout()
    auth.login("jill@example.com")
    assert client.get(src).status_code == 404  # another person's pending file
    auth.logout()
    auth.login("priya@example.com")
    response = client.post(
        "/p/p2p/+new", data={"title": "Shots", "body": f"Look:\n\n{markdown}", "action": "save"}
    )
    assert response.status_code == 302
    attachment = db.session.scalar(select(Attachment))
    assert attachment.name == "shot.png" and attachment.page.path == "p2p/shots"
    assert db.session.scalar(select(func.count()).select_from(PendingUpload)) == 0
    assert 'src="/files/' in client.get("/p/p2p/shots").get_data(as_text=True)


def test_a_refused_file_says_why(client, auth, people):
    factories.make_process("p2p")
    auth.login("priya@example.com")
    response = client.post(
        "/editor/upload",
        data={"process": "p2p", "file": (io.BytesIO(b"MZ\x90\x00"), "tool.exe")},
        headers=JSON,
    )
    assert response.status_code in {400, 415, 422}
    assert response.get_json()["message"]


def test_tick_cleans_up_uploads_of_pages_never_saved(client, auth, people):
    factories.make_process("p2p")
    auth.login("priya@example.com")
    client.post(
        "/editor/upload",
        data={"process": "p2p", "file": (io.BytesIO(b"notes"), "notes.txt")},
        headers=JSON,
    )
    assert db.session.scalar(select(func.count()).select_from(Blob)) == 1
    outcome = dict(run_jobs(utcnow()))
    assert outcome["files"].startswith("0 never-saved upload(s) removed, 0 unused")
    outcome = dict(run_jobs(utcnow() + timedelta(days=31)))
    assert outcome["files"] == "1 never-saved upload(s) removed, 1 unused file content(s) deleted"
    assert db.session.scalar(select(func.count()).select_from(Blob)) == 0


SECTIONED = """Intro with [[Vendor list]].

## Steps

1. Open the queue
2. Check

```
# not a heading: code
```

### Table

| a | b |
| --- | --- |
| 1 | 2 |

## Exceptions

- **blocked** invoices
"""


@pytest.mark.parametrize(
    "body",
    [
        SECTIONED,
        SECTIONED + "\n[ref]: https://example.com\n\nSee [the ref][ref].",
        SECTIONED + "\n## Steps\n\nA repeated heading.",
        SECTIONED + "\n## Steps!\n\nA heading with another's anchor.",
        SECTIONED + "\n## Notes\n\nA private-use \ue0ff character\n\n\ue0ff\n",
        SECTIONED + "\n~~~\n# unclosed fence",
    ],
)
def test_the_preview_by_sections_is_the_page_as_rendered_whole(app, people, body):
    from flask import g

    from wiki.processes import editing, pages

    page = factories.make_page("p2p", "Three-way match", "Text")
    factories.make_page("p2p", "Vendor list", "Text")
    with app.test_request_context():
        g._login_user = people["member"]
        whole = pages.preview_html(page.process, body, page)
        assert editing.preview(people["member"], page.process, page, body) == whole
        assert editing.preview(people["member"], page.process, page, body) == whole  # cached
        # Typing in the last section renders it alone: its anchors are still the page's.
        edited = body + "\nEdited."
        edited_whole = pages.preview_html(page.process, edited, page)
        assert editing.preview(people["member"], page.process, page, edited) == edited_whole


def test_the_editors_scripts_and_styles_stay_within_300_kb_compressed(app, client, auth, people):
    """Issue 25's budget: everything the editor page loads from static, gzip-compressed."""
    import gzip
    import re
    from pathlib import Path

    page = factories.make_page("p2p", "Three-way match", "Text")
    auth.login("jill@example.com")
    html = client.get(f"/p/{page.path}/+edit").get_data(as_text=True)
    assets = set(re.findall(r'(?:src|href)="/static/([^"?]+\.(?:js|css))', html))
    assert {"vendor/easymde/easymde.min.js", "editor.js", "wiki.css"} <= assets
    static = Path(app.static_folder)
    compressed = sum(len(gzip.compress((static / name).read_bytes(), 9)) for name in assets)
    assert compressed <= 300 * 1024


def test_a_kept_preview_section_follows_the_page_it_links_to_coming(app, people):
    from flask import g

    from wiki.processes import editing

    page = factories.make_page("p2p", "Three-way match", "Text")
    body = "Intro\n\n## Steps\n\nSee [[Vendor list]].\n\n## Exceptions\n\nNone.\n"

    def preview() -> str:
        with app.test_request_context():
            g._login_user = people["member"]
            return str(editing.preview(people["member"], page.process, page, body))

    assert "wikilink-missing" in preview()
    assert "wikilink-missing" in preview()  # kept
    factories.make_page("p2p", "Vendor list", "Text")
    html = preview()
    assert "wikilink-missing" not in html and 'class="wikilink"' in html
