"""What the audit log keeps of the pages' events: reverts, moves and deletions, and each step
of a change request, with who."""

from __future__ import annotations

from wiki import events
from wiki.audit.services import record


def connect() -> None:
    events.page_reverted.connect(_reverted, weak=False)
    events.page_moved.connect(_moved, weak=False)
    events.page_deleted.connect(_deleted, weak=False)
    events.change_request_opened.connect(_request_opened, weak=False)
    for signal in (
        events.change_request_approved,
        events.change_request_changes_asked,
        events.change_request_rejected,
    ):
        signal.connect(_request_decided, weak=False)


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


def _request_opened(request, actor, updated: bool = False) -> None:
    _request_step("change_request_opened", request, actor, "updated" if updated else "")


def _request_decided(request, actor) -> None:
    revision = f"revision {request.revision_number}" if request.revision_number else ""
    _request_step(f"change_request_{request.state}", request, actor, revision or request.comment)


def _request_step(kind: str, request, actor, detail: str) -> None:
    record(
        kind,
        actor,
        subject=f"change_request:{request.id}",
        subject_label=request.subject_path,
        detail=detail[:500],
    )
