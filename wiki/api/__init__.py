"""The JSON API at /api/v1: the blueprint, with the endpoints of each domain beside it."""

from wiki.api import pages, processes  # noqa: F401  (their routes join the blueprint)
from wiki.api.blueprint import bp

__all__ = ["bp"]
