"""The API for processes and pages: the same rules as the screens, strict JSON in and out,
409 with the current revision on a stale save, paginated lists, ETags, and the document."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.factories import attach, bearer, image_bytes, make_page, make_process, make_token
from wiki.processes.models import Page, Process, Revision


@pytest.fixture
def api(client, people):
    """A client whose calls carry the manager's read-write token."""
    secret = make_token(people["manager"], write=True)

    def call(method: str, path: str, headers: dict | None = None, **kwargs):
        headers = {**bearer(secret), **(headers or {})}
        return client.open(f"/api/v1{path}", method=method, headers=headers, **kwargs)

    return call


def test_processes_are_created_renamed_moved_and_deleted_by_the_screens_rules(app, api):
    top = api("POST", "/processes", json={"name": "Procure to pay"}).json
    child = api("POST", "/processes", json={"name": "Invoices", "parent_id": top["id"]}).json
    assert child["path"] == "procure-to-pay/invoices" and child["parent_id"] == top["id"]

    tree = api("GET", "/processes").json["roots"]
    assert [(n["name"], [c["name"] for c in n["children"]]) for n in tree] == [
        ("Procure to pay", ["Invoices"])
    ]
    into_itself = api("POST", f"/processes/{top['id']}/move", json={"parent_id": child["id"]})
    assert into_itself.status_code == 400
    assert into_itself.json["fields"] == {"parent": into_itself.json["message"]}
    assert "cannot move into itself" in into_itself.json["message"]

    renamed = api("PATCH", f"/processes/{child['id']}", json={"name": "Supplier invoices"})
    assert renamed.status_code == 200 and renamed.json["slug"] == "invoices"
    assert renamed.json["description"] == ""
    moved = api("POST", f"/processes/{child['id']}/move", json={"parent_id": None})
    assert moved.json["path"] == "invoices" and moved.json["parent_id"] is None

    duplicate = api("POST", "/processes", json={"name": "Invoices"})
    assert duplicate.status_code == 422 and "slug" in duplicate.json["fields"]
    api("POST", f"/processes/{child['id']}/pages", json={"title": "Coding", "body": "x"})
    refused = api("DELETE", f"/processes/{child['id']}")
    assert refused.status_code == 400 and "still has" in refused.json["message"]
    assert api("DELETE", f"/processes/{top['id']}").status_code == 204
    assert api("GET", f"/processes/{top['id']}").status_code == 404


def test_a_page_is_read_with_its_markdown_html_revision_owner_review_and_tags(app, api, people):
    process = api("POST", "/processes", json={"name": "Payables"}).json
    made = api(
        "POST",
        f"/processes/{process['id']}/pages",
        json={"title": "Three-way match", "body": "Match **PO**, receipt and invoice.",
              "tags": ["matching", "ap"]},
    )  # fmt: skip
    assert made.status_code == 201
    page = api("GET", f"/pages/{made.json['id']}").json
    assert page["markdown"] == "Match **PO**, receipt and invoice."
    assert "<strong>PO</strong>" in page["html"]
    assert page["revision"] == 1 and sorted(page["tags"]) == ["ap", "matching"]
    assert page["owner"] == {"id": people["manager"].id, "name": "Marty Manager"}
    assert page["process"]["path"] == "payables" and page["review"]["overdue"] is False
    listed = api("GET", f"/processes/{process['id']}/pages").json
    assert [item["title"] for item in listed["items"]] == ["Three-way match"]


def test_a_page_lists_its_files_and_a_token_downloads_them(app, api, client, people):
    page = make_page("p2p", "Vendor setup", body="![Form](attachment:form.png)")
    attach(page, "form.png", uploader=people["member"])
    newer = attach(page, "form.png", image_bytes(color=(200, 0, 0)), uploader=people["member"])
    attach(page, "policy.txt", b"Pay within 30 days.\n", uploader=people["manager"])
    before = api("GET", f"/pages/{page.id}")
    files = before.json["attachments"]
    assert [(f["name"], f["version"], f["media_type"]) for f in files] == [
        ("form.png", 2, "image/png"), ("policy.txt", 1, "text/plain; charset=utf-8")
    ]  # fmt: skip
    assert files[0]["uploaded_by"] == {"id": people["member"].id, "name": "Priya Member"}
    assert files[0]["size"] == newer.blob.size and files[0]["uploaded_at"].endswith("Z")
    reader = make_token(people["newcomer"])  # read-only is enough
    download = client.get(files[1]["url"], headers=bearer(reader))
    assert download.status_code == 200 and download.data == b"Pay within 30 days.\n"
    assert download.headers["Content-Security-Policy"] == "sandbox; default-src 'none'"
    image = client.get(files[0]["url"], headers=bearer(reader))
    assert image.mimetype == "image/png" and image.data == newer.blob.content
    assert client.get(files[1]["url"], headers=bearer("onr_made-up")).status_code == 401
    assert client.get(files[1]["url"]).status_code == 302  # no token: to the login page

    attach(page, "receipt.png", uploader=people["member"])
    after = api("GET", f"/pages/{page.id}", headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200 and len(after.json["attachments"]) == 3


def test_a_token_uploads_a_file_and_each_refusal_says_why_and_stores_nothing(
    app, api, client, people
):
    from io import BytesIO

    from wiki.attachments.models import Attachment

    page = make_page("p2p", "Vendor setup", body="See the form.")
    url = f"/pages/{page.id}/attachments"

    def upload(name: str, data: bytes, **kwargs):
        return api("POST", url, data={"file": (BytesIO(data), name)}, **kwargs)

    first = upload("form.png", image_bytes())
    assert first.status_code == 201, first.json
    assert (first.json["name"], first.json["version"], first.json["media_type"]) == (
        "form.png", 1, "image/png"
    )  # fmt: skip
    assert first.json["markdown"] == "![form](attachment:form.png)"
    assert first.json["uploaded_by"] == {"id": people["manager"].id, "name": "Marty Manager"}
    again = upload("form.png", image_bytes(color=(200, 0, 0)))
    assert again.status_code == 201 and again.json["version"] == 2
    listed = api("GET", f"/pages/{page.id}").json["attachments"]
    assert [(f["name"], f["version"]) for f in listed] == [("form.png", 2)]
    download = client.get(again.json["url"], headers=bearer(make_token(people["newcomer"])))
    assert download.status_code == 200 and download.mimetype == "image/png"

    app.config["MAX_UPLOAD_MB"] = 0.001
    too_large = upload("big.txt", b"x" * 2000)
    assert too_large.status_code == 413 and too_large.json["fields"]["file"]
    app.config["MAX_UPLOAD_MB"] = 5
    refused = upload("tool.exe", b"MZ\x90\x00" + bytes(200))
    assert refused.status_code == 422 and refused.json["fields"]["file"]
    no_file = api("POST", url, data={"note": "no file"}, content_type="multipart/form-data")
    assert no_file.status_code == 422 and "file" in no_file.json["fields"]
    as_json = api("POST", url, json={"file": "form.png"})
    assert as_json.status_code == 415 and "multipart/form-data" in as_json.json["message"]
    reader = {"Authorization": f"Bearer {make_token(people['member'])}"}
    read_only = upload("other.png", image_bytes(), headers=reader)
    assert read_only.status_code == 403
    missing = api("POST", "/pages/999999/attachments", data={"file": (BytesIO(b"x"), "a.txt")})
    assert missing.status_code == 404
    from wiki.extensions import db

    assert db.session.scalar(select(func.count()).select_from(Attachment)) == 2


def test_a_stale_base_revision_answers_409_with_the_current_text_and_nothing_is_lost(app, api):
    page = make_page("p2p", "Vendor setup", body="Step one.")
    edited = {"title": "Vendor setup", "body": "Step one.\nStep two.", "base_revision": 1}
    first = api("PUT", f"/pages/{page.id}", json=edited)
    assert first.status_code == 200 and first.json["revision"] == 2
    stale = api("PUT", f"/pages/{page.id}",
                json={"title": "Vendor setup", "body": "Mine.", "base_revision": 1})  # fmt: skip
    assert stale.status_code == 409 and stale.json["error"] == "conflict"
    assert stale.json["current_revision"] == 2
    assert stale.json["current"]["markdown"] == "Step one.\nStep two."
    assert {"kind": "added", "text": "Step two."} in stale.json["diff"]
    assert db_revisions(page) == 2

    history = api("GET", f"/pages/{page.id}/revisions").json["items"]
    assert [item["number"] for item in history] == [2, 1]
    assert api("GET", f"/pages/{page.id}/revisions/1").json["markdown"] == "Step one."
    reverted = api("POST", f"/pages/{page.id}/revert", json={"revision": 1})
    assert reverted.json["revision"] == 3 and reverted.json["markdown"] == "Step one."
    reviewed = api("POST", f"/pages/{page.id}/review")
    assert reviewed.status_code == 200 and reviewed.json["review"]["last_reviewed_at"]


def db_revisions(page) -> int:
    from wiki.extensions import db

    return db.session.scalar(select(func.count()).where(Revision.page_id == page.id))


def test_bad_input_answers_json_errors_and_writes_nothing(app, api, client):
    process = make_process("p2p")
    url = f"/processes/{process.id}/pages"
    cases = [
        ({"data": "{not json", "content_type": "application/json"}, 400, "not valid JSON"),
        ({"data": "title=x", "content_type": "application/x-www-form-urlencoded"}, 415, "JSON"),
        ({"json": {"title": 5, "body": "x"}}, 422, "title"),
        ({"json": {"title": "A", "body": "x", "colour": "red"}}, 422, "colour"),
        ({"json": {"title": "A"}}, 422, "body"),
        ({}, 400, None),
        ({"json": ["a", "list"]}, 422, None),
        ({"json": {"title": "A", "body": "x" * 3_000_000}}, 413, None),
        ({"json": {"title": "", "body": "x"}}, 422, "title"),
    ]
    for kwargs, status, field in cases:
        answer = api("POST", url, **kwargs)
        assert answer.status_code == status, (kwargs.get("json", kwargs.get("data")), answer.json)
        assert set(answer.json) >= {"error", "message", "fields"}
        if field and status == 422:
            assert any(field in key for key in answer.json["fields"]), answer.json
    assert api("POST", url, json={"title": "A\x00B", "body": "x"}).json["title"] == "A\ufffdB"
    from wiki.extensions import db

    assert db.session.scalar(select(func.count()).select_from(Page)) == 1
    assert api("GET", f"{url}?cursor=made-up").status_code == 400
    assert api("GET", f"{url}?limit=101").status_code == 422
    assert api("GET", "/pages/2147483648").status_code == 404
    assert api("GET", "/nothing-here").json["error"] == "not_found"
    not_allowed = api("DELETE", "/processes")
    assert not_allowed.status_code == 405 and not_allowed.headers["Allow"] == "GET, POST"
    assert db.session.scalar(select(func.count()).select_from(Process)) == 1


def test_lists_are_paginated_with_an_opaque_cursor(app, api):
    for number in range(5):
        make_page("p2p", f"Page {number}")
    process_id = make_process("p2p").id
    seen, cursors, cursor = [], [], None
    while True:
        query = f"?limit=2&cursor={cursor}" if cursor else "?limit=2"
        answer = api("GET", f"/processes/{process_id}/pages{query}").json
        seen += [item["title"] for item in answer["items"]]
        cursor = answer["next_cursor"]
        if cursor is None:
            break
        cursors.append(cursor)
    assert seen == [f"Page {number}" for number in range(5)]
    assert len(cursors) == 2
    page_id = api("GET", f"/processes/{process_id}/pages").json["items"][0]["id"]
    elsewhere = api("GET", f"/pages/{page_id}/revisions?cursor={cursors[0]}")
    assert elsewhere.status_code == 400 and "cursor" in elsewhere.json["fields"]
    tampered = api("GET", f"/processes/{process_id}/pages?cursor={cursors[0][:-2]}xx")
    assert tampered.status_code == 400


def test_reads_carry_an_etag_and_answer_304_when_unchanged(app, api, people):
    page = make_page("p2p", "Cached", body="One.")
    reads = [
        f"/pages/{page.id}", "/processes", f"/processes/{page.process_id}",
        f"/processes/{page.process_id}/pages?limit=1", f"/pages/{page.id}/revisions",
        "/gaps", "/search?q=cached", "/notifications", "/coaching/sessions",
    ]  # fmt: skip
    etags = {}
    for path in reads:
        first = api("GET", path)
        assert first.headers["Cache-Control"] == "private, no-cache", path
        assert "Authorization" in first.headers["Vary"], path
        etags[path] = first.headers["ETag"]
        unchanged = api("GET", path, headers={"If-None-Match": etags[path]})
        assert unchanged.status_code == 304 and unchanged.data == b"", path
        assert unchanged.headers["ETag"] == etags[path] and "Retry-After" not in unchanged.headers
    assert (
        api("HEAD", "/processes", headers={"If-None-Match": etags["/processes"]}).status_code == 304
    )
    api("PUT", f"/pages/{page.id}", json={"title": "Cached", "body": "Two.", "base_revision": 1})
    api("POST", "/processes", json={"name": "Record to report"})
    api("POST", "/gaps", json={"title": "Freight", "process_id": page.process_id})
    make_page("p2p", "Another cached page")
    for path in reads[:-2]:  # what changed answers afresh
        changed = api("GET", path, headers={"If-None-Match": etags[path]})
        assert changed.status_code == 200 and changed.headers["ETag"] != etags[path], path


def test_the_document_and_its_reference_page(app, api, client, auth, people):
    document = api("GET", "/openapi.json").json
    assert document["openapi"].startswith("3.1")
    assert "/api/v1/pages/{page_id}" in document["paths"]
    put = document["paths"]["/api/v1/pages/{page_id}"]["put"]
    assert put["responses"]["409"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "ConflictBody"
    )
    auth.login("priya@example.com")
    reference = client.get("/api/v1/docs")
    assert reference.status_code == 200 and "text/html" in reference.content_type
    assert "PUT /api/v1/pages/{page_id}" in reference.text and "ConflictBody" in reference.text
    assert 'multipart/form-data: <a href="#schema-UploadIn">UploadIn</a>' in reference.text
    assert "https://" not in reference.text.split("<main", 1)[-1]
