"""What the audit log keeps of the pages' events: reverts, moves and deletions, with who."""

from __future__ import annotations

from wiki import events
from wiki.audit.services import record


def connect() -> None:
    events.page_reverted.connect(_reverted, weak=False)
    events.page_moved.connect(_moved, weak=False)
    events.page_deleted.connect(_deleted, weak=False)


def _reverted(page, actor, number: int) -> None:
    record(
        "page_reverted",
        actor,
        subject=f"page:{page.id}",
        subject_label=page.path,
        detail=f"to revision {number}",
    )


def _moved(page, actor, old_path: str) -> None:
    record(
        "page_moved",
        actor,
        subject=f"page:{page.id}",
        subject_label=page.title,
        detail=f"{old_path} → {page.path}",
    )


def _deleted(page, actor) -> None:
    record("page_deleted", actor, subject=f"page:{page.id}", subject_label=page.path)
