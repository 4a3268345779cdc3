"""Review-due notices: each owner hears once per due date that a page of theirs needs a review."""

from __future__ import annotations

from datetime import datetime

from wiki import events
from wiki.extensions import db
from wiki.notifications.services import notify
from wiki.processes.history import pages_due_for_review


def notify_reviews_due(now: datetime) -> int:
    """Notify the owner of every overdue page; a page notifies again only after a new due date."""
    made = 0
    for page in pages_due_for_review(now):
        if page.owner is None:
            continue
        due = page.review_due_at.date().isoformat()
        notices = notify(
            [page.owner],
            "review_due",
            f"Due for review: {page.title}",
            f"{page.title} in {page.process.name} was due for review on {due}. Read it, "
            "fix what has changed, and mark it reviewed.",
            f"/p/{page.path}",
            dedupe_key=f"review-due:page:{page.id}:{due}",
        )
        if notices:  # the first time for this due date: announced once, like the notice
            events.page_review_due.send(page)
        made += len(notices)
    db.session.commit()
    return made
