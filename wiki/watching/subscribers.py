"""Watchers hear of what happens to the pages they watch: receivers of the pages' events
(and of the comments on them)."""

from __future__ import annotations

from wiki import events
from wiki.watching.services import tell_watchers


def connect() -> None:
    events.page_created.connect(_created, weak=False)
    events.page_edited.connect(_edited, weak=False)
    events.page_moved.connect(_moved, weak=False)
    events.page_reviewed.connect(_reviewed, weak=False)
    events.page_verified.connect(_verified, weak=False)
    events.file_added.connect(_file_added, weak=False)
    events.file_removed.connect(_file_removed, weak=False)
    events.comment_added.connect(_comment_added, weak=False)


def _created(page, actor) -> None:
    tell_watchers(page, actor, "added")


def _edited(page, actor, minor: bool = False) -> None:
    tell_watchers(page, actor, "edited")


def _moved(page, actor, old_path: str) -> None:
    tell_watchers(page, actor, f"moved to {page.process.name}")


def _reviewed(page, actor) -> None:
    tell_watchers(page, actor, "reviewed")


def _verified(page, actor) -> None:
    tell_watchers(page, actor, "verified")


def _file_added(page, actor, name: str) -> None:
    tell_watchers(page, actor, f"added the file {name} to", f"file {name} added")


def _file_removed(page, actor, name: str) -> None:
    tell_watchers(page, actor, f"removed the file {name} from", f"file {name} removed")


def _comment_added(comment, actor) -> None:
    tell_watchers(comment.page, actor, "commented on", "new comment")
