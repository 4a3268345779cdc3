"""What is searchable: each document type says how to read its documents from the database,
how to compute their stamps cheaply (for drift checks), and which model changes touch them.

Adding a type (answered questions, gaps) means writing one `DocumentType` and calling
`register` from its domain.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from wiki.attachments.models import Attachment
from wiki.attachments.services import names_by_page
from wiki.auth.models import User
from wiki.markup import PlainText, plain_text
from wiki.processes.models import Page, PageTag, Process, Revision
from wiki.search.index_schema import Document

log = logging.getLogger(__name__)

# A change to a process's name or place reaches every page and process below it.
SUBTREE = "subtree"


@dataclass(frozen=True)
class DocumentType:
    name: str  # the key prefix and the `type` facet ("page")
    label: str  # how the facet reads ("Pages")
    # id → Document for those ids that exist and are searchable; the others are removed.
    load: Callable[[Session, list[int]], dict[int, Document]]
    # id → stamp of every searchable document, from a cheap query.
    stamps: Callable[[Session], dict[int, str]]
    # model class → function(instance, how) giving the keys a flushed change touches,
    # where how is "new", "changed" or "deleted".
    watches: dict[type, Callable[[object, str], Iterable[str]]] = field(default_factory=dict)
    # (session, "a/b/") → ids of the documents that sit below that process path, which a
    # rename or move of the process changes.
    below: Callable[[Session, str], Iterable[int]] | None = None


TYPES: dict[str, DocumentType] = {}
# Where a page's "asked as" text comes from (answered questions): (session, page ids, or None
# for every page) → page id → the words people asked it by. Registered by their domain.
ASKED: list[Callable[[Session, list[int] | None], dict[int, str]]] = []
# Keys that stand for other keys, read when they are written: (session, id) → the keys (a
# question stands for the pages its words are "asked as" text of).
EXPANSIONS: dict[str, Callable[[Session, int], Iterable[str]]] = {}


def register(document_type: DocumentType) -> None:
    TYPES[document_type.name] = document_type


def register_asked(
    provider: Callable[[Session, list[int] | None], dict[int, str]],
    expansion: tuple[str, Callable[[Session, int], Iterable[str]]],
) -> None:
    """Add a source of pages' "asked as" text, and the key that stands for the pages one of
    its records feeds (written when the record changes)."""
    ASKED.append(provider)
    EXPANSIONS[expansion[0]] = expansion[1]


def watch_for_pages(model: type, watch: Callable[[object, str], Iterable[str]]) -> None:
    """Have a flushed change of model (a comment) touch the page keys watch gives."""
    TYPES["page"].watches[model] = watch


def asked_text(session: Session, ids: list[int] | None) -> dict[int, str]:
    found: dict[int, str] = {}
    for provider in ASKED:
        for page_id, text in provider(session, ids).items():
            found[page_id] = " ".join(filter(None, (found.get(page_id), text)))
    return found


def key(type_name: str, object_id: int) -> str:
    return f"{type_name}:{object_id}"


def split_key(document_key: str) -> tuple[str, int]:
    type_name, _, object_id = document_key.partition(":")
    return type_name, int(object_id)


def keys_touched(instance: object, how: str) -> list[str]:
    touched: list[str] = []
    for document_type in TYPES.values():
        for model, watch in document_type.watches.items():
            if isinstance(instance, model):
                touched.extend(watch(instance, how))
    return touched


def load(session: Session, keys: Iterable[str]) -> dict[str, Document | None]:
    """The current document for each key, None where it is gone; subtree keys expand."""
    ids_by_type: dict[str, set[int]] = {}
    for document_key in expand_subtrees(session, keys):
        type_name, object_id = split_key(document_key)
        if type_name in TYPES:
            ids_by_type.setdefault(type_name, set()).add(object_id)
    changes: dict[str, Document | None] = {}
    for type_name, ids in ids_by_type.items():
        found = TYPES[type_name].load(session, sorted(ids))
        for object_id in ids:
            changes[key(type_name, object_id)] = found.get(object_id)
    return changes


def expand_subtrees(session: Session, keys: Iterable[str]) -> set[str]:
    expanded: set[str] = set()
    for document_key in keys:
        type_name, object_id = split_key(document_key)
        if type_name in EXPANSIONS:
            expanded.update(EXPANSIONS[type_name](session, object_id))
            continue
        if type_name != SUBTREE:
            expanded.add(document_key)
            continue
        path = session.scalar(select(Process.path).where(Process.id == object_id))
        if path is None:
            continue
        below = path + "/"
        for document_type in TYPES.values():
            if document_type.below is not None:
                expanded.update(
                    key(document_type.name, i) for i in document_type.below(session, below)
                )
    return expanded


def all_stamps(session: Session) -> dict[str, str]:
    stamps: dict[str, str] = {}
    for type_name, document_type in TYPES.items():
        for object_id, stamp in document_type.stamps(session).items():
            stamps[key(type_name, object_id)] = stamp
    return stamps


def iter_all(session: Session, batch: int = 500) -> Iterator[Document]:
    """Every searchable document, read in batches so that memory stays flat."""
    for document_type in TYPES.values():
        ids = sorted(document_type.stamps(session))
        for start in range(0, len(ids), batch):
            found = document_type.load(session, ids[start : start + batch])
            yield from (found[i] for i in ids[start : start + batch] if i in found)
            session.expunge_all()


def stamp_of(*parts: object) -> str:
    return hashlib.sha1("\x1f".join(map(str, parts)).encode()).hexdigest()[:16]


def _changed(instance: object, *attributes: str) -> bool:
    state = inspect(instance)
    return any(state.attrs[name].history.has_changes() for name in attributes)


# -- processes and the pages in them ---------------------------------------------------------


def scope_of(path: str) -> list[str]:
    """A process path and every path above it: "a/b" → ["a", "a/b"]."""
    parts = path.split("/")
    return ["/".join(parts[: n + 1]) for n in range(len(parts))]


def process_names(session: Session, paths: Iterable[str]) -> dict[str, str]:
    wanted = {prefix for path in paths for prefix in scope_of(path)}
    rows = session.execute(select(Process.path, Process.name).where(Process.path.in_(wanted)))
    return dict(rows.all())


def all_process_names(session: Session) -> dict[str, str]:
    return dict(session.execute(select(Process.path, Process.name)).all())


def names_along(names: dict[str, str], path: str) -> str:
    return " › ".join(names.get(prefix, "") for prefix in scope_of(path))


def _page_stamp(
    latest_revision: int,
    path: str,
    names: dict[str, str],
    tags: list[str],
    files: list[str],
    asked: str = "",
) -> str:
    parts = [latest_revision, path, names_along(names, path.rsplit("/", 1)[0])]
    parts += [",".join(tags), "/".join(files)]
    # A page no question leads to keeps the stamp it had before "asked as" text existed.
    return stamp_of(*parts, *([asked] if asked else []))


def _tags_of(session: Session, ids: list[int] | None = None) -> dict[int, list[str]]:
    rows = select(PageTag.page_id, PageTag.tag).order_by(PageTag.page_id, PageTag.tag)
    if ids is not None:
        rows = rows.where(PageTag.page_id.in_(ids))
    tags: dict[int, list[str]] = {}
    for page_id, tag in session.execute(rows):
        tags.setdefault(page_id, []).append(tag)
    return tags


def _load_pages(session: Session, ids: list[int]) -> dict[int, Document]:
    rows = session.execute(
        select(Page, Revision)
        .join(Process, Process.id == Page.process_id)
        .join(Revision, (Revision.page_id == Page.id) & (Revision.number == Page.latest_revision))
        .where(Page.id.in_(ids))
        # The page as the database has it: a save bumps latest_revision with a guarded UPDATE
        # that leaves the session's copy behind until the commit, when the PostgreSQL backend
        # reads it here (flushed first, so nothing in memory is newer than the database).
        .execution_options(populate_existing=True)
    ).all()
    tags = _tags_of(session, ids)
    files = names_by_page(session, ids)
    asked = asked_text(session, ids)
    names = process_names(session, (page.path.rsplit("/", 1)[0] for page, _ in rows))
    return {
        page.id: _markdown_document(
            key("page", page.id),
            title=page.title,
            path=page.path,
            process_path=page.path.rsplit("/", 1)[0],
            names=names,
            # The names of its files are found like its words.
            markdown="\n\n".join([revision.body, *files.get(page.id, [])]),
            updated=page.updated_at,
            stamp=_page_stamp(
                page.latest_revision,
                page.path,
                names,
                tags.get(page.id, []),
                files.get(page.id, []),
                asked.get(page.id, ""),
            ),
            process_id=page.process_id,
            tags=tags.get(page.id, []),
            asked=asked.get(page.id, ""),
        )
        for page, revision in rows
    }


def _markdown_document(
    document_key: str,
    title: str,
    path: str,
    process_path: str,
    names: dict[str, str],
    markdown: str,
    updated: datetime,
    stamp: str,
    process_id: int,
    tags: list[str] | None = None,
    asked: str = "",
) -> Document:
    """A page or process: markdown text placed in the process tree at process_path."""
    try:
        text = plain_text(markdown)
    except Exception:  # one odd text must not keep the rest of the wiki out of the index
        log.exception("indexing %s as raw text: its markdown could not be read", document_key)
        text = PlainText(markdown)
    return Document(
        key=document_key,
        type=split_key(document_key)[0],
        title=title,
        url="/p/" + path,
        updated=updated,
        stamp=stamp,
        body=text.text,
        headings=" ".join(text.headings),
        process=names_along(names, process_path),
        tags=tags or [],
        scope=scope_of(process_path),
        process_id=process_id,
        asked=asked,
    )


def _page_stamps(session: Session) -> dict[int, str]:
    names = all_process_names(session)
    tags = _tags_of(session)
    files = names_by_page(session)
    asked = asked_text(session, None)
    rows = session.execute(select(Page.id, Page.latest_revision, Page.path))
    return {
        page_id: _page_stamp(
            number,
            path,
            names,
            tags.get(page_id, []),
            files.get(page_id, []),
            asked.get(page_id, ""),
        )
        for page_id, number, path in rows
    }


def _process_stamp(process: Process, names: dict[str, str]) -> str:
    return stamp_of(process.description, process.path, names_along(names, process.path))


def _load_processes(session: Session, ids: list[int]) -> dict[int, Document]:
    processes = session.scalars(select(Process).where(Process.id.in_(ids))).all()
    names = process_names(session, (process.path for process in processes))
    return {
        process.id: _markdown_document(
            key("process", process.id),
            title=process.name,
            path=process.path,
            process_path=process.path,
            names=names,
            markdown=process.description,
            updated=process.created_at,
            stamp=_process_stamp(process, names),
            process_id=process.id,
        )
        for process in processes
    }


def _process_stamps(session: Session) -> dict[int, str]:
    names = all_process_names(session)
    processes = session.scalars(select(Process)).all()
    return {process.id: _process_stamp(process, names) for process in processes}


def _watch_page(page: Page, how: str) -> list[str]:
    # tag_rows: a tag dropped from the collection is deleted as an orphan, which after_flush
    # does not list among the deleted objects.
    if how != "changed" or _changed(page, "title", "path", "process_id", "updated_at", "tag_rows"):
        return [key("page", page.id)]
    return []


def _watch_revision(revision: Revision, how: str) -> list[str]:
    # Revisions are only appended; a later change is the cached HTML, which is not indexed.
    return [key("page", revision.page_id)] if how == "new" else []


def _watch_process(process: Process, how: str) -> list[str]:
    touched = [key("process", process.id)]
    if how == "changed" and _changed(process, "name", "path"):
        touched.append(key(SUBTREE, process.id))
    return touched


register(
    DocumentType(
        name="page",
        label="Pages",
        load=_load_pages,
        stamps=_page_stamps,
        watches={
            Page: _watch_page,
            Revision: _watch_revision,
            PageTag: lambda tag, how: [key("page", tag.page_id)],
            Attachment: lambda attachment, how: [key("page", attachment.page_id)],
        },
        below=lambda session, below: session.scalars(
            select(Page.id).where(Page.path.startswith(below))
        ),
    )
)
register(
    DocumentType(
        name="process",
        label="Processes",
        load=_load_processes,
        stamps=_process_stamps,
        watches={Process: _watch_process},
        below=lambda session, below: session.scalars(
            select(Process.id).where(Process.path.startswith(below))
        ),
    )
)


# -- people ----------------------------------------------------------------------------------


def _load_people(session: Session, ids: list[int]) -> dict[int, Document]:
    people = session.scalars(select(User).where(User.id.in_(ids), User.active.is_(True))).all()
    return {
        person.id: Document(
            key=key("person", person.id),
            type="person",
            title=person.name,
            url=f"/people/{person.id}",
            updated=person.created_at,
            stamp=stamp_of(person.name, person.job_title),
            body=person.job_title,
        )
        for person in people
    }


def _people_stamps(session: Session) -> dict[int, str]:
    rows = session.execute(select(User.id, User.name, User.job_title).where(User.active.is_(True)))
    return {person_id: stamp_of(name, job_title) for person_id, name, job_title in rows}


def _watch_person(person: User, how: str) -> list[str]:
    if how != "changed" or _changed(person, "name", "job_title", "active"):
        return [key("person", person.id)]
    return []


register(
    DocumentType(
        name="person",
        label="People",
        load=_load_people,
        stamps=_people_stamps,
        watches={User: _watch_person},
    )
)
