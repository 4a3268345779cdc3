"""The rules of watching: watch and stop watching, who watches a page (directly or through a
process above it), telling them of a change, and the personal feed of what they watch."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import bindparam, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from wiki.auth.models import User
from wiki.errors import NotFound
from wiki.extensions import db
from wiki.notifications.services import notify
from wiki.processes import tree
from wiki.processes.models import Page, Process, Revision
from wiki.watching.models import FeedToken, Watch


def watch(person: User, page: Page | None = None, process: Process | None = None) -> Watch:
    """Start watching a page or a process subtree; watching it already changes nothing."""
    found = watch_on(person, page=page, process=process)
    if found is not None:
        return found
    made = Watch(user=person, page=page, process=process)
    db.session.add(made)
    try:
        db.session.commit()
    except IntegrityError:  # the same person's second tab got there first
        db.session.rollback()
        return watch_on(person, page=page, process=process)
    return made


# Built once: every page view asks it (the Watch button), and building it cost about as much
# as running it.
_WATCH_ON_PAGE = select(Watch).where(
    Watch.user_id == bindparam("person"), Watch.page_id == bindparam("target")
)
_WATCH_ON_PROCESS = select(Watch).where(
    Watch.user_id == bindparam("person"), Watch.process_id == bindparam("target")
)


def watch_on(person: User, page: Page | None = None, process: Process | None = None):
    """This person's watch on exactly this page or process, if any."""
    query, target = (_WATCH_ON_PAGE, page) if page is not None else (_WATCH_ON_PROCESS, process)
    return db.session.scalar(query, {"person": person.id, "target": target.id})


# The page view's statement: the page at a path (tree.PAGE_AT_PATH) with the id of the
# viewer's watch on it, which its Watch button shows: one statement rather than two.
_PAGE_WITH_WATCH = tree.PAGE_AT_PATH.add_columns(
    select(Watch.id)
    .where(Watch.user_id == bindparam("person"), Watch.page_id == Page.id)
    .scalar_subquery()
)


def page_with_watch(path: str, person: User | None) -> tuple[Page, int | None] | None:
    """The page at a path and the id of this person's watch on it (None when they watch it
    not, or nobody is signed in); None when no page is at the path."""
    values = {"path": path.strip("/"), "person": person.id if person is not None else None}
    row = db.session.execute(_PAGE_WITH_WATCH, values).first()
    return (row[0], row[1]) if row is not None else None


def unwatch(person: User, watch_id: int) -> None:
    found = db.session.get(Watch, watch_id)
    if found is None or found.user_id != person.id:
        raise NotFound("You are not watching that.")  # someone else's watch is not told apart
    db.session.delete(found)
    db.session.commit()


def watches_of(person: User) -> list[Watch]:
    return list(
        db.session.scalars(
            select(Watch)
            .where(Watch.user_id == person.id)
            .options(joinedload(Watch.page), joinedload(Watch.process))
            .order_by(Watch.created_at.desc(), Watch.id.desc())
        )
    )


def watchers_of(page: Page) -> list[User]:
    """Everyone watching the page itself or a process it sits in, at any depth."""
    processes = [*page.process.ancestors(), page.process]
    return list(
        db.session.scalars(
            select(User)
            .join(Watch, Watch.user_id == User.id)
            .where(or_(Watch.page_id == page.id, Watch.process_id.in_([p.id for p in processes])))
            .distinct()
        )
    )


def tell_watchers(page: Page, actor: User | None, what: str, headline: str = "") -> None:
    """Notify the page's watchers (not whoever made the change) in the change's transaction:
    "<who> <what> “<page>”", under the title "<page>: <headline or what>"."""
    watchers = [person for person in watchers_of(page) if actor is None or person.id != actor.id]
    if not watchers:
        return
    who = actor.name if actor is not None else "An import"
    notify(
        watchers,
        "watched_change",
        f"{page.title}: {headline or what}",
        f"{who} {what} “{page.title}”, which you watch.",
        f"/p/{page.path}",
    )


# -- the personal feed --------------------------------------------------------------------


def new_feed_token(person: User) -> str:
    """A fresh secret for the person's feed address, replacing any earlier one (whose address
    stops working); only its hash is stored, so it is shown once."""
    token = secrets.token_urlsafe(24)
    stored = db.session.get(FeedToken, person.id)
    if stored is None:
        stored = FeedToken(user_id=person.id)
        db.session.add(stored)
    stored.token_hash = _hash(token)
    db.session.commit()
    return token


def stop_feeds(person: User) -> None:
    """Revoke the person's feed token: every feed address of theirs stops working."""
    stored = db.session.get(FeedToken, person.id)
    if stored is not None:
        db.session.delete(stored)
        db.session.commit()


def has_feed_token(person: User) -> bool:
    return db.session.get(FeedToken, person.id) is not None


def person_for_feed(token: str) -> User:
    found = db.session.scalar(select(FeedToken).where(FeedToken.token_hash == _hash(token)))
    person = db.session.get(User, found.user_id) if found is not None else None
    if person is None or not person.active:
        raise NotFound("This feed address is not valid. Make a new one under Watching.")
    return person


def watched_changes(person: User, limit: int = 50) -> list[Revision]:
    """The latest revisions of the pages the person watches, directly or through a process."""
    watches = watches_of(person)
    page_ids = [w.page_id for w in watches if w.page_id is not None]
    paths = [w.process.path for w in watches if w.process is not None]
    conditions = [Page.id.in_(page_ids)] if page_ids else []
    conditions += [Page.path.startswith(path + "/", autoescape=True) for path in paths]
    if not conditions:
        return []
    return list(
        db.session.scalars(
            select(Revision)
            .join(Revision.page)
            .where(or_(*conditions))
            .options(
                joinedload(Revision.author), joinedload(Revision.page).joinedload(Page.process)
            )
            .order_by(Revision.created_at.desc(), Revision.id.desc())
            .limit(limit)
        )
    )


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
