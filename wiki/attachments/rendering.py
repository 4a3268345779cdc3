"""`attachment:name` in page markdown: a Markdown tree processor that points images and links
at the current version of the page's file of that name, before the sanitiser runs."""

from __future__ import annotations

import xml.etree.ElementTree as etree
from collections.abc import Callable
from dataclasses import dataclass

import markdown
from flask import url_for
from markdown.treeprocessors import Treeprocessor

from wiki.attachments import services
from wiki.attachments.models import Attachment
from wiki.attachments.names import name_from_reference
from wiki.processes.models import Page


@dataclass(frozen=True)
class FileTarget:
    url: str
    is_image: bool = False
    width: int | None = None
    height: int | None = None
    exists: bool = True


FileResolver = Callable[[str], FileTarget]


def resolver_for(page: Page) -> FileResolver:
    """Names resolve to content addresses, so the HTML rendered once per revision stays right
    until an upload or removal on the page forgets it (services.store_prepared)."""
    current = services.current_attachments(page.id)

    def resolve(name: str) -> FileTarget:
        attachment = current.get(name)
        if attachment is None:
            # Not uploaded (yet): the name's own address, which answers once it is.
            url = url_for("attachments.by_name", path=page.path, name=name)
            return FileTarget(url, exists=False)
        blob = attachment.blob
        return FileTarget(
            file_url(attachment),
            attachment.is_image,
            blob.width,
            blob.height,
        )

    return resolve


def file_url(attachment: Attachment) -> str:
    """The content address of one version of a file: its bytes never change there."""
    return url_for("attachments.file", sha256=attachment.blob_sha256, name=attachment.name)


def attachment_extension(page: Page) -> markdown.Extension:
    return _AttachmentExtension(resolver_for(page))


class _AttachmentExtension(markdown.Extension):
    def __init__(self, resolve: FileResolver):
        super().__init__()
        self.resolve = resolve

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 (Markdown's API)
        # After the inline patterns (20) have made the <img> and <a> elements.
        md.treeprocessors.register(_AttachmentTargets(md, self.resolve), "attachments", 15)


class _AttachmentTargets(Treeprocessor):
    def __init__(self, md: markdown.Markdown, resolve: FileResolver):
        super().__init__(md)
        self.resolve = resolve

    def run(self, root: etree.Element) -> None:
        for element in root.iter():
            attribute = {"img": "src", "a": "href"}.get(element.tag)
            name = name_from_reference(element.get(attribute, "")) if attribute else None
            if name is None:
                continue
            target = self.resolve(name)
            if element.tag == "a":
                element.set("href", target.url)
            elif target.exists and not target.is_image:
                # ![Policy](attachment:policy.pdf): a file is not a picture; link it instead.
                alt = element.get("alt") or name
                element.attrib.clear()
                element.tag, element.text = "a", alt
                element.set("href", target.url)
            else:
                element.set("src", target.url)
                if target.width and target.height:
                    element.set("width", str(target.width))
                    element.set("height", str(target.height))
            if not target.exists:
                element.set("title", f"{name}: not uploaded to this page (yet)")
