"""The API's blueprint: bearer or cookie authentication, JSON errors, ETags and the document."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, render_template, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from spectree import SecurityScheme, SpecTree
from spectree.models import SecuritySchemeData
from werkzeug.exceptions import HTTPException, UnsupportedMediaType

from wiki.auth import tokens
from wiki.errorpages import ERROR_CODES
from wiki.errors import DomainError, NotAllowed
from wiki.extensions import csrf, db
from wiki.ratelimit import configured, limiter, wait_text

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# Bearer requests carry no cookie a forged page could ride on; cookie requests are checked
# in authenticate() instead.
csrf.exempt(bp)

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def _caller() -> str:
    """Whose API calls these are: the token sent (by its hash), else the session's person."""
    header = request.headers.get("Authorization", "")
    if header:
        # The token, not the header's spelling: "bearer  x" is the same caller as "Bearer x".
        return "token:" + tokens.secret_hash(tokens.presented_secret(header) or header)[:32]
    return f"person:{current_user.get_id()}" if current_user.is_authenticated else "nobody"


# Shared: one count over every API operation, not one per route.
limiter.shared_limit(configured("RATELIMIT_API"), key_func=_caller, scope="api-caller")(bp)
limiter.shared_limit(configured("RATELIMIT_API_ADDRESS"), scope="api-address")(bp)


class RequestInvalid(DomainError):
    """The request does not match the document (spectree's validation said why)."""

    status_code = 422

    def __init__(self, fields: dict[str, str]):
        self.fields = fields
        super().__init__(next(iter(fields.values()), "The request is not valid."))


def _refuse_invalid(_request, _response, error, _instance, _adapter) -> None:
    """spectree's before-hook: answer a request that fails validation in our error format."""
    if error is None:
        return
    fields: dict[str, str] = {}
    for problem in error.errors():
        location = ".".join(str(part) for part in problem["loc"]) or "body"
        fields.setdefault(location, problem["msg"])
    raise RequestInvalid(fields)


spec = SpecTree(
    "flask",
    title="Onramp Wiki API",
    version="1",
    description=(
        "Everything a person can do in the browser, for programs. Send "
        "`Authorization: Bearer <token>` with a personal access token from your profile page."
    ),
    # Only the routes decorated here are in the document; the OpenAPI route itself is not.
    mode="strict",
    path="api/v1/openapi",
    security_schemes=[
        SecurityScheme(name="token", data=SecuritySchemeData(type="http", scheme="bearer"))
    ],
    security={"token": []},
    before=_refuse_invalid,
    naming_strategy=lambda model: model.__name__,
)


@bp.before_request
def authenticate() -> None:
    """Let in a valid bearer token as its person, or a logged-in browser (with CSRF on writes)."""
    header = request.headers.get("Authorization")
    if header is not None:
        token = tokens.bearer_token(header)
        g._login_user = token.user  # flask-login's current user, for this request only
        if request.method not in SAFE_METHODS and not token.can_write:
            raise NotAllowed("This token is read-only; make a read-write token to change things.")
    elif not current_user.is_authenticated:
        raise tokens.TokenRefused("Send a personal access token: Authorization: Bearer <token>.")
    elif request.method not in SAFE_METHODS and current_app.config["WTF_CSRF_ENABLED"]:
        csrf.protect()
    _check_body()


def _check_body() -> None:
    """A body must be JSON (multipart/form-data where the operation takes a file), and is
    required where the operation takes one; spectree would read a missing or malformed one
    as empty."""
    if request.method in SAFE_METHODS:
        return
    view = current_app.view_functions.get(request.endpoint or "")
    metadata = spec.get_function_metadata(view) if view else None
    if metadata is not None and metadata.form is not None:
        if request.mimetype != "multipart/form-data":
            raise UnsupportedMediaType("Send the file as multipart/form-data, in the part `file`.")
        # Checked here: spectree's own error would quote the parts it got, files included,
        # which it cannot put in JSON.
        required = spec.models[metadata.form].get("required", [])  # the form's JSON schema
        missing = [name for name in required if name not in request.files]
        if missing:
            raise RequestInvalid({name: f"Send a file in the part `{name}`." for name in missing})
        return
    if not request.content_length and not request.data:
        if metadata is not None and metadata.json is not None:
            raise DomainError("Send a JSON object as the body.", "body")
        return
    if request.mimetype != "application/json":
        raise UnsupportedMediaType("Send the body as JSON (Content-Type: application/json).")
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # the parser's depth runs out before any limit of ours would
        raise DomainError("The body nests too deeply.", "body") from None
    if body is None:
        raise DomainError("The body is not valid JSON.", "body")
    if not isinstance(body, dict):
        raise RequestInvalid({"body": "The body must be a JSON object."})


@bp.after_request
def add_etag(response: Response) -> Response:
    """Let clients cache what they read: an ETag, and 304 when it still matches."""
    if request.method in ("GET", "HEAD") and response.status_code == 200 and response.is_json:
        response.headers["Cache-Control"] = "private, no-cache"
        # What a GET answers depends on whose token asks.
        response.vary.add("Authorization")
        response.add_etag()
        response.make_conditional(request)
    return response


def error_body(status: int, message: str, fields: dict[str, str] | None = None, **extra: Any):
    return jsonify(error=ERROR_CODES.get(status, "error"), message=message, fields=fields or {},
                   **extra), status  # fmt: skip


@bp.errorhandler(DomainError)
def _domain_error(error: DomainError):
    db.session.rollback()
    if isinstance(error, RequestInvalid):
        fields = error.fields
    else:
        fields = getattr(error, "errors", None) or (
            {error.field: error.message} if error.field else {}
        )
    body, status = error_body(error.status_code, error.message, fields, **_extra(error))
    if status == 401:
        body.headers["WWW-Authenticate"] = 'Bearer realm="wiki"'
    return body, status


# What an error adds to its body besides the message (a page conflict: the current revision).
_DETAILS: dict[type[DomainError], Callable[[Any], dict[str, Any]]] = {}


def error_details(kind: type[DomainError]) -> Callable:
    """Register what the body of an error of this kind adds to the message."""

    def register(describe: Callable[[Any], dict[str, Any]]) -> Callable:
        _DETAILS[kind] = describe
        return describe

    return register


def _extra(error: DomainError) -> dict[str, Any]:
    for kind, describe in _DETAILS.items():
        if isinstance(error, kind):
            return describe(error)
    return {}


@bp.errorhandler(CSRFError)
def _csrf_error(_error: CSRFError):
    return error_body(
        400, "A browser session must send its CSRF token (X-CSRFToken); programs use a token."
    )


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    db.session.rollback()
    message = error.description or ""
    if error.code == 429:
        message = f"Too many requests. Please wait {wait_text()} before trying again."
    body, status = error_body(error.code or 500, message)
    for name, value in error.get_headers():  # as in wiki/errorpages.py
        if name.lower() != "content-type":
            body.headers[name] = value
    return body, status


@bp.get("/openapi.json")
def openapi():
    return jsonify(spec.spec)


@bp.get("/docs")
def docs():
    document = spec.spec
    return render_template("api/docs.html", document=document, operations=_operations(document))


def _operations(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Each operation of the document as the reference page lists it."""
    listed = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            body_type = next(iter(content), None)  # one: JSON, or multipart for a file
            answers = {
                status: (
                    answer["description"],
                    _schema_name((answer.get("content") or {}).get("application/json")),
                )
                for status, answer in sorted(operation["responses"].items())
            }
            listed.append({
                "anchor": re.sub(r"[^A-Za-z0-9_-]+", "-", operation["operationId"]).strip("-"),
                "title": f"{method.upper()} {path}",
                "summary": operation.get("summary", ""),
                "description": operation.get("description", ""),
                "parameters": operation.get("parameters", []),
                "body": _schema_name(content[body_type]) if body_type else None,
                "body_type": "JSON" if body_type == "application/json" else body_type,
                "answers": answers,
            })  # fmt: skip
    return listed


def _schema_name(media: dict[str, Any] | None) -> str | None:
    """The name of the schema a body of one media type refers to."""
    reference = (media or {}).get("schema", {}).get("$ref")
    return reference.rsplit("/", 1)[1] if reference else None
