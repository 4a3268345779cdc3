"""Services for the process tree: look up, create, rename, move and delete processes."""

from __future__ import annotations

from dataclasses import dataclass, field

from markupsafe import Markup
from sqlalchemy import bindparam, delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from wiki.audit import services as audit
from wiki.auth.models import User
from wiki.errors import DomainError, NotAllowed, NotFound, ValidationError
from wiki.extensions import db
from wiki.processes import links
from wiki.processes.models import Page, PathRedirect, Process
from wiki.processes.paths import address_path, is_valid_slug, is_within, join_path, slugify
from wiki.rendered import kept_html
from wiki.textutil import clean_line, clean_text
from wiki.versioning import shared_part

MAX_NAME_LENGTH = 120
MAX_PATH_LENGTH = 1000  # Process.path's column size


@dataclass
class TreeNode:
    """A process with its children, for drawing the tree without one query per level."""

    process: Process  # or, from process_directory(), a ProcessName
    children: list[TreeNode] = field(default_factory=list)


def can_manage_processes(user: User) -> bool:
    return user.has_role("admin", "manager")


def require_process_manager(user: User) -> None:
    if not can_manage_processes(user):
        raise NotAllowed("Only managers and admins can change the process tree.")


def get_process(path: str) -> Process:
    """The process at path, or at the path it was renamed or moved to from there."""
    path = path.strip("/")
    process = db.session.scalar(select(Process).where(Process.path == path))
    if process is None:
        moved = moved_to(path)
        process = moved if isinstance(moved, Process) else None
    if process is None:
        raise NotFound(f"There is no process at “{path}”.", "process")
    return process


def get_process_by_id(process_id: int) -> Process:
    process = db.session.get(Process, process_id)
    if process is None:
        raise NotFound(f"There is no process {process_id}.", "process")
    return process


def process_tree() -> list[TreeNode]:
    """The whole tree as nested nodes, roots first, siblings by position then name."""
    return _nested(
        db.session.scalars(select(Process).order_by(Process.position, Process.name)).all()
    )


@dataclass(frozen=True)
class ProcessName:
    """A process as trails, filters and lists name it: plain values, kept across requests."""

    id: int
    parent_id: int | None
    name: str
    path: str

    @property
    def depth(self) -> int:
        return self.path.count("/")


@dataclass(frozen=True)
class ProcessDirectory:
    # The tree of ProcessNames, as process_tree() orders it (for drawing the sidebar and the
    # filters' lists: hundreds of processes made into ORM objects cost more than drawing them).
    outline: list[TreeNode]
    by_id: dict[int, ProcessName]
    by_path: dict[str, ProcessName]


def process_directory() -> ProcessDirectory:
    """Every process's id, parent, name and path, and their tree: read once per shared version
    and kept by the worker for every request (search shows them on every results page)."""
    return shared_part(("process-directory",), _read_directory)


def _read_directory() -> ProcessDirectory:
    columns = (Process.id, Process.parent_id, Process.name, Process.path)
    rows = db.session.execute(select(*columns).order_by(Process.position, Process.name)).all()
    names = [ProcessName(*row) for row in rows]
    return ProcessDirectory(
        outline=_nested(names),
        by_id={process.id: process for process in names},
        by_path={process.path: process for process in names},
    )


def _nested(processes) -> list[TreeNode]:
    nodes = {process.id: TreeNode(process) for process in processes}
    roots: list[TreeNode] = []
    for process in processes:
        node = nodes[process.id]
        if process.parent_id is None:
            roots.append(node)
        else:
            nodes[process.parent_id].children.append(node)
    return roots


def page_counts(processes: list[Process]) -> dict[int, int]:
    """How many pages each of these processes holds, in one query (none for no processes)."""
    if not processes:
        return {}
    rows = db.session.execute(
        select(Page.process_id, func.count(Page.id))
        .where(Page.process_id.in_([process.id for process in processes]))
        .group_by(Page.process_id)
    )
    return {process_id: count for process_id, count in rows}


PAGES_PER_SCREEN = 50


@dataclass(frozen=True)
class PageScreen:
    """One screen of a process's pages by title, and where it sits among them."""

    pages: list[Page]
    number: int
    total: int
    per_screen: int = PAGES_PER_SCREEN

    @property
    def last(self) -> int:
        return max(1, -(-self.total // self.per_screen))

    @property
    def first_shown(self) -> int:
        return (self.number - 1) * self.per_screen + 1 if self.pages else 0

    @property
    def last_shown(self) -> int:
        return self.first_shown + len(self.pages) - 1 if self.pages else 0


def pages_screen(process: Process, number: int = 1) -> PageScreen:
    """The process's pages on screen `number` (1 up; past the end shows the last): a process
    of thousands of pages is counted by its index and only one screen of them is read."""
    total = page_counts([process]).get(process.id, 0)
    number = min(max(1, number), max(1, -(-total // PAGES_PER_SCREEN)))
    shown = db.session.scalars(
        select(Page)
        .where(Page.process_id == process.id)
        .order_by(Page.title, Page.id)
        .offset((number - 1) * PAGES_PER_SCREEN)
        .limit(PAGES_PER_SCREEN)
    ).all()
    return PageScreen(list(shown), number, total)


def description_html(process: Process) -> Markup:
    return kept_html(process, "description", "description_html", links.resolver_for(process.path))


def create_process(
    actor: User,
    name: str,
    parent: Process | None = None,
    slug: str = "",
    description: str = "",
    position: int = 0,
) -> Process:
    require_process_manager(actor)
    name, slug = _checked_name_and_slug(name, slug, parent)
    path = join_path(parent.path if parent else "", slug)
    process = Process(
        name=name,
        slug=slug,
        parent=parent,
        path=path,
        description=clean_text(description),
        position=position,
    )
    db.session.add(process)
    forget_old_paths([path])
    links.invalidate_links_to([path])
    commit_claiming_address("slug")
    return process


def update_process(
    actor: User, process: Process, name: str, slug: str, description: str
) -> Process:
    """Rename a process (its name, its slug or both) and change its description."""
    require_process_manager(actor)
    name, slug = _checked_name_and_slug(name, slug, process.parent, exclude=process)
    process.name = name
    process.description = clean_text(description)
    if slug != process.slug:
        _repath(process, join_path(process.parent.path if process.parent else "", slug))
        process.slug = slug
    commit_claiming_address("slug")
    return process


def move_process(actor: User, process: Process, new_parent: Process | None) -> Process:
    require_process_manager(actor)
    if new_parent is not None and is_within(new_parent.path, process.path):
        raise DomainError(
            f"“{process.name}” cannot move into itself or one of its own sub-processes.",
            "parent",
        )
    if new_parent is not None and new_parent.id == process.parent_id:
        return process
    _checked_name_and_slug(process.name, process.slug, new_parent, exclude=process)
    old_path = process.path
    _repath(process, join_path(new_parent.path if new_parent else "", process.slug))
    audit.record(
        "process_moved", actor, subject=f"process:{process.id}", subject_label=process.name,
        detail=f"{old_path} → {process.path}",
    )  # fmt: skip
    process.parent = new_parent
    commit_claiming_address("parent")
    return process


def delete_process(actor: User, process: Process) -> None:
    require_process_manager(actor)
    if process.children or process.pages:
        raise DomainError(
            f"“{process.name}” still has sub-processes or pages; move or delete them first."
        )
    path = process.path
    audit.record("process_deleted", actor, subject=f"process:{process.id}", subject_label=path)
    db.session.delete(process)
    links.invalidate_links_to([path])
    db.session.commit()


def _checked_name_and_slug(
    name: str, slug: str, parent: Process | None, exclude: Process | None = None
) -> tuple[str, str]:
    name = clean_line(name)
    slug = (clean_line(slug) or slugify(name)).lower()
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = "A process needs a name."
    elif len(name) > MAX_NAME_LENGTH:
        errors["name"] = f"A process name has at most {MAX_NAME_LENGTH} characters."
    if not errors and not is_valid_slug(slug):
        errors["slug"] = (
            "A slug uses lowercase letters, digits and single hyphens, at most 80 characters."
        )
    if not errors and len(join_path(parent.path if parent else "", slug)) > MAX_PATH_LENGTH:
        errors["slug"] = _too_long_message()
    if not errors:
        taken = slug_taken(parent, slug, exclude_process=exclude)
        if taken:
            errors["slug"] = taken
    if errors:
        raise ValidationError(errors)
    return name, slug


def commit_claiming_address(field: str) -> None:
    """Commit a change that takes an address; if someone took it a moment ago, say so."""
    try:
        db.session.commit()
    except IntegrityError as error:
        db.session.rollback()
        raise ValidationError(
            {field: "Someone else just gave something this address; choose another."}
        ) from error


def _too_long_message() -> str:
    return (
        f"The address would be longer than {MAX_PATH_LENGTH:,} characters: choose a shorter "
        "slug or a place nearer the top."
    )


def in_subtree(path: str):
    """The SQL condition on Process: the process at path, or one anywhere below it."""
    return or_(Process.path == path, Process.path.startswith(path + "/"))


def _subtree(process: Process) -> list[Process]:
    return list(db.session.scalars(select(Process).where(in_subtree(process.path))))


def slug_taken(
    parent: Process | None,
    slug: str,
    exclude_process: Process | None = None,
    exclude_page: Page | None = None,
) -> str | None:
    """A message when a slug is already used by a sibling process or a page of the parent.

    Processes and pages share one namespace per process, so that a path names one thing.
    """
    siblings = select(Process).where(
        Process.slug == slug,
        Process.parent_id.is_(None) if parent is None else Process.parent_id == parent.id,
    )
    if exclude_process is not None:
        siblings = siblings.where(Process.id != exclude_process.id)
    other = db.session.scalar(siblings)
    if other is not None:
        return f"“{other.name}” already uses the address “{other.path}”."
    if parent is not None:
        pages = select(Page).where(Page.process_id == parent.id, Page.slug == slug)
        if exclude_page is not None:
            pages = pages.where(Page.id != exclude_page.id)
        page = db.session.scalar(pages)
        if page is not None:
            return f"The page “{page.title}” already uses the address “{page.path}”."
    return None


def _repath(process: Process, new_path: str) -> None:
    """Give a process a new path, carrying its subtree along and leaving redirects behind."""
    old_path = process.path
    if old_path == new_path:
        return
    subtree = _subtree(process)
    # Refused before anything changes: no path in the subtree may outgrow its column.
    if len(new_path) + max(len(node.path) for node in subtree) - len(old_path) > MAX_PATH_LENGTH:
        raise ValidationError({"slug": _too_long_message()})
    moved: list[tuple[str, str]] = []
    for node in subtree:
        old = node.path
        node.path = new_path + old[len(old_path) :]
        moved.append((old, node.path))
        remember_old_path(old, process_id=node.id)
    for page in db.session.scalars(select(Page).where(Page.path.startswith(old_path + "/"))):
        old = page.path
        page.path = new_path + old[len(old_path) :]
        moved.append((old, page.path))
        remember_old_path(old, page_id=page.id)
        links.relink_moved_page(page)
    new_paths = [new for _, new in moved]
    forget_old_paths(new_paths)
    links.invalidate_links_to([path for pair in moved for path in pair])


def forget_old_paths(paths: list[str]) -> None:
    """A path that names something live again no longer redirects."""
    db.session.execute(delete(PathRedirect).where(PathRedirect.old_path.in_(paths)))


def remember_old_path(
    old_path: str, page_id: int | None = None, process_id: int | None = None
) -> None:
    """Point an old path at its object; an older redirect from the same path is replaced."""
    db.session.merge(PathRedirect(old_path=old_path, page_id=page_id, process_id=process_id))


# The process comes with the page: its view shows the trail and the process's questions.
# Built once: every page view runs it, and building it cost about as much as running it.
PAGE_AT_PATH = select(Page).where(Page.path == bindparam("path")).options(joinedload(Page.process))


def resolve_path(path: str) -> Page | Process | str | None:
    """What a URL path names: a page, a process, the current path of a moved one, or None."""
    path = path.strip("/")
    page = db.session.scalar(PAGE_AT_PATH, {"path": path})
    if page is not None:
        return page
    return resolve_beyond_pages(path)


def resolve_beyond_pages(path: str) -> Process | str | None:
    """What a URL path names when no page has it: a process, the current path of a moved page
    or process, or None."""
    process = db.session.scalar(select(Process).where(Process.path == path))
    if process is not None:
        return process
    moved = moved_to(path)
    return moved.path if moved is not None else None


def page_at_address(address: str) -> Page | None:
    """The page a pasted address names (a whole URL or a path, see paths.address_path),
    following a move; None when it names no page."""
    path = address_path(address)
    found = resolve_path(path) if path else None
    if isinstance(found, str):
        found = resolve_path(found)
    return found if isinstance(found, Page) else None


def moved_to(old_path: str) -> Page | Process | None:
    """The page or process that was renamed or moved away from old_path, if any."""
    redirect = db.session.get(PathRedirect, old_path)
    if redirect is None:
        return None
    if redirect.page_id is not None:
        return db.session.get(Page, redirect.page_id)
    return db.session.get(Process, redirect.process_id)
