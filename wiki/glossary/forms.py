"""The glossary term form: what was typed, checked field by field."""

from __future__ import annotations

from dataclasses import dataclass

from wiki.search.questions import words_of
from wiki.textutil import clean_line

MAX_TERM = 120
MAX_SYNONYMS = 20
MAX_DEFINITION = 2000


@dataclass
class TermDraft:
    term: str
    synonyms: list[str]
    definition: str

    @classmethod
    def from_form(cls, form) -> TermDraft:
        raw = form.get("synonyms", "").replace(",", "\n")
        return cls(
            term=clean_line(form.get("term", "")),
            synonyms=[clean_line(line) for line in raw.splitlines() if clean_line(line)],
            definition=form.get("definition", "").strip(),
        )

    def errors(self) -> dict[str, str]:
        """Each field's problem; empty when the draft may be saved."""
        errors: dict[str, str] = {}
        if not self.term:
            errors["term"] = "Give the term."
        elif len(self.term) > MAX_TERM:
            errors["term"] = f"A term is at most {MAX_TERM} characters."
        elif not words_of(self.term):
            errors["term"] = "A term needs at least one letter or digit."
        if len(self.synonyms) > MAX_SYNONYMS:
            errors["synonyms"] = f"At most {MAX_SYNONYMS} other words for one term."
        for synonym in self.synonyms:
            if len(synonym) > MAX_TERM:
                errors["synonyms"] = f"“{synonym[:40]}…” is longer than {MAX_TERM} characters."
            elif not words_of(synonym):
                errors["synonyms"] = f"“{synonym}” has no letter or digit."
        if not self.definition:
            errors["definition"] = "Say in a sentence or two what the term means."
        elif len(self.definition) > MAX_DEFINITION:
            errors["definition"] = f"A definition is at most {MAX_DEFINITION} characters."
        return errors
