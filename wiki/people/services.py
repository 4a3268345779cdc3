"""Reading a person's profile: who they are, the pages they own and what they wrote lately."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from wiki.auth.models import User
from wiki.errors import NotFound
from wiki.extensions import db
from wiki.processes.models import Page, Revision


@dataclass
class Profile:
    person: User
    owned_pages: list[Page]
    recent_revisions: list[Revision]


def get_profile(person_id: int) -> Profile:
    person = db.session.get(User, person_id)
    if person is None:
        raise NotFound("There is nobody with that number.", "person")
    owned = db.session.scalars(
        select(Page).where(Page.owner_id == person.id).order_by(Page.title)
    ).all()
    recent = db.session.scalars(
        select(Revision)
        .where(Revision.author_id == person.id)
        .order_by(Revision.created_at.desc(), Revision.id.desc())
        .limit(10)
    ).all()
    return Profile(person=person, owned_pages=list(owned), recent_revisions=list(recent))
