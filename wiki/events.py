"""What happened in the wiki, announced by the domain it happened in, in its own words and with
its own objects. A domain imports only this module; whoever must hear of a change (watching,
audit, webhooks, and later chat or verification) connects a receiver once, in create_app
(wiki.subscribers), so that a new listener never adds an import to a domain.

Receivers run at once, inside the transaction of the change: what they write or queue is
committed with it, or rolled back with it. The sender is the object the event is about; the
keyword arguments are named in each signal's comment."""

from __future__ import annotations

from blinker import Namespace

_events = Namespace()

# Pages. Keyword arguments: actor (a User, or None for the wiki itself or an import).
page_created = _events.signal("page-created")
page_edited = _events.signal("page-edited")  # and minor: the author called it a minor edit
page_reverted = _events.signal("page-reverted")  # and number: the revision brought back
page_moved = _events.signal("page-moved")  # and old_path
page_deleted = _events.signal("page-deleted")  # sent before the row goes
page_reviewed = _events.signal("page-reviewed")
page_review_due = _events.signal("page-review-due")  # no actor: the wiki notices it
page_verified = _events.signal("page-verified")
page_verification_expired = _events.signal("page-verification-expired")  # no actor
# A page's files. Keyword arguments: actor, name (the file's name on the page).
file_added = _events.signal("file-added")
file_removed = _events.signal("file-removed")

# Comments on a page: the sender is the comment; actor: who wrote it, or resolved its thread.
comment_added = _events.signal("comment-added")
comment_resolved = _events.signal("comment-resolved")

# Change requests (wiki.approvals): the sender is the request; actor: who opened it (and
# updated: it was the author's waiting request, brought up to date), or who decided it.
change_request_opened = _events.signal("change-request-opened")
change_request_approved = _events.signal("change-request-approved")
change_request_changes_asked = _events.signal("change-request-changes-asked")
change_request_rejected = _events.signal("change-request-rejected")

# Questions: the sender is the question; no keyword arguments.
question_asked = _events.signal("question-asked")
question_answered = _events.signal("question-answered")
question_escalated = _events.signal("question-escalated")

# Gaps: the sender is the gap. gap_changed carries before (the status it left).
gap_logged = _events.signal("gap-logged")
gap_changed = _events.signal("gap-changed")

# People: the sender is the person; actor: who did it (None: the directory's sync).
person_deactivated = _events.signal("person-deactivated")

# People and groups: the sender is the assignment, or the forum meeting.
buddy_assigned = _events.signal("buddy-assigned")
forum_meeting_recorded = _events.signal("forum-meeting-recorded")


def every_event() -> dict[str, object]:
    """Each event by its name, for the code map's test and for anyone listing them."""
    return dict(_events)
