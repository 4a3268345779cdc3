"""`wiki gaps report`: the trainer's report on the command line, as CSV, markdown or JSON."""

from __future__ import annotations

import json
from datetime import date

import click
from flask.cli import with_appcontext

from wiki.errors import NotFound
from wiki.gaps.report import ReportFilters, build_report, report_csv, report_data
from wiki.timeutil import utcnow


@click.group("gaps")
def gaps() -> None:
    """The gap log."""


@gaps.command("report")
@click.option("--process", "process_path", default="", metavar="PATH", help="A process subtree.")
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), help="Logged on or after.")
@click.option("--format", "output", type=click.Choice(["csv", "md", "json"]), default="md")
@with_appcontext
def report(process_path: str, since, output: str) -> None:
    """Print the gap report: per process (csv: per gap)."""
    filters = ReportFilters(
        process_path=process_path.strip("/"), since=since.date() if since else None
    )
    now = utcnow()
    try:
        found = build_report(filters, now)
    except NotFound as error:
        raise click.BadParameter(error.message, param_hint="--process") from None
    if output == "csv":
        click.echo(report_csv(filters), nl=False)
    elif output == "json":
        click.echo(json.dumps(report_data(found), indent=2, ensure_ascii=False))
    else:
        click.echo(_as_markdown(found, now.date()))


def _as_markdown(found, today: date) -> str:
    lines = [
        f"# Gap report ({today.isoformat()})",
        "",
        f"{found.total} gaps, {found.people} people affected.",
        "",
        "| process | gaps | here | people | median age (days) | top search misses |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for row in found.rows:
        misses = ", ".join(f"{words} ({count})" for words, count in row.top_misses) or "–"
        name = "  " * row.depth + row.process.name
        cells = [name, row.total, row.own, row.people, f"{row.median_age_days:.0f}", misses]
        lines.append("| " + " | ".join(_cell(cell) for cell in cells) + " |")
    return "\n".join(lines)


def _cell(value) -> str:
    """A markdown table cell: a pipe in the text would end it."""
    return str(value).replace("|", "\\|")
