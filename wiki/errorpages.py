"""Error pages: 403, 404, 500, refused CSRF tokens and domain errors, as HTML or JSON."""

from __future__ import annotations

from flask import Flask, current_app, jsonify, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.orm.exc import ObjectDeletedError
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from wiki.errors import DomainError
from wiki.extensions import db
from wiki.ratelimit import wait_text

TITLES = {
    400: "Bad request",
    401: "Please log in",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Too large",
    422: "Cannot be saved",
    429: "Please wait",
    500: "Something went wrong",
}

# The `error` of a JSON error: a word a program can branch on.
ERROR_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "rate_limited",
    500: "server_error",
}


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(DomainError, _domain_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(ObjectDeletedError, _deleted_meanwhile)
    app.register_error_handler(500, _server_error)


def wants_json() -> bool:
    # HTML unless the client prefers JSON: "*/*" (curl, wget) gets the page.
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return request.path.startswith("/api/") or best == "application/json"


def error_response(status: int, message: str):
    if wants_json():
        return jsonify(error=ERROR_CODES.get(status, "error"), message=message, fields={}), status
    return render_template(
        "error.html", status=status, title=TITLES.get(status, "Error"), message=message
    ), status


def _csrf_error(error: CSRFError):
    return error_response(
        400,
        "This form had expired or came from another site, so nothing was changed. "
        "Go back, reload the page and try again.",
    )


def _domain_error(error: DomainError):
    db.session.rollback()
    return error_response(error.status_code, error.message)


def _http_error(error: HTTPException):
    if isinstance(error, MethodNotAllowed) and request.url_rule is None:
        # Werkzeug answers 405 when an id is out of a route's range (int(max=...)); that is
        # only honest when another method really has a route at this address.
        allowed = routed_methods()
        error = MethodNotAllowed(sorted(allowed)) if allowed else NotFound()
    status = error.code or 500
    messages = {
        403: "You do not have permission to do this.",
        404: "There is nothing at this address. It may have been moved or deleted.",
    }
    if status == 429:
        messages[429] = f"Too many tries. Please wait {wait_text()} before trying again."
    response = make_response(error_response(status, messages.get(status, error.description or "")))
    # What the error says besides its page: Allow on a 405, Retry-After on a 429.
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


ROUTED_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def routed_methods() -> set[str]:
    """The methods that have a route at this request's address."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    found = set()
    for method in ROUTED_METHODS:
        try:
            adapter.match(method=method)
        except HTTPException:
            continue
        found.add(method)
    return found


def _deleted_meanwhile(_error: ObjectDeletedError):
    # Another request deleted what this one had read; its own changes are rolled back.
    db.session.rollback()
    return error_response(404, "This was deleted while your request was on its way.")


def _server_error(_error: Exception):
    db.session.rollback()
    return error_response(500, "The error has been logged. Please try again in a moment.")
