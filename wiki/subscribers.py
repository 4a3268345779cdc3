"""Who hears of the domains' events (wiki.events), wired once by create_app. The order is the
order each event's receivers run in: the audit entry first, then watchers, then the question
a new page was made from, then what a change to a verified page sets off, then webhooks."""

from __future__ import annotations

from wiki.audit import subscribers as audit
from wiki.questions import subscribers as questions
from wiki.verification import propagation as verification
from wiki.watching import subscribers as watching
from wiki.webhooks import events as webhooks


def connect_all() -> None:
    """Connect every receiver; connecting one again changes nothing (blinker keeps one
    connection per receiver), so each app the tests make may call it."""
    audit.connect()
    watching.connect()
    questions.connect()
    verification.connect()
    webhooks.connect()
