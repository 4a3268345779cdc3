"""Leavers and movers: the directory's word on who may still use the wiki, applied to the
accounts it manages (run by `wiki users sync`, and by `wiki tick` when a directory is set)."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import select

from wiki import events
from wiki.audit import services as audit
from wiki.auth.models import User
from wiki.auth.services import apply_company_entry
from wiki.auth.tokens import revoke_tokens_of
from wiki.extensions import db


@dataclass
class SyncOutcome:
    deactivated: list[str] = field(default_factory=list)  # "email (why)"
    updated: list[str] = field(default_factory=list)
    # "email (why)": a change the wiki could not take, left for an admin.
    not_updated: list[str] = field(default_factory=list)


def sync_with_directory() -> SyncOutcome | None:
    """None when no directory is configured; raises CompanySignInUnavailable when it is down, in
    which case nobody is deactivated (a directory that does not answer is no proof of leaving)."""
    if not current_app.config["LDAP_URL"]:
        return None
    from wiki.auth import directory  # ldap3 only for a wiki that uses a directory

    company = directory.Directory(current_app.config)
    everyone = company.everyone()
    outcome = SyncOutcome()
    managed = db.session.scalars(
        select(User).where(User.directory_dn.is_not(None), User.active.is_(True))
    ).all()
    for person in managed:
        found = everyone.get(person.directory_dn.lower())
        if found is None or not found.roles:
            why = "gone from the directory" if found is None else "in no mapped group"
            person.active = False
            events.person_deactivated.send(person, actor=None)
            person.session_generation += 1  # every session of theirs ends now
            revoke_tokens_of(person)
            audit.record(
                "deactivated",
                subject=f"person:{person.id}",
                subject_label=person.email,
                detail=f"directory sync: {why}",
            )
            outcome.deactivated.append(f"{person.email} ({why})")
            continue
        before = (person.name, person.email, person.roles)
        if not apply_company_entry(person, found):
            outcome.not_updated.append(
                f"{person.email} (the directory's {found.email} belongs to another account)"
            )
        if (person.name, person.email, person.roles) != before:
            outcome.updated.append(person.email)
    db.session.commit()
    return outcome
