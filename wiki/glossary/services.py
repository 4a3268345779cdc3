"""The glossary's rules: who may change it, terms unique by their words, and the synonyms
search reads (every word of a term's group stands for the others)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from wiki.auth.models import User
from wiki.errors import NotAllowed, NotFound, ValidationError
from wiki.extensions import db
from wiki.glossary.forms import TermDraft
from wiki.glossary.models import GlossaryTerm
from wiki.search.questions import MAX_TERM_WORDS, Glossary, Words, words_of
from wiki.versioning import shared_part

EDITORS = ("trainer", "admin")


def can_edit(user: User) -> bool:
    return user.is_authenticated and user.has_role(*EDITORS)


def list_terms() -> list[GlossaryTerm]:
    return list(db.session.scalars(select(GlossaryTerm).order_by(GlossaryTerm.key)))


def get_term(term_id: int) -> GlossaryTerm:
    term = db.session.get(GlossaryTerm, term_id)
    if term is None:
        raise NotFound("There is no such glossary term.")
    return term


def save_term(user: User, draft: TermDraft, term: GlossaryTerm | None = None) -> GlossaryTerm:
    """Create a term (term None) or change one; trainers and admins only."""
    if not can_edit(user):
        raise NotAllowed("Only trainers and admins can change the glossary.")
    errors = draft.errors()
    key = " ".join(words_of(draft.term))
    if not errors:
        same = db.session.scalar(select(GlossaryTerm).where(GlossaryTerm.key == key))
        if same is not None and same is not term:
            errors["term"] = f"“{same.term}” is in the glossary already: change that one."
    if errors:
        raise ValidationError(errors)
    if term is None:
        term = GlossaryTerm()
        db.session.add(term)
    term.term, term.key = draft.term, key
    term.synonyms = "\n".join(s for s in draft.synonyms if " ".join(words_of(s)) != key)
    term.definition = draft.definition
    term.updated_by_id = user.id
    db.session.commit()
    return term


def delete_term(user: User, term: GlossaryTerm) -> None:
    if not can_edit(user):
        raise NotAllowed("Only trainers and admins can change the glossary.")
    db.session.delete(term)
    db.session.commit()


@dataclass(frozen=True)
class Definition:
    """A term as the results page shows it beside a search for it: plain values, kept for
    every request until the glossary changes."""

    id: int
    term: str
    synonym_list: tuple[str, ...]
    definition: str
    names: frozenset[str]  # the term's words and each synonym's, joined by spaces


def glossary_terms() -> Glossary:
    """Every term and synonym → the others of its group, as words, for search to look for:
    read once per shared version and kept by the worker (every search reads it).

    Groups are joined where they share words (PO = purchase order in one entry, purchase
    order = PO in another), and each word stands for the others one step only, so a loop
    (A = B, B = A) ends where it starts."""
    return shared_part(("glossary",), _read_glossary)


def _read_glossary() -> Glossary:
    groups: list[set[Words]] = []
    for term, synonyms in db.session.execute(select(GlossaryTerm.term, GlossaryTerm.synonyms)):
        group = {words_of(text) for text in [term, *synonyms.splitlines()]}
        group = {words for words in group if 0 < len(words) <= MAX_TERM_WORDS}
        for other in [g for g in groups if g & group]:
            group |= other
            groups.remove(other)
        groups.append(group)
    glossary: Glossary = {}
    for group in groups:
        for words in group:
            glossary[words] = sorted(group - {words})
    return glossary


def definitions_for(keys: list[Words]) -> list[Definition]:
    """The entries that define these terms (by their own words or a synonym's)."""
    if not keys:
        return []
    wanted = {" ".join(words) for words in keys}
    return [
        entry for entry in shared_part(("definitions",), _read_definitions) if entry.names & wanted
    ]


def _read_definitions() -> list[Definition]:
    return [
        Definition(
            id=entry.id,
            term=entry.term,
            synonym_list=tuple(entry.synonym_list),
            definition=entry.definition,
            names=frozenset({entry.key, *(" ".join(words_of(s)) for s in entry.synonym_list)}),
        )
        for entry in list_terms()
    ]


def load_term(term: str, synonyms: list[str], definition: str) -> tuple[bool, bool]:
    """Create or update a term from the content folder (no permission check: the loader is
    run by whoever runs the server); returns (created, changed). Commits nothing."""
    key = " ".join(words_of(term))
    entry = db.session.scalar(select(GlossaryTerm).where(GlossaryTerm.key == key))
    created = entry is None
    if entry is None:
        entry = GlossaryTerm(key=key)
        db.session.add(entry)
    values = {"term": term, "synonyms": "\n".join(synonyms), "definition": definition}
    changed = any(getattr(entry, name) != value for name, value in values.items())
    for name, value in values.items():
        setattr(entry, name, value)
    return created, changed
