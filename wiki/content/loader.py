"""Applying a content folder to the database in one transaction, and exporting it back."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time
from pathlib import Path

from sqlalchemy import select

from wiki.attachments import services as attachments
from wiki.attachments.filetypes import FileRefused
from wiki.attachments.intake import prepare_file
from wiki.auth.models import User, UserRole
from wiki.auth.services import hash_password
from wiki.content import files, onboarding
from wiki.content.attachment_files import AttachmentEntry, write_attachments
from wiki.content.glossary_file import GLOSSARY_FILE, GlossaryEntry, write_glossary
from wiki.content.plans_file import PLANS_FILE, write_plans
from wiki.extensions import db
from wiki.glossary import services as glossary
from wiki.people.declarations import declared_in, expertise_of
from wiki.people.models import Expertise
from wiki.processes import links
from wiki.processes.models import Page, PageTag, PageTemplate, Process
from wiki.processes.pages import append_revision, content_hash, latest_revision
from wiki.processes.paths import parent_path, slugify
from wiki.processes.tree import forget_old_paths

IMPORT_SUMMARY = "Loaded from the content folder"


@dataclass
class LoadReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


def load_content(
    content: files.ContentTree,
    demo_password: str | None = None,
    on_item: Callable[[], None] = lambda: None,
) -> LoadReport:
    """Create or update everything in the content tree; commit once, or not at all."""
    report = LoadReport()
    try:
        people = {p.email: _load_person(p, demo_password, report) for p in content.people}
        for _ in content.people:
            on_item()
        processes: dict[str, Process] = {}
        for entry in content.processes:
            processes[entry.path] = _load_process(entry, processes, report)
            on_item()
        db.session.flush()
        for person in content.people:
            for item in person.expertise:
                _load_expertise(people[person.email], item, processes[item.process], report)
        for entry in content.pages:
            _load_page(entry, processes[entry.process_path], people, report)
            on_item()
        for entry in content.templates:
            _load_template(entry, processes[entry.process_path], report)
            on_item()
        db.session.flush()
        for plan in content.plan_templates:
            _template, outcome = onboarding.load_plan_template(plan, processes)
            _note(report, *outcome)
            on_item()
        db.session.flush()
        for person in content.people:
            outcome = onboarding.load_buddy(person, people)
            if outcome:
                _note(report, *outcome)
        for term in content.glossary:
            created, changed = glossary.load_term(term.term, term.synonyms, term.definition)
            _note(report, f"glossary term {term.term}", created, changed)
            on_item()
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return report


def _note(report: LoadReport, label: str, created: bool, changed: bool) -> None:
    if created:
        report.created.append(label)
    elif changed:
        report.updated.append(label)
    else:
        report.unchanged += 1


def _load_person(entry: files.PersonEntry, demo_password: str | None, report) -> User:
    user = db.session.scalar(select(User).where(User.email == entry.email))
    created = user is None
    if user is None:
        user = User(email=entry.email, name=entry.name)
        if demo_password:
            user.password_hash = hash_password(demo_password)
        db.session.add(user)
    wanted = (entry.name, entry.job_title, entry.start_date, sorted(entry.roles))
    changed = wanted != (user.name, user.job_title, user.start_date, sorted(user.roles))
    if changed:
        user.name, user.job_title, user.start_date = entry.name, entry.job_title, entry.start_date
        user.role_rows = [UserRole(role=role) for role in entry.roles]
    _note(report, f"person {entry.email}", created, changed)
    return user


def _load_expertise(
    person: User, entry: files.ExpertiseEntry, process: Process, report: LoadReport
) -> None:
    expertise = declared_in(person, process)
    created = expertise is None
    if created:
        expertise = Expertise(person=person, process=process, declared_by=person)
        db.session.add(expertise)
    wanted = (entry.level, entry.ask_me_about, entry.availability, entry.away_until)
    current = (
        expertise.level,
        expertise.ask_me_about,
        expertise.availability,
        expertise.away_until,
    )
    changed = wanted != current
    if changed:
        expertise.level, expertise.ask_me_about, expertise.availability = wanted[:3]
        expertise.away_until = entry.away_until
    _note(report, f"expertise {person.email} in {process.path}", created, changed)


def _load_process(entry: files.ProcessEntry, known: dict[str, Process], report) -> Process:
    process = db.session.scalar(select(Process).where(Process.path == entry.path))
    created = process is None
    if created and db.session.scalar(select(Page.id).where(Page.path == entry.path)):
        raise files.ContentError(f"process {entry.path}: a page of the wiki has this address.")
    if process is None:
        parent = known.get(parent_path(entry.path))
        process = Process(
            path=entry.path, slug=entry.path.rsplit("/", 1)[-1], parent=parent, name=entry.name
        )
        db.session.add(process)
        forget_old_paths([entry.path])
        links.invalidate_links_to([entry.path])
    wanted = (entry.name, entry.description, entry.position)
    changed = wanted != (process.name, process.description, process.position)
    if changed:
        process.name, process.description, process.position = wanted
    _note(report, f"process {entry.path}", created, changed)
    return process


def _load_page(entry: files.PageEntry, process: Process, people: dict[str, User], report) -> None:
    page = db.session.scalar(select(Page).where(Page.path == entry.path))
    created = page is None
    owner = people.get(entry.owner) if entry.owner else None
    if created and db.session.scalar(select(Process.id).where(Process.path == entry.path)):
        raise files.ContentError(f"page {entry.path}: a process of the wiki has this address.")
    if page is None:
        forget_old_paths([entry.path])
        page = Page(process=process, slug=entry.slug, path=entry.path, title=entry.title)
        db.session.add(page)
        db.session.flush()
        links.invalidate_links_to([entry.path])
    reviewed = datetime.combine(entry.last_reviewed, time()) if entry.last_reviewed else None
    interval = entry.review_interval_days or 180
    meta_wanted = (owner.id if owner else None, entry.tags, interval, reviewed)
    meta_changed = meta_wanted != (
        page.owner_id,
        page.tags,
        page.review_interval_days,
        page.last_reviewed_at,
    )
    if meta_changed:
        page.owner, page.review_interval_days, page.last_reviewed_at = owner, interval, reviewed
        page.tag_rows = [PageTag(tag=tag) for tag in entry.tags]
    text_changed = created or latest_revision(page).content_hash != content_hash(
        entry.title, entry.body
    )
    if text_changed:
        page.title = entry.title
        page.latest_revision += 1
        append_revision(page, page.latest_revision, None, entry.title, entry.body, IMPORT_SUMMARY)
    _note(report, f"page {entry.path}", created, meta_changed or text_changed)
    for item in entry.attachments:
        _load_attachment(item, page, report)


def _load_attachment(item: AttachmentEntry, page: Page, report: LoadReport) -> None:
    """A new version when the file differs from the page's current one of that name. The same
    checks as an upload; the file as stored (an image without its metadata) is compared."""
    current = attachments.current_attachments(page.id).get(item.name)
    if current is not None and current.blob_sha256 == item.sha256:
        _note(report, f"file {page.path}/{item.name}", False, False)
        return
    try:
        prepared = prepare_file(item.name, item.read(), attachments.max_upload_bytes())
    except FileRefused as error:
        raise files.ContentError(f"{item.path}: {error.message}") from error
    if prepared.name != item.name:
        raise files.ContentError(f"{item.path}: name the file “{prepared.name}”.")
    changed = current is None or current.blob_sha256 != prepared.sha256
    if changed:
        attachments.store_prepared(None, page, prepared, commit=False)
    _note(report, f"file {page.path}/{item.name}", current is None, changed)


def _load_template(entry: files.TemplateEntry, process: Process, report) -> None:
    template = db.session.scalar(
        select(PageTemplate).where(
            PageTemplate.process_id == process.id, PageTemplate.name == entry.name
        )
    )
    created = template is None
    if template is None:
        template = PageTemplate(process=process, name=entry.name)
        db.session.add(template)
    changed = template.body != entry.body
    template.body = entry.body
    _note(report, f"template {entry.process_path}/{entry.name}", created, changed)


def export_content(root: Path, on_item: Callable[[], None] = lambda: None) -> int:
    """Write every person, process, page (its newest text) and template; return the count."""
    root.mkdir(parents=True, exist_ok=True)
    users = list(db.session.scalars(select(User).order_by(User.email)))
    files.write_people(
        root / files.PEOPLE_FILE,
        [
            files.PersonEntry(
                u.email,
                u.name,
                sorted(u.roles),
                u.job_title,
                u.start_date,
                [
                    files.ExpertiseEntry(
                        e.process.path, e.level, e.ask_me_about, e.availability, e.away_until
                    )
                    for e in expertise_of(u)
                ],
                *onboarding.buddy_and_plan_of(u),
            )
            for u in users
        ],
    )
    count = len(users)
    plan_templates = onboarding.export_plan_templates()
    if plan_templates:
        write_plans(root / PLANS_FILE, plan_templates)
        count += len(plan_templates)
    terms = glossary.list_terms()
    if terms:
        write_glossary(
            root / GLOSSARY_FILE,
            [GlossaryEntry(t.term, t.definition, t.synonym_list) for t in terms],
        )
        count += len(terms)
    processes_root = root / "processes"
    for process in db.session.scalars(select(Process).order_by(Process.path)):
        folder = processes_root / process.path
        meta = {"name": process.name}
        if process.position:
            meta["position"] = process.position
        files.write_front_matter(folder / files.PROCESS_FILE, meta, process.description)
        for page in process.pages:
            _export_page(folder / f"{page.slug}.md", page)
            count += 1
            on_item()
        templates = db.session.scalars(
            select(PageTemplate).where(PageTemplate.process_id == process.id)
        )
        used: set[str] = set()
        for template in templates:
            # Names that slug alike ("Checklist", "checklist!") each keep a file of their own.
            stem = slugify(template.name) or "template"
            unique, number = stem, 1
            while unique in used:
                number += 1
                unique = f"{stem}-{number}"
            used.add(unique)
            files.write_front_matter(
                folder / files.TEMPLATES_DIR / f"{unique}.md",
                {"name": template.name},
                template.body,
            )
            count += 1
        count += 1
        on_item()
    return count


def _export_page(path: Path, page: Page) -> None:
    meta: dict = {"title": page.title}
    if page.owner:
        meta["owner"] = page.owner.email
    if page.tags:
        meta["tags"] = page.tags
    meta["review_interval_days"] = page.review_interval_days
    if page.last_reviewed_at:
        meta["last_reviewed"] = page.last_reviewed_at.date()
    current = attachments.current_attachments(page.id).values()
    manifest = write_attachments(
        path, ((item.name, attachments.blob_content(item.blob_sha256)) for item in current)
    )
    if manifest:
        meta["attachments"] = manifest
    files.write_front_matter(path, meta, latest_revision(page).body)
