"""Attachment views: the files page and its upload form (HTML and JSON), the editor's file
field, the headers of every file response, caching by content address, and who may fetch."""

from __future__ import annotations

import gc
import io
import re
import warnings

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from tests import factories
from wiki.attachments.models import Attachment, Blob
from wiki.extensions import db

PAGE = "/p/p2p/three-way-match"
SANDBOX = "sandbox; default-src 'none'"


@pytest.fixture
def page(people):
    return factories.make_page("p2p", "Three-way match", "Match first.", author=people["trainer"])


def multipart(client, url: str, fields: dict, **headers):
    """POST a multipart form built in memory (the test client spools a large body to a
    temporary file it never closes)."""
    files = {k: FileStorage(*v) for k, v in fields.items() if isinstance(v, tuple)}
    boundary, body = encode_multipart({**fields, **files})
    return client.post(
        url, data=body, headers=headers, content_type=f"multipart/form-data; boundary={boundary}"
    )


def _upload(client, name: str, data: bytes, url: str = f"{PAGE}/attachments", **headers):
    return multipart(client, url, {"file": (io.BytesIO(data), name)}, **headers)


def _stored() -> int:
    return db.session.scalar(select(func.count()).select_from(Attachment))


def test_upload_form_lists_files_with_their_details(client, auth, page):
    auth.login("priya@example.com")
    answer = _upload(client, "zap-hold.png", factories.image_bytes())
    assert answer.status_code == 302 and answer.location == f"{PAGE}/attachments"
    _upload(client, "zap-hold.png", factories.image_bytes(color=(9, 9, 9)))
    _upload(client, "rates.csv", b"currency,rate\nEUR,1.08\n")
    listing = client.get(f"{PAGE}/attachments").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in listing and 'name="file"' in listing
    assert listing.count("zap-hold.png</a>") == 2 and "2 (current)" in listing
    view = client.get(PAGE).get_data(as_text=True)
    row = re.search(r"<tr>\s*<td><a[^>]*>rates\.csv</a>.*?</tr>", view, re.S).group(0)
    for shown in ("23 bytes", "CSV table", "Priya Member"):
        assert shown in row


def test_json_upload_answers_the_markdown_to_insert(client, auth, page):
    auth.login("priya@example.com")
    answer = _upload(client, "screenshot-1.png", factories.image_bytes(), Accept="application/json")
    assert answer.status_code == 201
    body = answer.get_json()
    assert body["markdown"] == "![screenshot-1](attachment:screenshot-1.png)"
    assert body["url"].startswith("/files/") and body["version"] == 1
    refused = _upload(client, "x.png", b"<svg onload=alert(1)>", Accept="application/json")
    assert refused.status_code == 422 and "never stores" in refused.get_json()["message"]


def test_file_responses_carry_their_own_headers_and_cache_by_content(client, auth, page):
    auth.login("priya@example.com")
    image = factories.attach(page, "zap-hold.png")
    text = factories.attach(page, "Überweisung März.txt", b"Zahlung\n")
    url = f"/files/{image.blob_sha256}/zap-hold.png"
    shown = client.get(url)
    assert shown.status_code == 200 and shown.mimetype == "image/png"
    assert shown.headers["Content-Disposition"] == "inline; filename=zap-hold.png"
    assert shown.headers["ETag"] == f'"{image.blob_sha256}"'
    assert shown.headers["Cache-Control"] == "private, max-age=31536000, immutable"
    again = client.get(url, headers={"If-None-Match": f'"{image.blob_sha256}"'})
    assert again.status_code == 304 and again.data == b""
    download = client.get(f"/files/{text.blob_sha256}/{text.name}")
    assert download.mimetype == "text/plain"
    assert download.headers["Content-Disposition"] == (
        'attachment; filename="Uberweisung Marz.txt"; '
        "filename*=UTF-8''%C3%9Cberweisung%20M%C3%A4rz.txt"
    )
    by_name = client.get(f"{PAGE}/attachments/zap-hold.png")
    assert by_name.status_code == 302 and by_name.location == url
    for response in (shown, again, download, by_name):
        assert response.headers["Content-Security-Policy"] == SANDBOX
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_one_stored_text_under_two_names_is_served_as_each_name_says_with_one_charset(
    client, auth, page
):
    auth.login("priya@example.com")
    table = b"currency,rate\nEUR,1.08\n"
    notes = factories.attach(page, "rates.txt", table)
    rates = factories.attach(page, "rates.csv", table)
    latin = factories.attach(page, "Zahlung.txt", "Gebühr\n".encode("windows-1252"))
    assert notes.blob_sha256 == rates.blob_sha256  # stored once
    served = {
        attachment.name: client.get(f"/files/{attachment.blob_sha256}/{attachment.name}")
        for attachment in (notes, rates, latin)
    }
    assert served["rates.txt"].headers["Content-Type"] == "text/plain; charset=utf-8"
    assert served["rates.csv"].headers["Content-Type"] == "text/csv; charset=utf-8"
    assert served["Zahlung.txt"].headers["Content-Type"] == "text/plain; charset=windows-1252"
    listed = {item["name"]: item["media_type"] for item in _api_attachments(client, page)}
    assert listed["rates.txt"].startswith("text/plain") and listed["rates.csv"].startswith(
        "text/csv"
    )


def _api_attachments(client, page) -> list[dict]:
    return client.get(f"/api/v1/pages/{page.id}").get_json()["attachments"]


def test_only_people_logged_in_fetch_files_even_at_old_or_guessed_addresses(client, auth, page):
    image = factories.attach(page, "zap-hold.png")
    auth.login("ada@example.com")
    client.post(f"{PAGE}/+edit", data={"title": "Matching", "body": "x", "base_revision": "1"})
    auth.logout()
    addresses = [
        f"/files/{image.blob_sha256}/zap-hold.png",
        f"{PAGE}/attachments/zap-hold.png",  # the page's old address
        "/p/p2p/matching/attachments/zap-hold.png",
        "/p/p2p/matching/attachments",
        f"/files/{'0' * 64}/zap-hold.png",
    ]
    for address in addresses:
        answer = client.get(address)
        assert answer.status_code == 302 and answer.location.startswith("/login"), address
    auth.login("jill@example.com")
    assert client.get(f"{PAGE}/attachments/zap-hold.png").status_code == 302
    assert client.get(f"/files/{'0' * 64}/zap-hold.png").status_code == 404
    # The right content under another name is no address at all.
    assert client.get(f"/files/{image.blob_sha256}/evil.html").status_code == 404


def test_a_removed_version_is_no_longer_served(client, auth, page, people):
    first = factories.attach(page, "zap-hold.png", uploader=people["member"])
    auth.login("priya@example.com")
    # Seen once, so each worker's page cache holds it; the removal must reach past that.
    assert client.get(f"/files/{first.blob_sha256}/zap-hold.png").status_code == 200
    answer = client.post(f"{PAGE}/attachments/{first.id}/remove")
    assert answer.status_code == 302
    assert client.get(f"/files/{first.blob_sha256}/zap-hold.png").status_code == 404
    listing = client.get(f"{PAGE}/attachments").get_data(as_text=True)
    assert "Removed by Priya Member" in listing


def test_editor_upload_without_javascript_keeps_the_text_and_adds_the_reference(client, auth, page):
    auth.login("priya@example.com")
    form = {"title": "Three-way match", "body": "My unsaved words.", "base_revision": "1"}
    answer = multipart(
        client,
        f"{PAGE}/+edit",
        {**form, "action": "upload", "file": (io.BytesIO(factories.image_bytes()), "q.png")},
    )
    text = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert "My unsaved words.\n\n![q](attachment:q.png)" in text
    saved = multipart(
        client, f"{PAGE}/+edit", {**form, "file": (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "policy.pdf")}
    )
    assert saved.status_code == 302
    view = client.get(PAGE).get_data(as_text=True)
    assert re.search(r'<a href="/files/[0-9a-f]{64}/policy.pdf">policy.pdf</a>', view)


def test_too_large_on_the_editor_is_413_with_the_text_kept(app, client, auth, page):
    app.config["MAX_UPLOAD_MB"] = 1
    auth.login("priya@example.com")
    big = io.BytesIO(b"a" * (1024 * 1024 + 10))
    answer = multipart(
        client,
        f"{PAGE}/+edit",
        {"title": "Three-way match", "body": "Words I typed.", "base_revision": "1",
         "action": "upload", "file": (big, "huge.txt")},
    )  # fmt: skip
    text = answer.get_data(as_text=True)
    assert answer.status_code == 413
    assert "Words I typed." in text and "files may be at most 1 MB" in text
    assert _stored() == 0
    # Beyond four files' worth the request is refused before it is read, still saying why.
    huge = _upload(client, "huge.txt", b"a" * (6 * 1024 * 1024))
    assert huge.status_code == 413 and "at most 1 MB" in huge.get_data(as_text=True)


def test_an_interrupted_upload_stores_nothing(client, auth, page):
    auth.login("priya@example.com")
    body = (
        b'--B\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n'
        b"Content-Type: image/png\r\n\r\n" + factories.image_bytes()[:50]
    )
    with warnings.catch_warnings():
        # werkzeug leaves the unfinished part's spool file to the garbage collector.
        warnings.simplefilter("ignore", ResourceWarning)
        answer = client.post(
            f"{PAGE}/attachments",
            input_stream=io.BytesIO(body),
            content_length=len(body) + 5000,  # the rest never arrives
            content_type="multipart/form-data; boundary=B",
        )
        gc.collect()
    assert answer.status_code in (400, 422)
    assert _stored() == 0 and db.session.scalar(select(func.count()).select_from(Blob)) == 0


def test_the_attachments_address_of_a_page_named_attachments_still_shows_it(client, auth, people):
    factories.make_page("p2p", "Attachments", "A page about attachments.")
    auth.login("priya@example.com")
    answer = client.get("/p/p2p/attachments")
    assert answer.status_code == 200 and "A page about attachments." in answer.get_data(True)


@pytest.mark.parametrize("app_config", [{}])
def test_uploads_need_the_csrf_token(client, auth, page):
    client.get("/login")
    auth.login("priya@example.com")
    answer = _upload(client, "a.png", factories.image_bytes())
    assert answer.status_code == 400 and _stored() == 0
