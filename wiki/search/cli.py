"""`wiki search`: query from the shell, rebuild the index, and check it against the database."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from wiki.auth.models import User
from wiki.errors import NotFound
from wiki.extensions import db
from wiki.search import services
from wiki.search.index_schema import IndexDamaged, IndexMissing
from wiki.search.indexing import Indexer, indexer


@click.group()
def search() -> None:
    """Query, rebuild and check the search index."""


@search.command("query")
@click.argument("text")
@click.option("--process", "process_path", help="Only this process and those below it.")
@click.option("--json", "as_json", is_flag=True, help="Print the hits as JSON.")
@click.option("--as", "email", help="Search as this person (default: the first admin).")
@with_appcontext
def query_command(text: str, process_path: str | None, as_json: bool, email: str | None) -> None:
    """Print ranked hits for TEXT."""
    search_indexer = indexer()
    if not search_indexer.ready():
        search_indexer.wait_until_built()
    try:
        outcome = services.search(_searcher(email), text, process_path=process_path, record=False)
        if outcome.unavailable:  # found damaged by this very query: wait for the rebuild
            search_indexer.wait_until_built()
            outcome = services.search(
                _searcher(email), text, process_path=process_path, record=False
            )
    except NotFound as error:
        raise click.ClickException(str(error)) from error
    if outcome.unavailable:
        raise click.ClickException(
            "Search is unavailable: see the log, then run `wiki search check --fix`."
        )
    hits = outcome.results.hits if outcome.results else []
    rows = [
        {
            "type": hit.type,
            "title": hit.plain_title,
            "url": hit.url,
            "process": services.trail_text(outcome.breadcrumbs.get(hit.key, [])),
            "score": round(hit.score, 4),
        }
        for hit in hits
    ]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if outcome.did_you_mean:
        click.echo(f"Did you mean: {outcome.did_you_mean}")
    if not rows:
        click.echo("No results.")
    for number, row in enumerate(rows, 1):
        trail = f"  [{row['process']}]" if row["process"] else ""
        click.echo(f"{number:>3}. {row['title']} ({row['type']}, {row['score']}){trail}")
        click.echo(f"     {row['url']}")


def _searcher(email: str | None) -> User:
    if email:
        person = db.session.scalar(select(User).where(User.email == email.strip().lower()))
        if person is None:
            raise click.ClickException(f"Nobody has the email address {email}.")
        return person
    admins = select(User).where(User.role_rows.any(role="admin"), User.active.is_(True))
    person = db.session.scalar(admins.order_by(User.id))
    if person is None:
        raise click.ClickException("There is no active admin: pass --as EMAIL.")
    return person


@search.command("reindex")
@with_appcontext
def reindex_command() -> None:
    """Rebuild the index from the database into a fresh directory and swap it in."""
    _rebuild_with_progress(indexer(), "Indexing")


@search.command("check")
@click.option("--fix", is_flag=True, help="Repair what differs; rebuild a damaged index.")
@with_appcontext
def check_command(fix: bool) -> None:
    """Read the whole index, then compare it with the database: missing, stale and orphaned
    documents, and on PostgreSQL the database indexes search needs. Exits 1 when anything is
    wrong and --fix was not given."""
    search_indexer = indexer()
    search_indexer.wait_until_built()
    unfinished = search_indexer.index.unfinished_generations()
    if unfinished:
        click.echo(f"unfinished rebuilds left behind: {len(unfinished)}")
        if fix:
            search_indexer.remove_unfinished()
    try:
        click.echo(f"index: readable, {search_indexer.index.verify()} documents")
    except IndexMissing as problem:
        damaged = isinstance(problem, IndexDamaged)
        click.echo(f"index: {'damaged' if damaged else 'none'} ({problem})")
        if not fix:
            raise click.exceptions.Exit(1) from None
        replacing = problem.generation if damaged else None
        _rebuild_with_progress(search_indexer, "Rebuilding", replacing)
    drift = search_indexer.check()
    for name in ("missing", "stale", "orphaned"):
        keys = sorted(getattr(drift, name))
        shown = ", ".join(keys[:10]) + (" …" if len(keys) > 10 else "")
        click.echo(f"{name}: {len(keys)}" + (f" ({shown})" if keys else ""))
    if drift.indexes:
        names = ", ".join(sorted(drift.indexes))
        click.echo(f"database indexes missing or invalid: {len(drift.indexes)} ({names})")
    if not drift:
        click.echo("The index matches the database.")
        if unfinished and not fix:
            raise click.exceptions.Exit(1)
        return
    if not fix:
        raise click.exceptions.Exit(1)
    with click.progressbar(length=len(drift.keys), label="Repairing") as bar:
        search_indexer.repair(drift, on_item=bar.update)
    if drift.indexes:
        click.echo(f"Recreated {len(drift.indexes)} database indexes.")
    click.echo(f"Repaired {len(drift.keys)} documents.")


def _rebuild_with_progress(
    search_indexer: Indexer, label: str, replacing: Path | None = None
) -> int:
    with click.progressbar(length=search_indexer.document_count(), label=label) as bar:
        count = search_indexer.rebuild(on_item=lambda: bar.update(1), replacing=replacing)
    click.echo(f"Indexed {count} documents.")
    return count
