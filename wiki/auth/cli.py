"""`wiki users`: create people, set passwords, and follow the company directory."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from wiki.auth import services
from wiki.auth.models import ROLES
from wiki.auth.sync import sync_with_directory
from wiki.errors import DirectoryUnavailable, ValidationError


@click.group()
def users() -> None:
    """Manage people."""


@users.command("create")
@click.argument("email")
@click.option("--name", required=True, help="The person's full name.")
@click.option(
    "--role", "roles", multiple=True, type=click.Choice(ROLES), help="Repeat for several roles."
)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_user(email: str, name: str, roles: tuple[str, ...], password_stdin: bool) -> None:
    """Create a person who can log in at once."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = services.create_user(
            services.PersonForm(email=email, name=name, roles=roles or ("member",)), password
        )
    except ValidationError as error:
        raise click.ClickException("; ".join(error.errors.values())) from error
    click.echo(f"Created {user.email} ({', '.join(sorted(user.roles))}).")


@users.command("sync")
@with_appcontext
def sync_command() -> None:
    """Deactivate the directory's leavers (gone, or in no mapped group); update names and roles."""
    try:
        outcome = sync_with_directory()
    except DirectoryUnavailable as error:
        raise click.ClickException(error.message) from error
    if outcome is None:
        raise click.ClickException("No directory is configured (WIKI_LDAP_URL).")
    for line in outcome.deactivated:
        click.echo(f"deactivated: {line}")
    for email in outcome.updated:
        click.echo(f"updated: {email}")
    click.echo(f"{len(outcome.deactivated)} deactivated, {len(outcome.updated)} updated.")
