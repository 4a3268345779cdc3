"""`wiki users` and `wiki tokens`: people, the company directory and API tokens from the
command line."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from wiki.auth import services
from wiki.auth import tokens as api_tokens
from wiki.auth.models import ROLES, ApiToken
from wiki.auth.sync import sync_with_directory
from wiki.errors import CompanySignInUnavailable, ValidationError
from wiki.extensions import db
from wiki.forms import MAX_ID


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
    except CompanySignInUnavailable as error:
        raise click.ClickException(error.message) from error
    if outcome is None:
        raise click.ClickException("No directory is configured (WIKI_LDAP_URL).")
    for line in outcome.deactivated:
        click.echo(f"deactivated: {line}")
    for email in outcome.updated:
        click.echo(f"updated: {email}")
    for line in outcome.not_updated:
        click.echo(f"email not changed: {line}")
    click.echo(f"{len(outcome.deactivated)} deactivated, {len(outcome.updated)} updated.")


@click.group()
def tokens() -> None:
    """Make and revoke personal access tokens for the API."""


@tokens.command("create")
@click.argument("email")
@click.option("--name", required=True, help="What will use the token.")
@click.option("--write", is_flag=True, help="Allow changes, not only reading.")
@click.option(
    "--days",
    type=click.IntRange(1, api_tokens.MAX_DAYS),
    default=api_tokens.DEFAULT_DAYS,
    show_default=True,
    help="Days until the token expires.",
)
def create_token(email: str, name: str, write: bool, days: int) -> None:
    """Print a new token of the person with EMAIL (shown this once)."""
    user = services.find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"Nobody has the email {email}.")
    try:
        made = api_tokens.create_token(user, name, write=write, days=days)
    except ValidationError as error:
        raise click.ClickException("; ".join(error.errors.values())) from error
    click.echo(made.secret)


@tokens.command("revoke")
@click.argument("token_id", type=click.IntRange(1, MAX_ID))
def revoke_token(token_id: int) -> None:
    """Revoke the token with TOKEN_ID (its number in the token lists)."""
    token = db.session.get(ApiToken, token_id)
    if token is None:
        raise click.ClickException(f"There is no token {token_id}.")
    api_tokens.revoke_token(token.user, token_id)
    click.echo(f"Revoked token {token_id} ({token.name}) of {token.user.email}.")
