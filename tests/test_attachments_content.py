"""Attachments in `wiki content export` and `load`: files beside the page's markdown, checked
by hash; load, export, load changes nothing; a changed file is a new version; a damaged or
hostile one stops the load before anything is written."""

from __future__ import annotations

import hashlib
import re

import yaml
from sqlalchemy import func, select

from tests import factories
from tests.test_content_cli import run
from wiki.attachments import services as attachments
from wiki.attachments.models import Attachment
from wiki.extensions import db
from wiki.processes import pages


def _page_file(root, name="three-way-match"):
    return root / "processes" / "p2p" / f"{name}.md"


def _front_matter(page_file) -> dict:
    return yaml.safe_load(page_file.read_text().split("---\n")[1])


def _versions() -> int:
    return db.session.scalar(select(func.count()).select_from(Attachment))


def test_export_writes_files_beside_the_page_and_reloads_unchanged(app, tmp_path, people):
    page = factories.make_page("p2p", "Three-way match", "![Hold](attachment:zap-hold.png)")
    factories.attach(page, "zap-hold.png", factories.image_bytes(color=(1, 1, 1)))
    newest = factories.attach(page, "zap-hold.png")
    factories.attach(page, "rates.csv", b"currency,rate\nEUR,1.08\n")
    exported = tmp_path / "export"
    assert run(app, "content", "export", str(exported)).exit_code == 0
    page_file = _page_file(exported)
    folder = page_file.with_name("three-way-match.files")
    assert sorted(p.name for p in folder.iterdir()) == ["rates.csv", "zap-hold.png"]
    assert (folder / "zap-hold.png").read_bytes() == attachments.blob_content(newest.blob_sha256)
    assert _front_matter(page_file)["attachments"] == {
        "rates.csv": hashlib.sha256(b"currency,rate\nEUR,1.08\n").hexdigest(),
        "zap-hold.png": newest.blob_sha256,
    }
    again = run(app, "content", "load", str(exported))
    assert "0 created, 0 updated" in again.output, again.output
    assert _versions() == 3


def test_a_changed_file_loads_as_a_new_version_and_the_page_shows_it(app, tmp_path, people):
    page = factories.make_page("p2p", "Three-way match", "![Hold](attachment:zap-hold.png)")
    factories.attach(page, "zap-hold.png")
    exported = tmp_path / "export"
    run(app, "content", "export", str(exported))
    page_file = _page_file(exported)
    changed = factories.image_bytes(color=(250, 0, 0))
    (page_file.with_name("three-way-match.files") / "zap-hold.png").write_bytes(changed)
    text = page_file.read_text().replace(
        _front_matter(page_file)["attachments"]["zap-hold.png"],
        hashlib.sha256(changed).hexdigest(),
    )
    page_file.write_text(text)
    result = run(app, "content", "load", str(exported))
    assert "updated file p2p/three-way-match/zap-hold.png" in result.output, result.output
    current = attachments.current_attachments(page.id)["zap-hold.png"]
    assert current.version == 2
    assert current.blob_sha256 in pages.rendered_html(pages.latest_revision(page))


def test_a_damaged_copy_or_a_hostile_file_stops_the_load(app, tmp_path, people):
    page = factories.make_page("p2p", "Three-way match", "Text.")
    factories.attach(page, "zap-hold.png")
    exported = tmp_path / "export"
    run(app, "content", "export", str(exported))
    page_file = _page_file(exported)
    image = page_file.with_name("three-way-match.files") / "zap-hold.png"
    image.write_bytes(image.read_bytes()[:-10])
    result = run(app, "content", "load", str(exported))
    assert "zap-hold.png: its SHA-256 is not the one three-way-match.md lists" in result.output
    hostile = b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>"
    image.write_bytes(hostile)
    page_file.write_text(
        page_file.read_text().replace(
            _front_matter(page_file)["attachments"]["zap-hold.png"],
            hashlib.sha256(hostile).hexdigest(),
        )
    )
    result = run(app, "content", "load", str(exported))
    assert result.exit_code != 0 and "never stores" in result.output
    assert "Nothing was loaded." in result.output and _versions() == 1
    (image.parent / "stray.txt").write_text("not listed")
    result = run(app, "content", "load", str(exported))
    assert "stray.txt: not listed under “attachments” in three-way-match.md" in result.output


def test_the_demo_pages_show_their_drawn_images(app, client, auth, people):
    from tests.conftest import REPO

    assert run(app, "content", "load", str(REPO / "content")).exit_code == 0
    auth.login("jill@example.com")
    shown = 0
    for path in (
        "procure-to-pay/procure-to-pay-overview",
        "procure-to-pay/invoice-processing/three-way-match",
        "procure-to-pay/invoice-processing/exceptions/working-the-zap-hold-queue",
    ):
        html = client.get(f"/p/{path}").get_data(as_text=True)
        for source in re.findall(r'<img alt="[^"]+" height="\d+" src="(/files/[^"]+)"', html):
            image = client.get(source)
            assert image.status_code == 200 and image.mimetype == "image/png"
            shown += 1
    assert shown >= 3
