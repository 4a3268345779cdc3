"""The rules of verification: who may verify a page, its state (verified, review due,
expired, unverified), what counts as a material change, and who hears of one."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from difflib import SequenceMatcher

from flask import current_app
from sqlalchemy import select

from wiki import events
from wiki.auth.models import User
from wiki.errors import NotAllowed, ValidationError
from wiki.extensions import db
from wiki.notifications.services import notify
from wiki.people.expertise import experts_for
from wiki.people.models import LEVELS
from wiki.processes.models import Page
from wiki.timeutil import utcnow
from wiki.verification.models import PageTrust, VerificationStep

VERIFIED, REVIEW_DUE, EXPIRED, UNVERIFIED = "verified", "review_due", "expired", "unverified"
STATE_LABELS = {
    VERIFIED: "Verified",
    REVIEW_DUE: "Review due",
    EXPIRED: "Verification expired",
    UNVERIFIED: "Not verified",
}
# A verification is "review due" from this long before it expires.
REVIEW_WINDOW = timedelta(days=14)
LONGEST = timedelta(days=730)
MIN_LEVEL = LEVELS.index("practitioner")
MAX_NOTE = 500


@dataclass(frozen=True)
class Badge:
    state: str
    verifier: User | None = None
    until: datetime | None = None
    turns_at: datetime | None = None  # when the state changes with time alone (a drawn badge's end)

    @property
    def label(self) -> str:
        return STATE_LABELS[self.state]


def trust_of(page: Page) -> PageTrust | None:
    return db.session.get(PageTrust, page.id)


def state_of(trust: PageTrust | None, now: datetime | None = None) -> str:
    now = now or utcnow()
    if trust is None:
        return UNVERIFIED
    if now >= trust.verified_until:
        return EXPIRED
    if trust.changed_at is not None or now >= trust.verified_until - REVIEW_WINDOW:
        return REVIEW_DUE
    return VERIFIED


def badge(page: Page, now: datetime | None = None) -> Badge:
    return _badge_of(trust_of(page), now)


def _badge_of(trust: PageTrust | None, now: datetime | None) -> Badge:
    if trust is None:
        return Badge(UNVERIFIED)
    state = state_of(trust, now)
    turns = {VERIFIED: trust.verified_until - REVIEW_WINDOW, REVIEW_DUE: trust.verified_until}
    return Badge(state, trust.verifier, trust.verified_until, turns.get(state))


def badges_by_key(keys: list[str], now: datetime | None = None) -> dict[str, Badge]:
    """The badges of the pages among search keys ("page:12"), in one query."""
    ids = {int(key[5:]): key for key in keys if key.startswith("page:") and key[5:].isdigit()}
    found = db.session.scalars(select(PageTrust).where(PageTrust.page_id.in_(list(ids))))
    badges = {key: Badge(UNVERIFIED) for key in ids.values()}
    for trust in found:
        badges[ids[trust.page_id]] = Badge(
            state_of(trust, now), trust.verifier, trust.verified_until
        )
    return badges


def verified_keys(keys: list[str] | None = None) -> set[str]:
    """The search keys ("page:12") of the pages verified now (a review due still counts until
    it expires), among `keys` when given."""
    query = select(PageTrust.page_id).where(PageTrust.verified_until > utcnow())
    if keys is not None:
        ids = [int(key[5:]) for key in keys if key.startswith("page:") and key[5:].isdigit()]
        if not ids:
            return set()
        query = query.where(PageTrust.page_id.in_(ids))
    return {f"page:{page_id}" for page_id in db.session.scalars(query)}


def badge_at(path: str) -> Badge | None:
    """The badge of the page at an address ("/p/<path>#section"), if it is a page."""
    page_path = path.split("#", 1)[0].removeprefix("/p/")
    page = db.session.scalar(select(Page).where(Page.path == page_path))
    return badge(page) if page is not None else None


def can_verify(person: User, page: Page) -> bool:
    """The page's owner, or an expert of its process (or a process above) at practitioner or
    above."""
    return page.owner_id == person.id or person.id in verifier_ids(page)


def verifier_ids(page: Page) -> frozenset[int]:
    """The experts who may verify the page besides its owner (the same for every viewer)."""
    return frozenset(
        entry.person.id
        for entry in experts_for(page.process, utcnow().date())
        if entry.expertise.level_rank >= MIN_LEVEL
    )


def verify(actor: User, page: Page, note: str = "", until: date | None = None) -> PageTrust:
    """Vouch for the page's current text until a date (the configured interval by default)."""
    if not can_verify(actor, page):
        raise NotAllowed(
            "Only the page's owner or an expert of its process (practitioner or above) can "
            "verify it."
        )
    now = utcnow()
    note = note.strip()
    errors: dict[str, str] = {}
    if until is None:
        expires = now + timedelta(days=current_app.config["VERIFY_DAYS"])
    else:
        expires = datetime.combine(until, time())
        if expires <= now:
            errors["until"] = "Choose a date after today."
        elif expires - now > LONGEST:
            errors["until"] = "Verify for two years at most."
    if len(note) > MAX_NOTE:
        errors["note"] = f"Keep the note to {MAX_NOTE} characters."
    if errors:
        raise ValidationError(errors)
    trust = trust_of(page) or PageTrust(page_id=page.id)
    trust.verifier_id, trust.verified_at, trust.verified_until = actor.id, now, expires
    trust.verified_revision = page.latest_revision
    trust.changed_at = trust.expiry_announced_at = trust.reminded_at = None
    db.session.add(trust)
    record_step(page, "verified", actor, until=expires, note=note)
    events.page_verified.send(page, actor=actor)
    db.session.commit()
    return trust


def record_step(
    page: Page, step: str, actor: User | None, until=None, note: str = "", revision=None
) -> None:
    db.session.add(
        VerificationStep(
            page_id=page.id,
            step=step,
            actor_id=actor.id if actor else None,
            at=utcnow(),
            until=until,
            revision=revision or page.latest_revision,
            note=note,
        )
    )


def steps_of(page: Page) -> list[VerificationStep]:
    return list(
        db.session.scalars(
            select(VerificationStep)
            .where(VerificationStep.page_id == page.id)
            .order_by(VerificationStep.at.desc(), VerificationStep.id.desc())
        )
    )


_WORD = re.compile(r"\w+")


def is_material(before: str, after: str, minor: bool = False) -> bool:
    """More than white space or a typo. The author's "minor edit" is taken at its word, except
    that a changed figure (a tolerance, a limit, an account) is always material; otherwise more
    than two changed words are."""
    old, new = _WORD.findall(before.lower()), _WORD.findall(after.lower())
    if old == new:
        return False
    changed = _changed_words(old, new)
    if any(any(character.isdigit() for character in word) for word in changed):
        return True
    return not minor and len(changed) > 2


def _changed_words(old: list[str], new: list[str]) -> list[str]:
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    changed: list[str] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            changed += old[i1:i2] + new[j1:j2]
    return changed


def backup_verifier(page: Page, instead_of: User) -> User | None:
    """The best available expert of the page's process (practitioner or above) who is not the
    person leaving: the expertise map's order (level, evidence, availability)."""
    today = utcnow().date()
    for entry in experts_for(page.process, today):
        if (
            entry.person.id != instead_of.id
            and entry.expertise.level_rank >= MIN_LEVEL
            and not entry.expertise.is_away(today)
        ):
            return entry.person
    return None


def is_away(person: User, page: Page, today: date) -> bool:
    """Away by the expertise they declared in the page's process (or one above)."""
    return any(
        entry.person.id == person.id and entry.expertise.is_away(today)
        for entry in experts_for(page.process, today)
    )


def pass_to_backup(trust: PageTrust, leaving: User, actor: User | None, why: str) -> User | None:
    """Hand the page's verification to the backup verifier, who is told; None when the
    process has nobody else to take it (the page then keeps its date and expires in time)."""
    backup = backup_verifier(trust.page, instead_of=leaving)
    if backup is None:
        return None
    trust.verifier_id = backup.id
    record_step(trust.page, "passed", actor, note=f"from {leaving.name} ({why})")
    notify(
        [backup],
        "verification_passed",
        f"You now verify “{trust.page.title}”",
        f"{leaving.name} {why}; you are the backup verifier of {trust.page.process.name}. "
        f"Keep “{trust.page.title}” verified.",
        f"/p/{trust.page.path}",
    )
    return backup


def pages_verified_by(person: User) -> list[PageTrust]:
    return list(db.session.scalars(select(PageTrust).where(PageTrust.verifier_id == person.id)))
