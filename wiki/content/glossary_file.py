"""`glossary.yaml`: the company's words, their synonyms and acronyms, and what they mean.
No database here.

terms:
  - term: PO
    synonyms: [purchase order]
    definition: The order we send a supplier ...
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from wiki.content.errors import ContentError, read_yaml_file

GLOSSARY_FILE = "glossary.yaml"


@dataclass
class GlossaryEntry:
    term: str
    definition: str
    synonyms: list[str] = field(default_factory=list)


def read_glossary(path: Path) -> list[GlossaryEntry]:
    data = read_yaml_file(path)
    entries = []
    for number, item in enumerate(data.get("terms") or [], start=1):
        if not isinstance(item, dict) or not item.get("term") or not item.get("definition"):
            raise ContentError(f"{path}: term {number} needs a term and a definition.")
        synonyms = item.get("synonyms") or []
        if not isinstance(synonyms, list):
            raise ContentError(f"{path}: term {number}'s synonyms must be a list.")
        entries.append(
            GlossaryEntry(
                term=str(item["term"]).strip(),
                definition=str(item["definition"]).strip(),
                synonyms=[str(s).strip() for s in synonyms if str(s).strip()],
            )
        )
    return entries


def write_glossary(path: Path, entries: list[GlossaryEntry]) -> None:
    terms = []
    for entry in entries:
        item: dict = {"term": entry.term}
        if entry.synonyms:
            item["synonyms"] = entry.synonyms
        item["definition"] = entry.definition
        terms.append(item)
    path.write_text(
        yaml.safe_dump({"terms": terms}, sort_keys=False, allow_unicode=True, width=100),
        encoding="utf-8",
    )
