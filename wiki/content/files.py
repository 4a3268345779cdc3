"""Reading and writing the content folder: markdown with YAML front matter. No database here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from wiki.auth.models import ROLES
from wiki.content.attachment_files import (
    AttachmentEntry,
    check_files_folders,
    is_files_folder,
    read_attachments,
)
from wiki.content.errors import ContentError, read_yaml_file
from wiki.content.glossary_file import GLOSSARY_FILE, GlossaryEntry, read_glossary
from wiki.content.plans_file import PLANS_FILE, PlanTemplateEntry, read_plans
from wiki.people.models import AVAILABILITIES, LEVELS
from wiki.processes.paths import is_valid_slug, join_path, slugify
from wiki.textutil import clean_line

PROCESS_FILE = "_process.md"
TEMPLATES_DIR = "_templates"
PEOPLE_FILE = "people.yaml"


@dataclass
class ExpertiseEntry:
    process: str  # a process path in this folder
    level: str
    ask_me_about: str = ""
    availability: str = "available"
    away_until: date | None = None


@dataclass
class PersonEntry:
    email: str
    name: str
    roles: list[str]
    job_title: str = ""
    start_date: date | None = None
    expertise: list[ExpertiseEntry] = field(default_factory=list)
    buddy: str = ""  # a newcomer's buddy, by email: assigned on load if they have none yet
    plan: str = ""  # the plan template applied with that buddy, by name


@dataclass
class ProcessEntry:
    path: str
    name: str
    description: str
    position: int = 0


@dataclass
class PageEntry:
    process_path: str
    slug: str
    title: str
    body: str
    owner: str | None = None
    tags: list[str] = field(default_factory=list)
    review_interval_days: int | None = None
    last_reviewed: date | None = None
    attachments: list[AttachmentEntry] = field(default_factory=list)

    @property
    def path(self) -> str:
        return join_path(self.process_path, self.slug)


@dataclass
class TemplateEntry:
    process_path: str
    name: str
    body: str


@dataclass
class ContentTree:
    people: list[PersonEntry] = field(default_factory=list)
    processes: list[ProcessEntry] = field(default_factory=list)
    pages: list[PageEntry] = field(default_factory=list)
    templates: list[TemplateEntry] = field(default_factory=list)
    plan_templates: list[PlanTemplateEntry] = field(default_factory=list)
    glossary: list[GlossaryEntry] = field(default_factory=list)

    def __len__(self) -> int:
        return (
            len(self.people)
            + len(self.processes)
            + len(self.pages)
            + len(self.templates)
            + len(self.plan_templates)
            + len(self.glossary)
        )


def split_front_matter(text: str, source: Path) -> tuple[dict[str, Any], str]:
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        raise ContentError(f"{source}:1: the file must start with a '---' front matter line.")
    closing = next((i for i, line in enumerate(lines) if i and line.strip() == "---"), None)
    if closing is None:
        raise ContentError(f"{source}:1: the front matter has no closing '---' line.")
    try:
        meta = yaml.safe_load("".join(lines[1:closing])) or {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line_number = mark.line + 2 if mark is not None else 1
        problem = getattr(error, "problem", None) or str(error)
        raise ContentError(f"{source}:{line_number}: invalid front matter: {problem}.") from error
    if not isinstance(meta, dict):
        raise ContentError(f"{source}:2: the front matter must be a mapping of keys to values.")
    # The body is exactly what follows the closing line, so an export reads back unchanged.
    return meta, "".join(lines[closing + 1 :])


def read_content(root: Path) -> ContentTree:
    """Read and check a whole content folder; raise ContentError at the first bad file."""
    if not root.is_dir():
        raise ContentError(f"{root}: not a folder.")
    content = ContentTree(
        people=_read_people(root / PEOPLE_FILE),
        plan_templates=read_plans(root / PLANS_FILE),
        glossary=read_glossary(root / GLOSSARY_FILE),
    )
    processes_root = root / "processes"
    if processes_root.is_dir():
        for folder in sorted(p for p in processes_root.iterdir() if p.is_dir()):
            _read_process(folder, "", content)
    emails = {person.email for person in content.people}
    paths = {process.path for process in content.processes}
    for person in content.people:
        for item in person.expertise:
            if item.process not in paths:
                raise ContentError(
                    f"{root / PEOPLE_FILE}: {person.email}'s expertise names the process "
                    f"{item.process}, which is not in processes/."
                )
    _check_onboarding(root, content, emails, paths)
    for page in content.pages:
        if page.owner and page.owner not in emails:
            raise ContentError(
                f"{processes_root / page.path}.md:1: owner {page.owner} is not in {PEOPLE_FILE}."
            )
    return content


def _check_onboarding(root: Path, content: ContentTree, emails: set[str], paths: set[str]) -> None:
    """Buddies and plans name people, templates, pages and processes that are in the folder."""
    page_paths = {page.path for page in content.pages}
    names = {template.name for template in content.plan_templates}
    for template in content.plan_templates:
        for item in template.items:
            known = page_paths if item.kind == "read_page" else paths
            if item.kind != "custom" and item.target not in known:
                raise ContentError(
                    f"{root / PLANS_FILE}: template {template.name!r} names "
                    f"{item.target}, which is not in processes/."
                )
    for person in content.people:
        if person.buddy and (person.buddy not in emails or person.buddy == person.email):
            raise ContentError(
                f"{root / PEOPLE_FILE}: {person.email}'s buddy {person.buddy} is not another "
                f"person in {PEOPLE_FILE}."
            )
        if person.plan and person.plan not in names:
            raise ContentError(
                f"{root / PEOPLE_FILE}: {person.email}'s plan {person.plan!r} "
                f"is not in {PLANS_FILE}."
            )


def _read_people(path: Path) -> list[PersonEntry]:
    data = read_yaml_file(path)
    people = []
    for number, item in enumerate(data.get("people") or [], start=1):
        if not isinstance(item, dict) or not item.get("email") or not item.get("name"):
            raise ContentError(f"{path}: person {number} needs an email and a name.")
        unknown = set(item.get("roles") or []) - set(ROLES)
        if unknown:
            raise ContentError(
                f"{path}: person {number} has unknown roles {sorted(unknown)}; "
                f"roles are {', '.join(ROLES)}."
            )
        people.append(
            PersonEntry(
                email=str(item["email"]).strip().lower(),
                name=str(item["name"]),
                roles=sorted(set(item.get("roles") or []) | {"member"}),
                job_title=str(item.get("job_title") or ""),
                start_date=_date(item.get("start_date"), path, f"person {number}'s start_date"),
                expertise=[
                    _expertise(entry, path, f"person {number}'s expertise {index}")
                    for index, entry in enumerate(item.get("expertise") or [], start=1)
                ],
                buddy=str(item.get("buddy") or "").strip().lower(),
                plan=str(item.get("plan") or ""),
            )
        )
    return people


def _expertise(item: Any, path: Path, where: str) -> ExpertiseEntry:
    if not isinstance(item, dict) or not item.get("process"):
        raise ContentError(f"{path}: {where} needs a process.")
    level = item.get("level")
    if level not in LEVELS:
        raise ContentError(f"{path}: {where} has level {level!r}; levels are {', '.join(LEVELS)}.")
    availability = item.get("availability") or "available"
    if availability not in AVAILABILITIES:
        raise ContentError(
            f"{path}: {where} has availability {availability!r}; "
            f"choose {', '.join(AVAILABILITIES)}."
        )
    return ExpertiseEntry(
        process=str(item["process"]).strip("/"),
        level=level,
        ask_me_about=str(item.get("ask_me_about") or ""),
        availability=availability,
        away_until=_date(item.get("away_until"), path, f"{where}'s away_until"),
    )


def _read_process(folder: Path, parent_path: str, content: ContentTree) -> None:
    slug = folder.name
    source = folder / PROCESS_FILE
    if not is_valid_slug(slug):
        raise ContentError(f"{folder}: “{slug}” is not a valid slug for a process folder.")
    if not source.exists():
        raise ContentError(f"{source}: every process folder needs a {PROCESS_FILE}.")
    meta, description = split_front_matter(source.read_text(encoding="utf-8"), source)
    path = join_path(parent_path, slug)
    content.processes.append(
        ProcessEntry(
            path=path,
            name=_required(meta, "name", source, max_length=120),
            description=description,
            position=_int(meta.get("position", 0), source, "position"),
        )
    )
    for file in sorted(folder.glob("*.md")):
        if file.name != PROCESS_FILE:
            content.pages.append(_read_page(file, path))
    for file in sorted((folder / TEMPLATES_DIR).glob("*.md")):
        meta, body = split_front_matter(file.read_text(encoding="utf-8"), file)
        content.templates.append(
            TemplateEntry(path, _required(meta, "name", file, max_length=120), body)
        )
    check_files_folders(folder)
    children = (p for p in folder.iterdir() if p.is_dir() and p.name != TEMPLATES_DIR)
    for child in sorted(child for child in children if not is_files_folder(child)):
        if (folder / f"{child.name}.md").exists():
            raise ContentError(f"{child}: a page and a sub-process cannot share “{child.name}”.")
        _read_process(child, path, content)


def _read_page(file: Path, process_path: str) -> PageEntry:
    meta, body = split_front_matter(file.read_text(encoding="utf-8"), file)
    title = _required(meta, "title", file)
    if slugify(title) != file.stem:
        raise ContentError(
            f"{file}:2: the file name must be the title's slug, “{slugify(title)}.md”."
        )
    tags = meta.get("tags") or []
    if not isinstance(tags, list) or not all(
        is_valid_slug(str(tag).strip().lower()) and len(str(tag)) <= 50 for tag in tags
    ):
        raise ContentError(
            f"{file}:2: tags must be a list of lowercase words and hyphens, "
            "such as [invoices, month-end]."
        )
    interval = meta.get("review_interval_days")
    return PageEntry(
        process_path=process_path,
        slug=file.stem,
        title=title,
        body=body,
        owner=str(meta["owner"]).strip().lower() if meta.get("owner") else None,
        tags=sorted({str(tag).strip().lower() for tag in tags}),
        review_interval_days=_int(interval, file, "review_interval_days") if interval else None,
        last_reviewed=_date(meta.get("last_reviewed"), file, "last_reviewed"),
        attachments=read_attachments(meta, file),
    )


def _required(meta: dict[str, Any], key: str, source: Path, max_length: int = 200) -> str:
    value = meta.get(key)
    if not isinstance(value, str | int | float) or not clean_line(str(value)):
        raise ContentError(f"{source}:2: the front matter needs a “{key}”.")
    if len(clean_line(str(value))) > max_length:
        raise ContentError(f"{source}:2: “{key}” has more than {max_length} characters.")
    return clean_line(str(value))


def _int(value: Any, source: Path, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ContentError(f"{source}:2: “{key}” must be a whole number, not {value!r}.")
    return value


def _date(value: Any, source: Path, key: str) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as error:
        raise ContentError(f"{source}: “{key}” must be a date as YYYY-MM-DD.") from error


def write_front_matter(path: Path, meta: dict[str, Any], body: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    front = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, default_flow_style=None)
    path.write_text(f"---\n{front}---\n{body}", encoding="utf-8")


def _expertise_item(entry: ExpertiseEntry) -> dict[str, Any]:
    item: dict[str, Any] = {"process": entry.process, "level": entry.level}
    if entry.ask_me_about:
        item["ask_me_about"] = entry.ask_me_about
    if entry.availability != "available":
        item["availability"] = entry.availability
    if entry.away_until:
        item["away_until"] = entry.away_until
    return item


def write_people(path: Path, people: list[PersonEntry]) -> None:
    items = []
    for person in people:
        item: dict[str, Any] = {"email": person.email, "name": person.name, "roles": person.roles}
        if person.job_title:
            item["job_title"] = person.job_title
        if person.start_date:
            item["start_date"] = person.start_date
        if person.expertise:
            item["expertise"] = [_expertise_item(entry) for entry in person.expertise]
        if person.buddy:
            item["buddy"] = person.buddy
        if person.plan:
            item["plan"] = person.plan
        items.append(item)
    path.write_text(
        yaml.safe_dump({"people": items}, sort_keys=False, allow_unicode=True,
                       default_flow_style=None),
        encoding="utf-8",
    )  # fmt: skip
