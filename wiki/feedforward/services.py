"""FeedForward: a person asks chosen peers for ideas to get better at something; the peers
suggest, for the future only; the requester notes each idea and thanks its giver.

The requester sees every suggestion; a peer sees the request and their own suggestions."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import or_, select

from wiki.auth.models import User
from wiki.errors import NotAllowed, NotFound, ValidationError
from wiki.extensions import db
from wiki.feedforward.models import FeedForwardAsk, FeedForwardRequest, FeedForwardSuggestion
from wiki.notifications.services import notify
from wiki.textutil import clean_line, clean_text
from wiki.timeutil import utcnow

MAX_PEERS = 10
MAX_SUGGESTION = 2000
MAX_NOTE = 1000


def requests_involving(person: User) -> list[FeedForwardRequest]:
    """The person's own requests and those they were asked for, newest first."""
    asked = select(FeedForwardAsk.request_id).where(FeedForwardAsk.user_id == person.id)
    return list(
        db.session.scalars(
            select(FeedForwardRequest)
            .where(
                or_(FeedForwardRequest.requester_id == person.id, FeedForwardRequest.id.in_(asked))
            )
            .order_by(FeedForwardRequest.created_at.desc(), FeedForwardRequest.id.desc())
        )
    )


def get_request(viewer: User, request_id: int) -> FeedForwardRequest:
    request = db.session.get(FeedForwardRequest, request_id)
    if request is None or (
        viewer.id != request.requester_id and viewer.id not in request.asked_ids()
    ):
        raise NotFound("There is no such request for you.")
    return request


def visible_suggestions(viewer: User, request: FeedForwardRequest) -> list[FeedForwardSuggestion]:
    if viewer.id == request.requester_id:
        return list(request.suggestions)
    return [s for s in request.suggestions if s.giver_id == viewer.id]


def ask(requester: User, goal: str, peer_ids: Iterable[int]) -> FeedForwardRequest:
    errors: dict[str, str] = {}
    goal = clean_line(goal)
    if not goal:
        errors["goal"] = "Say what you want to get better at."
    elif len(goal) > 300:
        errors["goal"] = "Keep it to 300 characters."
    peers = [
        person
        for person in db.session.scalars(select(User).where(User.id.in_(set(peer_ids))))
        if person.active and person.id != requester.id
    ]
    if not 1 <= len(peers) <= MAX_PEERS:
        errors["peers"] = f"Choose from one to {MAX_PEERS} peers to ask."
    if errors:
        raise ValidationError(errors)
    request = FeedForwardRequest(
        requester=requester, goal=goal, asked=[FeedForwardAsk(user=peer) for peer in peers]
    )
    db.session.add(request)
    db.session.flush()
    notify(
        peers,
        "feedforward",
        f"{requester.name} asks for your ideas",
        f"“I want to get better at {goal}.” Suggest what they could do from now on.",
        f"/feedforward/{request.id}",
    )
    db.session.commit()
    return request


def suggest(giver: User, request: FeedForwardRequest, text: str) -> FeedForwardSuggestion:
    if giver.id not in request.asked_ids():
        raise NotAllowed("Only the peers asked can suggest.")
    text = clean_text(text).strip()
    if not text:
        raise ValidationError({"text": "Write your idea for the future."})
    if len(text) > MAX_SUGGESTION:
        raise ValidationError(
            {"text": f"Keep it to {MAX_SUGGESTION} characters; this is {len(text)}."}
        )
    suggestion = FeedForwardSuggestion(request=request, giver=giver, text=text)
    db.session.add(suggestion)
    db.session.flush()
    notify(
        [request.requester],
        "feedforward",
        f"{giver.name} suggested an idea",
        f"For getting better at {request.goal}.",
        f"/feedforward/{request.id}#suggestion-{suggestion.id}",
    )
    db.session.commit()
    return suggestion


def decline(peer: User, request: FeedForwardRequest) -> None:
    """A peer asked says no: they leave the request (and its list, and their notifications of
    it), and the requester is told; ideas they sent before stay with the requester."""
    ask_row = next((row for row in request.asked if row.user_id == peer.id), None)
    if ask_row is None:
        raise NotAllowed("You were not asked for this.")
    request.asked.remove(ask_row)
    notify(
        [request.requester],
        "feedforward",
        f"{peer.name} cannot help with this one",
        f"They declined your request about getting better at {request.goal}.",
        f"/feedforward/{request.id}",
    )
    db.session.commit()


def own_suggestion(requester: User, suggestion_id: int) -> FeedForwardSuggestion:
    suggestion = db.session.get(FeedForwardSuggestion, suggestion_id)
    if suggestion is None or suggestion.request.requester_id != requester.id:
        raise NotFound("There is no such suggestion for you.")
    return suggestion


def note(requester: User, suggestion: FeedForwardSuggestion, text: str) -> None:
    text = clean_text(text).strip()
    if len(text) > MAX_NOTE:
        raise ValidationError({"note": f"Keep the note to {MAX_NOTE} characters."})
    suggestion.note = text
    db.session.commit()


def thank(requester: User, suggestion: FeedForwardSuggestion) -> None:
    if suggestion.thanked_at is None:
        suggestion.thanked_at = utcnow()
        notify(
            [suggestion.giver],
            "feedforward",
            f"{requester.name} thanks you for your idea",
            f"Your idea for getting better at {suggestion.request.goal}.",
            f"/feedforward/{suggestion.request_id}#suggestion-{suggestion.id}",
        )
        db.session.commit()
