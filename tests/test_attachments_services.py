"""Attachment services: versions, one blob per content, removal rules, metadata stripped,
references by name that survive renames, moves and reverts, and nothing half-stored."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import func, select

from tests import factories
from wiki.attachments import services as attachments
from wiki.attachments.models import Attachment, Blob
from wiki.errors import NotAllowed, ValidationError
from wiki.extensions import db
from wiki.processes import pages, tree


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_same_name_makes_versions_and_same_content_is_stored_once(people):
    page = factories.make_page("p2p", "Three-way match")
    other = factories.make_page("p2p", "Payments")
    first = factories.attach(page, "zap-hold.png", uploader=people["member"])
    second = factories.attach(page, "zap-hold.png", factories.image_bytes(color=(200, 0, 0)))
    copy = factories.attach(other, "same.png", uploader=people["member"])
    assert (first.version, second.version) == (1, 2)
    assert copy.blob_sha256 == first.blob_sha256
    assert _count(Blob) == 2 and _count(Attachment) == 3
    history = attachments.history(page)
    assert [(entry.name, [v.version for v in entry.versions]) for entry in history] == [
        ("zap-hold.png", [2, 1])
    ]
    assert history[0].current.id == second.id


def test_exif_and_gps_are_stripped_and_the_photo_keeps_its_orientation(people):
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0112] = 6  # Orientation: the camera was turned; display rotated 90°
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (52.0, 22.0, 7.5), 3: "E", 4: (4.0, 53.0, 12.0)})
    photo = factories.image_bytes(60, 20, format="JPEG", exif=exif.tobytes(), quality=90)
    assert b"PhoneMaker" in photo
    page = factories.make_page("p2p", "Three-way match")
    stored = attachments.blob_content(factories.attach(page, "desk.jpg", photo).blob_sha256)
    image = Image.open(io.BytesIO(stored))
    assert b"PhoneMaker" not in stored and not image.getexif() and "exif" not in image.info
    assert image.size == (20, 60)  # turned upright before the orientation tag went


def test_refused_files_leave_nothing_behind(people):
    page = factories.make_page("p2p", "Three-way match")
    for name, data, reason in [
        ("empty.txt", b"", "is empty"),
        ("page.png", b"<html><script>alert(1)</script></html>", "HTML, SVG or XML"),
        ("notes.exe", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" * 10, "cannot tell what"),
        ("photo.png", factories.image_bytes(format="JPEG"), "named as a PNG image"),
    ]:
        with pytest.raises(ValidationError) as refused:
            factories.attach(page, name, data)
        assert reason in refused.value.errors["file"], name
    assert _count(Blob) == 0 and _count(Attachment) == 0


def test_a_file_over_the_limit_is_refused_with_413(app, people):
    app.config["MAX_UPLOAD_MB"] = 1
    page = factories.make_page("p2p", "Three-way match")
    with pytest.raises(attachments.UploadTooLarge) as refused:
        factories.attach(page, "big.txt", b"x" * (1024 * 1024 + 1))
    assert refused.value.status_code == 413 and "at most 1 MB" in refused.value.message
    assert _count(Blob) == 0


def test_names_are_normalised(people):
    page = factories.make_page("p2p", "Three-way match")
    cases = {
        "C:\\Users\\jill\\Desktop\\report.txt": "report.txt",
        "../../etc/passwd.txt": "passwd.txt",  # outside-path: on purpose
        "invoice\u202egpj.txt": "invoicegpj.txt",  # a right-to-left override hiding ".txt"
        "  tab\tand\nnewline .txt": "tab and newline .txt",
        "...hidden.txt": "hidden.txt",
        "notes": "notes.txt",  # no extension: the type's own is added
    }
    for raw, expected in cases.items():
        assert factories.attach(page, raw, b"some words\n").name == expected


def test_who_may_remove_and_removal_is_recorded(people):
    page = factories.make_page("p2p", "Three-way match", author=people["trainer"])
    mine = factories.attach(page, "a.png", uploader=people["member"])
    theirs = factories.attach(page, "b.png", factories.image_bytes(color=(1, 2, 3)))
    with pytest.raises(NotAllowed):
        attachments.remove_attachment(people["newcomer"], mine)
    attachments.remove_attachment(people["member"], mine)  # the uploader
    attachments.remove_attachment(people["trainer"], theirs)  # the page's owner
    removed = db.session.get(Attachment, mine.id)
    assert removed.removed_by_id == people["member"].id and removed.removed_at is not None
    assert attachments.current_attachments(page.id) == {}
    assert [entry.current for entry in attachments.history(page)] == [None, None]


def test_references_by_name_follow_the_page_through_rename_move_and_revert(app, people):
    body = "![Hold queue](attachment:zap-hold.png) and [the policy](attachment:policy.pdf)"
    page = factories.make_page("p2p/invoices", "Three-way match", body)
    image = factories.attach(page, "zap-hold.png")
    html = pages.rendered_html(pages.latest_revision(page))
    image_url = f"/files/{image.blob_sha256}/zap-hold.png"
    assert f'src="{image_url}"' in html and 'height="30"' in html and 'width="40"' in html
    # Not uploaded yet: the name's own address, until an upload renders the page anew.
    assert 'href="/p/p2p/invoices/three-way-match/attachments/policy.pdf"' in html
    pdf = factories.attach(page, "policy.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    html = pages.rendered_html(pages.latest_revision(page))
    assert f'href="/files/{pdf.blob_sha256}/policy.pdf"' in html
    pages.save_page(people["admin"], page, pages.PageDraft("Matching", "Gone."), 1)
    pages.move_page(people["admin"], page, factories.make_process("r2r"))
    pages.revert_page(people["admin"], page, 1)
    html = pages.rendered_html(pages.latest_revision(page))
    assert page.path == "r2r/three-way-match" and f'src="{image_url}"' in html


def test_an_image_reference_to_a_file_that_is_not_an_image_becomes_a_link(people):
    page = factories.make_page("p2p", "Policies", "![Travel policy](attachment:travel.txt)")
    factories.attach(page, "travel.txt", b"Book trains.\n")
    html = pages.rendered_html(pages.latest_revision(page))
    assert "<img" not in html and ">Travel policy</a>" in html


def test_deleting_a_page_takes_its_files_and_tick_purges_unused_bytes(people):
    page = factories.make_page("p2p", "Three-way match")
    kept = factories.make_page("p2p", "Payments")
    factories.attach(page, "only-here.png", factories.image_bytes(color=(9, 9, 9)))
    shared = factories.attach(page, "shared.png").blob_sha256
    factories.attach(kept, "shared.png")
    pages.delete_page(people["admin"], page)
    assert _count(Attachment) == 1 and _count(Blob) == 2
    assert attachments.purge_unused_blobs() == 1
    assert [blob.sha256 for blob in db.session.scalars(select(Blob))] == [shared]
    assert tree.get_process("p2p")  # the process stays


def test_file_names_are_searchable_and_a_removal_takes_them_out(people):
    from wiki.search import services as search

    page = factories.make_page("p2p", "Three-way match", "Nothing about holds here.")
    screenshot = factories.attach(page, "zap-hold-queue.png")
    hits = search.search(people["member"], "queue").results.hits
    assert ["".join(text for text, _ in hit.title) for hit in hits] == ["Three-way match"]
    attachments.remove_attachment(people["admin"], screenshot)
    assert search.search(people["member"], "queue").results.hits == []


@pytest.mark.parametrize(
    ("size", "shown"),
    [
        (10 * 1024 * 1024 + 1, "10.1 MB"),  # once "is 10 MB; files may be at most 10 MB"
        (int(10.04 * 1024 * 1024), "10.1 MB"),
        (int(10.87 * 1024 * 1024), "10.9 MB"),
        (int(11.4 * 1024 * 1024), "11.4 MB"),
    ],
)
def test_a_file_over_the_limit_is_never_said_to_be_the_limit(size, shown):
    from wiki.attachments.intake import FileTooLarge, prepare_file

    with pytest.raises(FileTooLarge) as refused:
        prepare_file("scan.png", b"x" * size, 10 * 1024 * 1024)
    assert str(refused.value.args[0] if refused.value.args else refused.value) == (
        f"“scan.png” is too large ({shown}); files may be at most 10 MB. Nothing was stored."
    )
