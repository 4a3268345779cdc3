"""What a miss offers: "ask an expert" and "log a gap", pre-filled from the search.

This is the hook for the domains that own those forms. An offer shows once its endpoint exists,
and is called with the arguments below as query parameters, so the questions and gaps
blueprints only need to read them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app, url_for


@dataclass(frozen=True)
class MissOffer:
    label: str
    endpoint: str
    # (query, process path or None) → the form's query parameters
    arguments: Callable[[str, str | None], dict[str, str]]


def _ask_arguments(query: str, process_path: str | None) -> dict[str, str]:
    arguments = {"title": query, "source": "search-miss"}
    if process_path:
        arguments["process"] = process_path
    return arguments


def _gap_arguments(query: str, process_path: str | None) -> dict[str, str]:
    arguments = {"title": f"Nothing documented about “{query}”", "source": "search-miss"}
    if process_path:
        arguments["process"] = process_path
    return arguments


OFFERS: list[MissOffer] = [
    MissOffer("Ask an expert", "questions.ask", _ask_arguments),
    MissOffer("Log a gap", "gaps.new", _gap_arguments),
]


def offers_for(query: str, process_path: str | None) -> list[tuple[str, str]]:
    """(label, URL) of each offer whose form exists in this app."""
    return [
        (offer.label, url_for(offer.endpoint, **offer.arguments(query, process_path)))
        for offer in OFFERS
        if offer.endpoint in current_app.view_functions
    ]
