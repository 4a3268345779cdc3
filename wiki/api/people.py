"""API: profiles, the experts of a process ranked as on its page, and declaring expertise."""

from __future__ import annotations

from datetime import date
from typing import Literal

from flask_login import current_user
from pydantic import BaseModel, Field

from wiki.api.blueprint import bp, spec
from wiki.api.pages import PersonRef
from wiki.api.processes import PROCESS, ProcessOut, process_out
from wiki.api.schemas import (
    Body,
    Day,
    Id,
    ListQuery,
    Text,
    list_of,
    listed,
    one_page,
    responses,
)
from wiki.auth import services as accounts
from wiki.people import declarations, services
from wiki.people.expertise import ExpertEntry, experts_for
from wiki.people.models import AVAILABILITIES, LEVELS, Expertise
from wiki.processes import tree
from wiki.timeutil import utcnow

PERSON = "<int(max=2147483647):person_id>"
TAGS = ["people"]


class ExpertiseOut(BaseModel):
    id: int
    process: ProcessOut
    level: Literal[*LEVELS]
    ask_me_about: str
    availability: Literal[*AVAILABILITIES]
    away_until: date | None


class Titled(BaseModel):
    id: int
    title: str


class ProfileOut(PersonRef):
    email: str
    job_title: str
    active: bool
    expertise: list[ExpertiseOut]
    owned_pages: list[Titled]
    recent_answers: list[Titled] = Field(description="Only questions you may read.")


class Evidence(BaseModel):
    pages_written: int
    pages_reviewed: int
    pages_owned: int
    questions_answered: int


class ExpertOut(BaseModel):
    person: PersonRef
    expertise: ExpertiseOut
    evidence: Evidence
    inherited_from: ProcessOut | None = Field(description="The ancestor declared on, if any.")


class ExpertiseIn(Body):
    process_id: Id
    level: Literal[*LEVELS]
    ask_me_about: Text = Field("", max_length=10_000)
    availability: Literal[*AVAILABILITIES] = "available"
    away_until: Day | None = Field(None, description="With away: the first day back.")


def expertise_out(expertise: Expertise) -> ExpertiseOut:
    return ExpertiseOut(
        id=expertise.id, process=process_out(expertise.process), level=expertise.level,
        ask_me_about=expertise.ask_me_about, availability=expertise.availability,
        away_until=expertise.away_until,
    )  # fmt: skip


def expert_out(entry: ExpertEntry) -> ExpertOut:
    evidence = entry.evidence
    return ExpertOut(
        person=PersonRef(id=entry.person.id, name=entry.person.name),
        expertise=expertise_out(entry.expertise),
        evidence=Evidence(
            pages_written=evidence.pages_written,
            pages_reviewed=evidence.pages_reviewed,
            pages_owned=evidence.pages_owned,
            questions_answered=evidence.questions_answered,
        ),  # fmt: skip
        inherited_from=process_out(entry.inherited_from) if entry.inherited_from else None,
    )


@bp.get(f"/people/{PERSON}")
@spec.validate(resp=responses(HTTP_200=ProfileOut), tags=TAGS)
def profile(person_id: int):
    """A person's profile: their expertise, the pages they own, questions they answered."""
    found = services.get_profile(person_id, current_user)
    person = found.person
    return ProfileOut(
        id=person.id, name=person.name, email=person.email, job_title=person.job_title,
        active=person.active, expertise=[expertise_out(e) for e in found.expertise],
        owned_pages=[Titled(id=p.id, title=p.title) for p in found.owned_pages],
        recent_answers=[Titled(id=q.id, title=q.title) for q in found.recent_answers],
    )  # fmt: skip


@bp.get(f"/processes/{PROCESS}/experts")
@spec.validate(resp=responses(HTTP_200=list_of(ExpertOut)), tags=TAGS)
def experts(process_id: int, query: ListQuery):
    """Who knows this process, ranked as on its page (level, evidence, availability)."""
    process = tree.get_process_by_id(process_id)
    found = one_page(experts_for(process, utcnow().date()), query, f"experts-of-{process.id}")
    return listed(found, expert_out)


@bp.put(f"/people/{PERSON}/expertise")
@spec.validate(resp=responses(writes=True, HTTP_200=ExpertiseOut), tags=TAGS)
def declare_expertise(person_id: int, json: ExpertiseIn):
    """Declare or change expertise in a process: your own, or anyone's as a manager or admin."""
    person = accounts.get_user(person_id)
    process = tree.get_process_by_id(json.process_id)
    draft = declarations.ExpertiseDraft(
        process_path=process.path,
        level=json.level,
        ask_me_about=json.ask_me_about,
        availability=json.availability,
        away_until=json.away_until.isoformat() if json.away_until else "",
    )
    # PUT: what the person declared for the process already is changed, never added twice.
    declared = declarations.declared_in(person, process)
    return expertise_out(declarations.save_expertise(current_user, person, draft, declared))


@bp.delete(f"/people/{PERSON}/expertise/<int(max=2147483647):expertise_id>")
@spec.validate(resp=responses(writes=True, HTTP_204=None), tags=TAGS)
def remove_expertise(person_id: int, expertise_id: int):
    """Remove a declared expertise."""
    person = accounts.get_user(person_id)
    expertise = declarations.get_expertise(person, expertise_id)
    declarations.remove_expertise(current_user, person, expertise)
    return "", 204
