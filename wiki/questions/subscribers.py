"""What questions hear of other domains: a new page made from a question, held for approval
and approved, credits the question as a page made at once does."""

from __future__ import annotations

from wiki import events
from wiki.questions import to_page


def connect() -> None:
    events.change_request_approved.connect(_credit_question, weak=False)


def _credit_question(request, **_) -> None:
    to_page.credit_approved_page(request)
