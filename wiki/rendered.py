"""Markdown rendered once per text and kept beside it in the database (questions, answers, gap
and forum descriptions, meeting minutes, process descriptions), as page revisions keep theirs.

A model names its text and HTML columns with keep_html_of; the HTML is emptied whenever the
text is set to something else, and by forget_linked_html when wiki links may now resolve
differently (a page or process made, moved or deleted). The next view renders it again."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from markupsafe import Markup
from sqlalchemy import event, select, update

from wiki.extensions import db
from wiki.markup import LinkResolver, render_markdown

# (model, text column name, HTML column name, whether the text's wiki links are resolved)
_KEPT: list[tuple[type, str, str, bool]] = []


def keep_html_of(model: type, text_field: str, html_field: str, links: bool = False) -> None:
    """Declare that model keeps the HTML of text_field in html_field. links: the text is
    rendered with a wiki-link resolver, so its HTML goes stale when paths come and go."""
    _KEPT.append((model, text_field, html_field, links))

    @event.listens_for(getattr(model, text_field), "set")
    def forget(target, value, old_value, initiator):
        if value != old_value:
            setattr(target, html_field, None)


def kept_html(
    owner: object, text_field: str, html_field: str, resolve: LinkResolver | None = None
) -> Markup:
    return kept_htmls([owner], text_field, html_field, resolve)[0]


def kept_htmls(
    owners: Sequence[object],
    text_field: str,
    html_field: str,
    resolve: LinkResolver | None = None,
) -> list[Markup]:
    """The sanitised HTML of each owner's text: the kept one, or rendered now and kept."""
    # Kept only when nothing else waits in the session, since keeping it commits.
    storable = not (db.session.new or db.session.deleted) and not any(
        db.session.is_modified(pending) for pending in db.session.dirty
    )
    htmls, stored = [], False
    for owner in owners:
        html = getattr(owner, html_field)
        if html is None:
            text = getattr(owner, text_field) or ""
            html = str(render_markdown(text, resolve))
            if storable:
                model = type(owner)
                # Only if the text is still the one rendered: an edit committed meanwhile
                # emptied the column for its own text, which this HTML is not. Written on the
                # connection, past the ORM: a kept rendering changes nothing a reader sees, so
                # it does not count as a write that empties every worker's page cache
                # (wiki/versioning.py).
                db.session.connection().execute(
                    update(model)
                    .where(
                        model.id == owner.id,
                        getattr(model, text_field) == text,
                        getattr(model, html_field).is_(None),
                    )
                    .values({html_field: html})
                )
                stored = True
        htmls.append(Markup(html))
    if stored:
        db.session.commit()
    return htmls


def forget_linked_html(may_point_to: Callable[[str], bool]) -> None:
    """Empty the kept HTML of every text holding a wiki link that may point where something
    changed (may_point_to(text)): where its links point, and whether anything is there yet, may
    have changed. Texts linking elsewhere keep theirs: a page made anywhere would otherwise
    render every linking comment again. Called with the pages' own
    (wiki.processes.links.invalidate_links_to), in the caller's transaction."""
    for model, text_field, html_field, links in _KEPT:
        if not links:
            continue
        text = getattr(model, text_field)
        holding = (text.contains("[["), getattr(model, html_field).is_not(None))
        candidates = db.session.execute(select(model.id, text).where(*holding))
        stale = [owner_id for owner_id, words in candidates if may_point_to(words)]
        for start in range(0, len(stale), 500):
            db.session.execute(
                update(model)
                .where(model.id.in_(stale[start : start + 500]))
                .values({html_field: None})
                .execution_options(synchronize_session=False)
            )
