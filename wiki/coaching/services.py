"""Recording and reading coaching sessions. Confidential: every read goes through
`get_session`, which shows a session to its two participants only (not to admins), and the
partner's notification says that a session was recorded, never what it says."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, or_, select

from wiki.auth.models import User
from wiki.coaching.models import CoachingAction, CoachingOption, CoachingSession
from wiki.errors import NotAllowed, NotFound, ValidationError
from wiki.extensions import db
from wiki.forms import date_field
from wiki.notifications.services import notify
from wiki.textutil import clean_text
from wiki.timeutil import utcnow

MAX_TEXT = 20_000


@dataclass(frozen=True)
class OptionDraft:
    description: str = ""
    pros: str = ""
    cons: str = ""

    @property
    def blank(self) -> bool:
        return not (self.description.strip() or self.pros.strip() or self.cons.strip())


@dataclass(frozen=True)
class ActionDraft:
    description: str = ""
    owner: str = ""  # "me" or "partner", as the one recording says it
    due: str = ""  # YYYY-MM-DD

    @property
    def blank(self) -> bool:
        return not (self.description.strip() or self.due.strip())


@dataclass(frozen=True)
class ReviewDraft:
    action_id: int
    status: str = ""  # done, changed or dropped
    note: str = ""  # why it changed


@dataclass(frozen=True)
class SessionDraft:
    partner_id: int | None
    my_role: str  # "coach" or "client"
    held_on: str = ""
    outcome_wanted: str = ""
    situation: str = ""
    options: list[OptionDraft] = field(default_factory=list)
    actions: list[ActionDraft] = field(default_factory=list)
    reviews: list[ReviewDraft] = field(default_factory=list)


def _pair(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def _pair_clause(a: int, b: int):
    first, second = _pair(a, b)
    return and_(
        CoachingSession.first_person_id == first, CoachingSession.second_person_id == second
    )


def is_participant(person: User, session: CoachingSession) -> bool:
    return person.id in session.participant_ids()


def get_session(viewer: User, session_id: int) -> CoachingSession:
    """The session, for one of its two participants; for anyone else (admins too) it does not
    exist."""
    session = db.session.get(CoachingSession, session_id)
    if session is None or not is_participant(viewer, session):
        raise NotFound("There is no such coaching session of yours.")
    return session


def sessions_of(person: User) -> list[CoachingSession]:
    return list(
        db.session.scalars(
            select(CoachingSession)
            .where(
                or_(CoachingSession.coach_id == person.id, CoachingSession.client_id == person.id)
            )
            .order_by(CoachingSession.held_on.desc(), CoachingSession.id.desc())
        )
    )


def last_session_between(a: User, b: User) -> CoachingSession | None:
    """The pair's last accepted session."""
    return db.session.scalar(
        select(CoachingSession)
        .where(_pair_clause(a.id, b.id), CoachingSession.accepted_at.is_not(None))
        .order_by(CoachingSession.held_on.desc(), CoachingSession.id.desc())
        .limit(1)
    )


def actions_to_review(a: User, b: User) -> list[CoachingAction]:
    """The pair's actions still open from earlier sessions: the next session reviews them."""
    return list(
        db.session.scalars(
            select(CoachingAction)
            .join(CoachingSession, CoachingSession.id == CoachingAction.session_id)
            .where(
                _pair_clause(a.id, b.id),
                CoachingSession.accepted_at.is_not(None),
                CoachingAction.status == "open",
            )
            .order_by(CoachingSession.held_on, CoachingAction.position)
        )
    )


def overdue_actions_between(a: User, b: User, today: date) -> list[CoachingAction]:
    """The pair's open actions whose date has passed, oldest first (for the participants: the
    buddy's dashboard and home show them to the buddy, who took part in the session)."""
    return [
        action
        for action in actions_to_review(a, b)
        if action.due_on is not None and action.due_on < today
    ]


def reviewed_in(session: CoachingSession) -> list[CoachingAction]:
    """The earlier actions this session reviewed (the caller has checked who reads it)."""
    return list(
        db.session.scalars(
            select(CoachingAction)
            .where(CoachingAction.reviewed_in_id == session.id)
            .order_by(CoachingAction.session_id, CoachingAction.position)
        )
    )


def record_session(actor: User, draft: SessionDraft, today: date | None = None) -> CoachingSession:
    """Record a session between the actor and a partner, with its review of the pair's open
    actions, all or nothing."""
    today = today or utcnow().date()
    errors: dict[str, str] = {}
    partner = db.session.get(User, draft.partner_id) if draft.partner_id else None
    if partner is None or not partner.active or partner.id == actor.id:
        errors["partner"] = "Choose the person you met."
    if draft.my_role not in ("coach", "client"):
        errors["my_role"] = "Say whether you were the coach or the client."
    held_on = date_field(draft.held_on, errors, "held_on") or today
    outcome_wanted = clean_text(draft.outcome_wanted).strip()
    situation = clean_text(draft.situation).strip()
    if not outcome_wanted:
        errors["outcome_wanted"] = "Say what a good outcome of today would be."
    for name, text in (("outcome_wanted", outcome_wanted), ("situation", situation)):
        if len(text) > MAX_TEXT:
            errors[name] = f"Keep it to {MAX_TEXT:,} characters; this is {len(text):,}."
    options = _options(draft.options, errors)
    actions = _actions(draft.actions, actor, partner, errors)
    reviews = _reviews(draft.reviews, actor, partner, errors) if partner else {}
    if errors:
        raise ValidationError(errors)
    coach, client = (actor, partner) if draft.my_role == "coach" else (partner, actor)
    first, second = _pair(actor.id, partner.id)
    # A pair that has worked together (a session accepted before) records at once; a first
    # session waits for the partner's word.
    agreed = last_session_between(actor, partner) is not None
    session = CoachingSession(
        coach=coach,
        client=client,
        first_person_id=first,
        second_person_id=second,
        held_on=held_on,
        outcome_wanted=outcome_wanted,
        situation=situation,
        recorded_by=actor,
        options=options,
        actions=actions,
        accepted_at=utcnow() if agreed else None,
    )
    db.session.add(session)
    db.session.flush()
    for action, (status, note) in reviews.items():
        action.status, action.review_note, action.reviewed_in_id = status, note, session.id
    # Mail and the bell say only that there is a record, never what it says.
    if agreed:
        title = f"{actor.name} recorded your coaching session"
        body = (
            f"Your session of {held_on.isoformat()} is recorded. Only the two of you can read it."
        )
    else:
        title = f"{actor.name} asks to record a coaching session with you"
        body = (
            f"Accept the session of {held_on.isoformat()} to keep it in your coaching records, "
            "or decline it: nothing is kept of a declined one."
        )
    notify([partner], "coaching_recorded", title, body, f"/coaching/{session.id}")
    db.session.commit()
    return session


def answer_session(person: User, session: CoachingSession, accept: bool) -> None:
    """The partner accepts a first session recorded with them, or declines it (it is deleted,
    with its options and actions)."""
    if not session.awaits(person):
        raise NotAllowed("This session does not wait for your answer.")
    recorder = session.recorded_by
    held_on = session.held_on.isoformat()
    if accept:
        session.accepted_at = utcnow()
        title, body = f"{person.name} accepted your coaching session", "It is in both your records."
    else:
        db.session.delete(session)
        title, body = (
            f"{person.name} declined the coaching session of {held_on}",
            "Nothing is kept of it.",
        )
    notify(
        [recorder],
        "coaching_recorded",
        title,
        body,
        f"/coaching/{session.id}" if accept else "/coaching/",
    )
    db.session.commit()


def _options(drafts: list[OptionDraft], errors: dict[str, str]) -> list[CoachingOption]:
    options = []
    for number, draft in enumerate(drafts, start=1):
        if draft.blank:
            continue
        description = clean_text(draft.description).strip()
        if not description:
            errors[f"option-{number}"] = f"Option {number} has pros or cons but no description."
            continue
        options.append(
            CoachingOption(
                position=number,
                description=description[:MAX_TEXT],
                pros=clean_text(draft.pros).strip()[:MAX_TEXT],
                cons=clean_text(draft.cons).strip()[:MAX_TEXT],
            )
        )
    return options


def _actions(
    drafts: list[ActionDraft],
    actor: User,
    partner: User | None,
    errors: dict[str, str],
) -> list[CoachingAction]:
    actions = []
    for number, draft in enumerate(drafts, start=1):
        if draft.blank:
            continue
        key = f"action-{number}"
        description = clean_text(draft.description).strip()
        due = date_field(draft.due, errors, key, missing="Give a date as YYYY-MM-DD.")
        if not description:
            errors[key] = f"Action {number} needs a description."
        elif draft.owner not in ("me", "partner"):
            errors[key] = f"Say who owns action {number}."
        if key in errors:
            continue
        owner = actor if draft.owner == "me" else partner
        actions.append(
            CoachingAction(
                position=number, description=description[:MAX_TEXT], owner=owner, due_on=due
            )
        )
    if not actions and not any(key.startswith("action-") for key in errors):
        errors["actions"] = "Agree on at least one action, with its owner and date."
    return actions


def _reviews(
    drafts: list[ReviewDraft], actor: User, partner: User, errors: dict[str, str]
) -> dict[CoachingAction, tuple[str, str]]:
    """Every open action of the pair is reviewed: done, changed (with why) or dropped."""
    given = {draft.action_id: draft for draft in drafts}
    reviews = {}
    for action in actions_to_review(actor, partner):
        draft = given.get(action.id)
        key = f"review-{action.id}"
        if draft is None or draft.status not in ("done", "changed", "dropped"):
            errors[key] = (
                f"Say what became of “{action.description[:60]}”: done, changed or dropped."
            )
        elif draft.status == "changed" and not draft.note.strip():
            errors[key] = f"Say how and why “{action.description[:60]}” changed."
        else:
            reviews[action] = (draft.status, clean_text(draft.note).strip()[:MAX_TEXT])
    return reviews
