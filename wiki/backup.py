"""`wiki backup` and `wiki restore`: the whole wiki (pages with their history, files, people,
questions, gaps, notifications, webhooks...) is the database, so a backup is the database's:
SQLite's online backup into one file, or pg_dump's custom format on PostgreSQL. The search
index is built again after a restore (PostgreSQL's lives in the database and comes along)."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import click
from flask.cli import with_appcontext
from flask_migrate import upgrade
from sqlalchemy import inspect, text
from sqlalchemy.engine import URL

from wiki.extensions import db

# SQLite pages copied per step of the online backup: writers get the lock between steps.
_PAGES_PER_STEP = 256


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@with_appcontext
def backup(path: Path) -> None:
    """Write the whole wiki to PATH while it serves: a SQLite file, or on PostgreSQL a
    pg_dump archive (custom format). `wiki restore PATH` brings it back."""
    if path.exists():
        raise click.ClickException(f"{path} exists already: give a new file name.")
    url = db.engine.url
    if url.get_backend_name() == "sqlite":
        _sqlite_copy(Path(url.database), path, "Backing up")
    else:
        _run(["pg_dump", "--format=custom", "--no-owner", f"--file={path}"], url)
    click.echo(f"Backed up to {path} ({path.stat().st_size:,} bytes).")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--replace", is_flag=True, help="Replace a database that holds a wiki already.")
@click.pass_context
@with_appcontext
def restore(context: click.Context, path: Path, replace: bool) -> None:
    """Bring back a backup made by `wiki backup` into the configured database, then migrate it
    to this version and build the search index. Stop the wiki's workers first."""
    if _holds_a_wiki() and not replace:
        raise click.ClickException(
            "The database holds a wiki already; pass --replace to overwrite it with the backup."
        )
    url = db.engine.url
    db.session.remove()
    db.engine.dispose()  # no connection of ours holds the database meanwhile
    if url.get_backend_name() == "sqlite":
        _sqlite_copy(path, Path(url.database), "Restoring")
    else:
        clean = ["--clean", "--if-exists"] if replace else []
        command = ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error"]
        _run([*command, "--single-transaction", *clean, f"--dbname={_libpq(url)}", str(path)], url)
    upgrade()
    from wiki.search.cli import reindex_command  # the search index, built from what came back

    context.invoke(reindex_command)
    click.echo(f"Restored from {path}.")


def _holds_a_wiki() -> bool:
    with db.engine.connect() as connection:
        if "users" not in inspect(connection).get_table_names():
            return False
        return connection.scalar(text("SELECT count(*) FROM users")) > 0


def _sqlite_copy(source: Path, target: Path, label: str) -> None:
    """SQLite's online backup, page by page: consistent even while the source is written."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with (
        sqlite3.connect(source) as reading,
        sqlite3.connect(target) as writing,
        click.progressbar(length=100, label=label) as bar,
    ):
        shown = 0

        def progress(_status: int, remaining: int, total: int) -> None:
            nonlocal shown
            done = 100 * (total - remaining) // max(total, 1)
            bar.update(done - shown)
            shown = done

        reading.backup(writing, pages=_PAGES_PER_STEP, progress=progress)
    writing.close()
    reading.close()


def _run(command: list[str], url: URL) -> None:
    """Run a PostgreSQL client program against the database; its password goes in the
    environment, never on the command line (where `ps` shows it)."""
    program = shutil.which(command[0])
    if program is None:
        raise click.ClickException(
            f"{command[0]} is missing: install PostgreSQL's client programs "
            "(Debian: apt-get install postgresql-client)."
        )
    if command[0] == "pg_dump":
        command = [*command, f"--dbname={_libpq(url)}"]
    environment = {**os.environ}
    if url.password:
        environment["PGPASSWORD"] = url.password
    click.echo(f"Running {command[0]}...")
    finished = subprocess.run(
        [program, *command[1:]], env=environment, capture_output=True, text=True
    )
    if finished.returncode != 0:
        raise click.ClickException(f"{command[0]} failed: {finished.stderr.strip()}")


def _libpq(url: URL) -> str:
    """The database's address as libpq reads it (no driver name, no password)."""
    return url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
