"""The JSON API at /api/v1: the blueprint, with the endpoints of each domain beside it."""

from wiki.api import (  # noqa: F401  (their routes join the blueprint)
    attachments,
    change_requests,
    coaching,
    comments,
    gaps,
    notifications,
    pages,
    people,
    processes,
    questions,
    search,
)
from wiki.api.blueprint import bp

__all__ = ["bp"]
