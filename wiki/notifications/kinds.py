"""The kinds of notification, as each person sees them in their preferences."""

from __future__ import annotations

# kind → what it is about. Later domains add theirs here.
KINDS: dict[str, str] = {
    "question_asked": "A question is routed to you",
    "question_answered": "Your question has an answer",
    "question_follow_up": "A follow-up on a question you were asked or answered",
    "question_reminder": "Reminder: a question waits for your answer",
    "question_escalated": "A question went unanswered too long",
    "question_documented": "A question was turned into a page",
    "question_publication_asked": "You are asked to let a private question go into the wiki",
    "question_publication_allowed": "A private question may go into the wiki",
    "review_due": "A page you own is due for review",
    "verification_review": "A page you verified changed: review it",
    "verification_due": "A page you verify is about to expire, or expired",
    "verification_passed": "A page's verification passed to you",
    "page_changed": "A page you read or have in your plan changed in a way that matters",
    "dependency_changed": "A page or course module of yours depends on a page that changed",
    "expertise_changed": "Someone changed your expertise",
    "buddy_assigned": "A buddy is assigned to you, or you to a newcomer",
    "introduction": "You are introduced to someone",
    "coaching_recorded": "Someone recorded a coaching session with you",
    "coaching_answered": "Your coaching session was accepted or declined",
    "peer_group": "Your peer coaching group: you joined, or a meeting was recorded",
    "feedforward": "FeedForward: asked for ideas, an idea for you, thanks for yours",
    "gap_assigned": "A gap is planned for you to document",
    "gap_logged": "A gap is logged in a process you follow",
    "watched_change": "A page you watch changed: edited, added, moved, reviewed, commented on",
    "mention": "Someone mentioned you in a comment",
    "change_request": "A change to a page you approve waits for your approval",
    "change_request_decided": "Your change request was approved, sent back or rejected",
    "sign_in_help": "A link to sign in on your device after failed sign-ins to your account",
    "webhook_paused": "A webhook you added was paused after failing again and again",
}

# What someone is waiting for, or must act on, comes by mail at once; what only keeps them
# informed comes in the daily digest. A person's own choice overrides either.
DIGEST_BY_DEFAULT = frozenset(
    {
        "question_documented",
        "question_publication_allowed",
        "review_due",
        "verification_due",
        "verification_passed",
        "dependency_changed",
        "expertise_changed",
        "coaching_answered",
        "peer_group",
        "feedforward",
        "gap_logged",
        "watched_change",
    }
)

# Kinds only some roles can receive (only admins add webhooks): the settings show them to those.
KIND_ROLES: dict[str, tuple[str, ...]] = {"webhook_paused": ("admin",)}


def default_delivery(kind: str) -> str:
    return "digest" if kind in DIGEST_BY_DEFAULT else "immediate"


def kinds_for(roles: set[str]) -> dict[str, str]:
    """The kinds a person with these roles can receive, in the settings' order."""
    return {
        kind: label
        for kind, label in KINDS.items()
        if kind not in KIND_ROLES or roles.intersection(KIND_ROLES[kind])
    }
