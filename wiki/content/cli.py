"""`wiki content`: load a content folder into the wiki, export the wiki to one, demo logins."""

from __future__ import annotations

import secrets
from pathlib import Path

import click
from flask import current_app
from sqlalchemy import func, select

from wiki.audit import services as audit
from wiki.content import files, loader
from wiki.extensions import db
from wiki.processes.models import Page

DEMO_PASSWORD_FILE = "demo-password"


@click.group()
def content() -> None:
    """Load or export the content folder (processes, pages, people)."""


@content.command("load")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--if-empty", is_flag=True, help="Do nothing when the wiki already has pages.")
@click.option(
    "--demo-password",
    is_flag=True,
    help="Give people created now the instance's demo password (see `wiki content logins`).",
)
def load(directory: Path, if_empty: bool, demo_password: bool) -> None:
    """Create or update what DIRECTORY describes. Safe to run again: nothing is duplicated."""
    if if_empty and db.session.scalar(select(func.count(Page.id))):
        click.echo("The wiki already has pages; content not loaded (--if-empty).")
        return
    try:
        tree = files.read_content(directory)
    except files.ContentError as error:
        raise click.ClickException(f"{error} Nothing was loaded.") from error
    password = _demo_password() if demo_password else None
    try:
        with click.progressbar(length=len(tree), label="Loading content") as bar:
            report = loader.load_content(tree, password, on_item=lambda: bar.update(1))
    except files.ContentError as error:
        raise click.ClickException(f"{error} Nothing was loaded.") from error
    for label in report.created:
        click.echo(f"  created {label}")
    for label in report.updated:
        click.echo(f"  updated {label}")
    click.echo(
        f"{len(report.created)} created, {len(report.updated)} updated, "
        f"{report.unchanged} unchanged."
    )


@content.command("export")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def export(directory: Path) -> None:
    """Write the wiki's people, processes, pages and templates to DIRECTORY."""
    total = db.session.scalar(select(func.count(Page.id))) or 0
    with click.progressbar(length=total, label="Exporting content") as bar:
        count = loader.export_content(directory, on_item=lambda: bar.update(1))
    audit.record("content_exported", detail=f"{count} items to {directory.resolve()}")
    db.session.commit()
    click.echo(f"Exported {count} items to {directory}.")


@content.command("logins")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
def logins(directory: Path) -> None:
    """Print how to log in as each person of the content folder."""
    tree = files.read_content(directory)
    password = _demo_password()
    click.echo("Log in at http://127.0.0.1:5000/login as any of these demo people:")
    for person in tree.people:
        roles = ", ".join(role for role in person.roles if role != "member") or "member"
        click.echo(f"  {person.email:<28} {roles:<18} {person.name}")
    click.echo(f"Demo password for all of them: {password}")
    click.echo(f"(generated for this instance, kept in {_demo_password_path()})")


def _demo_password_path() -> Path:
    return Path(current_app.instance_path) / DEMO_PASSWORD_FILE


def _demo_password() -> str:
    """The instance's demo password, generated once: never a default anyone could guess."""
    path = _demo_password_path()
    if not path.exists():
        path.write_text(secrets.token_urlsafe(9))
        path.chmod(0o600)
    return path.read_text().strip()
