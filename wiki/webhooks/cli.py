"""`wiki webhooks`: add, list and remove webhook endpoints from the shell."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from wiki.errors import NotFound, ValidationError
from wiki.webhooks import services


@click.group()
def webhooks() -> None:
    """Manage outgoing webhooks."""


@webhooks.command("add")
@click.argument("url")
@click.option("--events", "event_names", required=True, help="Comma-separated event names.")
@click.option("--secret", default="", help="The signing secret (default: a new random one).")
@with_appcontext
def add_command(url: str, event_names: str, secret: str) -> None:
    """Add an endpoint; prints its id and secret."""
    draft = services.EndpointDraft(url, [n.strip() for n in event_names.split(",")], secret)
    try:
        endpoint, secret = services.add_endpoint(None, draft)
    except ValidationError as refused:
        raise click.ClickException(" ".join(refused.errors.values())) from refused
    click.echo(f"Added webhook {endpoint.id}: {endpoint.url}")
    click.echo(f"Secret: {secret}")


@webhooks.command("list")
@with_appcontext
def list_command() -> None:
    """Every endpoint with its events and state."""
    for endpoint, deliveries in services.list_endpoints():
        state = "paused" if endpoint.paused else "active"
        last = f", last delivery {deliveries[0].state}" if deliveries else ""
        click.echo(f"{endpoint.id}  {endpoint.url}  [{state}{last}]  {endpoint.events}")


@webhooks.command("remove")
@click.argument("endpoint_id", type=int)
@with_appcontext
def remove_command(endpoint_id: int) -> None:
    """Remove an endpoint and its deliveries."""
    try:
        endpoint = services.get_endpoint(endpoint_id)
    except NotFound as missing:
        raise click.ClickException(missing.message) from missing
    services.remove_endpoint(None, endpoint)
    click.echo(f"Removed webhook {endpoint_id}.")
