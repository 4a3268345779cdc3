"""Hostile or odd input gets a clear answer and changes nothing: NUL and control characters,
numbers too big for the database, paths too deep, text that is not ASCII."""

from __future__ import annotations

import io

import feedparser
import pytest

from tests import factories
from wiki.errors import ValidationError
from wiki.processes import pages, tree


@pytest.fixture
def page(people):
    return factories.make_page("p2p", "Three-way match", "Text", author=people["member"])


def test_nul_in_an_address_is_refused_and_in_text_kept_as_a_replacement_character(
    client, auth, people, page
):
    login = client.post("/login", data={"email": "jill\x00@example.com", "password": "x"})
    assert login.status_code == 401  # a failed login, its form shown again with the address
    assert "jill\ufffd@example.com" in login.get_data(as_text=True)
    auth.login("jill@example.com")
    assert client.get("/p/p2p%00").status_code == 400
    edit = client.post(
        "/p/p2p/three-way-match/+edit",
        data={"title": "Three-way match", "body": "kept\x00body", "base_revision": "1"},
    )
    assert edit.status_code == 302
    assert pages.latest_revision(page).body == "kept\ufffdbody"
    assert client.get("/search?q=kept%00body").status_code == 200


def test_control_characters_are_dropped_and_the_feed_stays_valid(client, auth, people, page):
    auth.login("jill@example.com")
    client.post(
        "/p/p2p/three-way-match/+edit",
        data={"title": "Three-way\x08 match", "body": "Line\x1b one\r\nLine two",
              "summary": "fixed \x08typo", "base_revision": "1"},
    )  # fmt: skip
    latest = pages.latest_revision(page)
    assert (latest.title, latest.body, latest.summary) == (
        "Three-way match", "Line one\nLine two", "fixed typo"
    )  # fmt: skip
    assert not feedparser.parse(client.get("/changes.atom").data).bozo


@pytest.mark.parametrize(
    "url",
    [
        "/p/p2p/three-way-match/+diff?to=3000000000",
        "/p/p2p/three-way-match/+diff?from=1000000000000000000000000000000",
        "/p/p2p/three-way-match/+revision/3000000000",
        "/changes?page=1000000000000000000000000000000",
        "/p/p2p/+new?template=1000000000000000000000000000000",
        "/admin/users/3000000000",
    ],
)
def test_numbers_too_big_for_the_database_are_not_errors(client, auth, people, page, url):
    auth.login("ada@example.com")
    assert client.get(url).status_code in (200, 404)


def test_huge_base_revision_is_a_conflict_not_an_error(client, auth, people, page):
    auth.login("jill@example.com")
    response = client.post(
        "/p/p2p/three-way-match/+edit",
        data={"title": "Three-way match", "body": "Mine", "base_revision": "3000000000"},
    )
    assert response.status_code == 409


def test_a_process_path_longer_than_the_column_is_refused(people):
    parent = None
    slug = "s" * 80
    for _ in range(12):  # 12 levels of 80 characters: 971 characters
        parent = tree.create_process(people["manager"], slug, parent=parent, slug=slug)
    with pytest.raises(ValidationError, match="longer than 1,000 characters"):
        tree.create_process(people["manager"], "deeper", parent=parent, slug=slug)
    top = tree.get_process(slug)
    other = tree.create_process(people["manager"], "Other", slug="other-" + "o" * 70)
    with pytest.raises(ValidationError, match="longer than 1,000 characters"):
        tree.move_process(people["manager"], top, other)
    assert top.path == slug


def test_long_non_ascii_text_within_the_limit_is_accepted(client, auth, people, page):
    auth.login("jill@example.com")
    body = "Счёт-фактура " * 12_000  # 156,000 characters, about 1.9 MB form-encoded
    response = client.post(
        "/p/p2p/three-way-match/+edit",
        data={"title": "Three-way match", "body": body, "base_revision": "1"},
    )
    assert response.status_code == 302
    assert pages.latest_revision(page).body == body


def test_a_body_nested_past_any_reason_gets_a_json_error(client, people, page):
    secret = factories.make_token(people["member"], write=True)
    deep = "[" * 100_000 + "]" * 100_000
    for body in (deep, '{"title": ' + deep + "}"):
        answer = client.put(
            f"/api/v1/pages/{page.id}",
            data=body,
            headers={**factories.bearer(secret), "Content-Type": "application/json"},
        )
        assert answer.status_code == 400 and answer.is_json, answer.status_code
        assert answer.json["message"] == "The body nests too deeply."


def test_an_upload_without_its_file_part_gets_a_json_error(client, people, page):
    secret = factories.make_token(people["member"], write=True)
    for parts in ({}, {"file": "words, not a file"}, {"upload": (io.BytesIO(b"x"), "x.png")}):
        answer = client.post(
            f"/api/v1/pages/{page.id}/attachments",
            data=parts,
            content_type="multipart/form-data",
            headers=factories.bearer(secret),
        )
        assert answer.status_code == 422 and answer.is_json, parts
        assert answer.json["fields"] == {"file": "Send a file in the part `file`."}


@pytest.mark.parametrize("path", ["/login", "/", "/static/wiki.css"])
@pytest.mark.parametrize("cookie", ["session=\xff\xfe", "session=\xc3(; a=\xe9", "\xff=\xff"])
def test_a_cookie_header_that_is_not_utf8_is_no_error(app, path, cookie):
    """Straight through the WSGI stack, as a server hands it over (the test client would
    rewrite the header): the page cache reads the cookie before Flask does."""
    from werkzeug.test import create_environ, run_wsgi_app

    environ = create_environ(path)
    environ["HTTP_COOKIE"] = cookie  # WSGI's header strings are the bytes read as latin-1
    body, status, _ = run_wsgi_app(app, environ, buffered=True)
    assert status.split()[0] in ("200", "302"), status
