"""`wiki users`: create people and set passwords from the command line."""

from __future__ import annotations

import sys

import click

from wiki.auth import services
from wiki.auth.models import ROLES
from wiki.errors import ValidationError


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
