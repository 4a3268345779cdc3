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


def _gif(frames: int, delay: bytes = b"\x01\x00") -> bytes:
    """A GIF of one-pixel frames, written byte by byte (Pillow would merge identical ones)."""
    screen = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00"
    control = b"!\xf9\x04\x00" + delay + b"\x00\x00"
    image = b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00"
    return screen + (control + image) * frames + b";"


def test_an_animation_of_too_many_frames_is_refused_before_it_is_decoded(client, auth, page):
    """160,000 one-pixel frames took minutes to accept: the pixel limit did not see them."""
    auth.login("priya@example.com")
    answer = _upload(client, "bomb.gif", _gif(20_000), Accept="application/json")
    assert answer.status_code == 422
    assert "The animation has 20,000 frames; at most 1,000" in answer.get_json()["message"]
    assert attachments.current_attachments(page.id) == {}
    assert _upload(client, "fine.gif", _gif(3), Accept="application/json").status_code == 201


def test_a_gif_pillow_cannot_write_back_is_refused_and_the_editors_text_kept(client, auth, page):
    """Two identical frames at the longest delay: Pillow merges them, and the sum overflows."""
    from tests.test_attachments_views import multipart

    auth.login("priya@example.com")
    longest = _gif(2, delay=b"\xff\xff")
    answer = _upload(client, "slow.gif", longest, Accept="application/json")
    assert answer.status_code == 422
    assert "cannot be written again" in answer.get_json()["message"]
    form = {"title": "Three-way match", "body": "My unsaved words.", "base_revision": "1"}
    editor = multipart(
        client,
        "/p/p2p/three-way-match/+edit",
        {**form, "action": "upload", "file": (io.BytesIO(longest), "slow.gif")},
    )
    text = editor.get_data(as_text=True)
    assert editor.status_code == 422
    assert "My unsaved words." in text and "cannot be written again" in text
    assert attachments.current_attachments(page.id) == {}
