"""The `wiki` command: Flask's commands (run, shell, routes, db) plus the wiki's own."""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import FlaskGroup


def _create_app() -> Flask:
    from wiki import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app)
def cli() -> None:
    """Onramp Wiki: manage the database, people and content."""


def register_commands(app: Flask) -> None:
    from wiki.auth.cli import tokens, users
    from wiki.backup import backup, restore
    from wiki.content.cli import content
    from wiki.gaps.cli import gaps
    from wiki.search.cli import search
    from wiki.tick import tick
    from wiki.webhooks.cli import webhooks
    from wiki.worker import worker

    app.cli.add_command(users)
    app.cli.add_command(tokens)
    app.cli.add_command(content)
    app.cli.add_command(gaps)
    app.cli.add_command(search)
    app.cli.add_command(tick)
    app.cli.add_command(webhooks)
    app.cli.add_command(backup)
    app.cli.add_command(restore)
    app.cli.add_command(worker)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(cli())
