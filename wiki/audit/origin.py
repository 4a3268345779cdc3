"""Where the action being audited comes from: the one place the audit trail reads the request."""

from __future__ import annotations

from flask import has_request_context, request

SHELL = "shell"


def client_address() -> str:
    """The client's address as the proxy settings see it, or "shell" outside a request."""
    if not has_request_context():
        return SHELL
    return (request.remote_addr or "")[:64]
