"""An audit entry: who did what to which object, when and from where. Entries are never changed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wiki.auth.models import User
from wiki.extensions import db
from wiki.timeutil import utcnow

KINDS = {
    "login": "Logged in",
    "login_failed": "Failed log in",
    "logout_everywhere": "Logged out everywhere",
    "password_changed": "Password changed",
    "invitation_sent": "Invitation sent",
    "invitation_used": "Invitation used",
    "role_changed": "Roles changed",
    "company_link_allowed": "Company sign-in may link by email",
    "company_link_withdrawn": "Company sign-in link by email withdrawn",
    "company_linked": "Linked to a company account",
    "deactivated": "Deactivated",
    "reactivated": "Reactivated",
    "page_deleted": "Page deleted",
    "page_reverted": "Page reverted",
    "page_moved": "Page moved",
    "process_controlled": "Process put under control (approvers set)",
    "process_uncontrolled": "Process control removed",
    "change_request_opened": "Change request opened",
    "change_request_approved": "Change request approved",
    "change_request_changes_asked": "Change request sent back for changes",
    "change_request_rejected": "Change request rejected",
    "process_moved": "Process moved",
    "process_deleted": "Process deleted",
    "gap_merged": "Gaps merged",
    "expertise_changed": "Expertise changed by someone else",
    "content_exported": "Content exported",
    "webhook_added": "Webhook added",
    "webhook_changed": "Webhook changed",
    "webhook_removed": "Webhook removed",
    "token_created": "API token created",
    "token_revoked": "API token revoked",
    "rate_limit_hit": "Rate limit hit",
    "chat_linked": "Chat account linked",
    "chat_unlinked": "Chat account unlinked",
    "chat_refused": "Chat request refused",
}


class AuditEntry(db.Model):
    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_kind_at", "kind", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    kind: Mapped[str] = mapped_column(String(40))
    # Who acted: a person, or nobody (a failed log in, a command run from the shell).
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    # The email as it was then, or as it was typed on a failed log in.
    actor_email: Mapped[str] = mapped_column(String(254), default="")
    # The client's address ("shell" for a command).
    address: Mapped[str] = mapped_column(String(64), default="")
    # The object, as "<type>:<id>", and its name then (it may have been renamed or deleted).
    subject: Mapped[str] = mapped_column(String(60), default="")
    subject_label: Mapped[str] = mapped_column(String(300), default="")
    detail: Mapped[str] = mapped_column(String(500), default="")

    actor: Mapped[User | None] = relationship()

    @property
    def kind_label(self) -> str:
        return KINDS.get(self.kind, self.kind)


@event.listens_for(AuditEntry, "before_update")
def _entries_are_never_changed(mapper, connection, target: AuditEntry) -> None:
    raise ValueError("Audit entries are append-only.")


@event.listens_for(AuditEntry, "before_delete")
def _entries_are_never_deleted_one_by_one(mapper, connection, target: AuditEntry) -> None:
    # Only the retention job removes entries, in bulk by age (services.purge_expired).
    raise ValueError("Audit entries are append-only.")
