"""Error pages: 403, 404, 500, refused CSRF tokens and domain errors, as HTML or JSON."""

from __future__ import annotations

from flask import Flask, current_app, g, jsonify, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm.exc import ObjectDeletedError
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from wiki.errors import DomainError
from wiki.extensions import db
from wiki.ratelimit import OWN_RETRY_AFTER, wait_text

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
    503: "Temporarily unavailable",
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
    503: "unavailable",
}
# Seconds a client is asked to wait when the database cannot be used.
RETRY_AFTER_UNAVAILABLE = 30


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(DomainError, _domain_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(ObjectDeletedError, _deleted_meanwhile)
    app.register_error_handler(OperationalError, _database_unavailable)
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
    message = messages.get(status, error.description or "")
    if status == 429 and request.endpoint == "auth.login" and not wants_json():
        # A locked sign-in offers its way through: a link by mail that makes this device known.
        page = render_template(
            "auth/locked.html",
            message=message,
            email=request.form.get("email", ""),
            mail_enabled=current_app.config["MAIL_ENABLED"],
        )
        response = make_response(page, 429)
    else:
        response = make_response(error_response(status, message))
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


def _database_unavailable(error: OperationalError):
    """The database does not answer, is locked past the wait, or its disk is full: 503 with
    Retry-After, and a form's fields given back (to send again, or copy), never a bare 500."""
    current_app.logger.warning("database unavailable: %s", error.orig)
    try:
        db.session.rollback()
    except SQLAlchemyError:
        db.session.invalidate()  # its connection is gone; the pool makes a new one later
    message = _unavailable_message(str(error.orig))
    headers = {"Retry-After": str(RETRY_AFTER_UNAVAILABLE)}
    g.setdefault(OWN_RETRY_AFTER, headers["Retry-After"])
    if wants_json():
        body = jsonify(error=ERROR_CODES[503], message=message, fields={})
        return body, 503, headers
    kept = []
    if request.method == "POST":
        kept = [
            (name, value)
            for name, value in request.form.items(multi=True)
            if "password" not in name  # never echoed into a page
        ]
    # Straight from the template: render_template's context processors would read the
    # database (flask-login loads the current user for every template).
    page = current_app.jinja_env.get_template("unavailable.html").render(
        message=message,
        kept=kept,
        action=request.full_path.rstrip("?"),
        files_lost=any(upload.filename for upload in request.files.values()),
    )
    return page, 503, headers


def _unavailable_message(cause: str) -> str:
    if "disk" in cause or "full" in cause:
        return "The server's disk is full, so the wiki cannot write anything just now."
    if "locked" in cause:
        return "The wiki is busy writing something else and could not wait any longer."
    return "The wiki cannot reach its database just now."


def _server_error(_error: Exception):
    db.session.rollback()
    return error_response(500, "The error has been logged. Please try again in a moment.")
