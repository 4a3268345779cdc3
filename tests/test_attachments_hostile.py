"""The hostile-file corpus (tests/data/hostile, its sources in SOURCES.md) through the upload:
each refused file with its reason and nothing stored; each accepted one never served as HTML
or SVG, downloaded unless it is an image, and stripped of its metadata."""

from __future__ import annotations

import io
import json

import pytest
from PIL import Image

from tests import factories
from tests.conftest import REPO
from tests.test_attachments_views import _upload
from wiki.attachments import services as attachments

HOSTILE = REPO / "tests" / "data" / "hostile"
CORPUS = json.loads((HOSTILE / "corpus.json").read_text())
REFUSED = [item for item in CORPUS if item["outcome"] == "refused"]
ACCEPTED = [item for item in CORPUS if item["outcome"] != "refused"]


@pytest.fixture
def page(people):
    return factories.make_page("p2p", "Three-way match", "Text.")


def test_the_corpus_is_all_here():
    assert len(REFUSED) >= 12 and len(ACCEPTED) >= 3
    assert all((HOSTILE / item["file"]).is_file() for item in CORPUS)


@pytest.mark.parametrize("item", REFUSED, ids=[item["file"] for item in REFUSED])
def test_hostile_files_are_refused_with_the_reason(client, auth, page, item):
    auth.login("priya@example.com")
    data = (HOSTILE / item["file"]).read_bytes()
    answer = _upload(client, item["file"], data, Accept="application/json")
    assert answer.status_code == 422, answer.get_data(as_text=True)
    assert item["detail"] in answer.get_json()["message"]
    assert attachments.current_attachments(page.id) == {}


def test_accepted_files_are_never_served_as_a_page(client, auth, page):
    auth.login("priya@example.com")
    for item in ACCEPTED:
        data = (HOSTILE / item["file"]).read_bytes()
        answer = _upload(client, item["file"], data, Accept="application/json")
        assert answer.status_code == 201, item["file"]
        served = client.get(answer.get_json()["url"])
        disposition = served.headers["Content-Disposition"]
        assert served.mimetype == item["detail"], item["file"]
        assert disposition.startswith(item["outcome"]), (item["file"], disposition)
        assert served.headers["X-Content-Type-Options"] == "nosniff"
        assert served.headers["Content-Security-Policy"] == "sandbox; default-src 'none'"
        if item["file"] == "gps-photo.jpg":
            image = Image.open(io.BytesIO(served.data))
            assert not image.getexif() and b"HostileCam" not in served.data
