"""Views for attachments: a page's files (list, upload, remove), the address of a name's
current version, and the content addresses the bytes are served from."""

from __future__ import annotations

import io
import re

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import RequestEntityTooLarge

from wiki.attachments import services
from wiki.attachments.filetypes import label_for, media_type_for
from wiki.attachments.intake import human_size, megabytes
from wiki.attachments.models import Attachment, Blob
from wiki.attachments.names import markdown_reference
from wiki.attachments.rendering import attachment_extension, file_url
from wiki.errorpages import error_response, wants_json
from wiki.errors import DomainError, ValidationError
from wiki.forms import whole_number
from wiki.processes import tree
from wiki.processes.models import Page
from wiki.processes.rendering import register_page_extension

bp = Blueprint("attachments", __name__)

SHA256 = re.compile(r"[0-9a-f]{64}")
# Content addresses never change what they answer, so browsers may keep them for a year;
# private, because only people who are logged in may see them.
IMMUTABLE = "private, max-age=31536000, immutable"
# A file is never a page of this site: no script, no styles, no plugins, no same origin.
FILE_POLICY = "sandbox; default-src 'none'"
FILE_ENDPOINTS = {"attachments.file", "attachments.by_name"}
# The requests that may carry a file: the attachments page, the page editor (and its uploads
# for a new page) and the API.
UPLOAD_ENDPOINTS = {
    "attachments.index",
    "processes.edit",
    "processes.upload_pending",
    "api.upload_attachment",
}


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.url_value_preprocessor(_allow_uploads)
    app.register_error_handler(RequestEntityTooLarge, _too_large)
    app.jinja_env.filters["filesize"] = human_size
    app.jinja_env.filters["filekind"] = label_for
    app.jinja_env.globals["max_upload_bytes"] = services.max_upload_bytes
    register_page_extension("attachments", attachment_extension)


def _allow_uploads(endpoint: str | None, _values: dict | None) -> None:
    # URL value preprocessors run before every before_request function, CSRF's included,
    # which reads the form: the larger limit must be in place by then. A body up to four
    # files' worth is read, so a file that is too large is refused on the form with the
    # page's text kept; beyond that the request is refused before it is read.
    if endpoint in UPLOAD_ENDPOINTS:
        request.max_content_length = (
            4 * services.max_upload_bytes() + current_app.config["MAX_CONTENT_LENGTH"]
        )


def _too_large(_error: RequestEntityTooLarge):
    return error_response(
        413,
        f"What was sent is too large: files may be at most "
        f"{megabytes(services.max_upload_bytes())}, and a page's text at most "
        f"{current_app.config['MAX_BODY_CHARS']:,} characters. Nothing was stored.",
    )


@bp.after_request
def _file_headers(response: Response) -> Response:
    if request.endpoint in FILE_ENDPOINTS:
        response.headers["Content-Security-Policy"] = FILE_POLICY
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


def read_upload(upload: FileStorage) -> bytes:
    """At most one byte over the limit: enough to tell that a file is too large."""
    return upload.stream.read(services.max_upload_bytes() + 1)


def chosen_file() -> FileStorage | None:
    upload = request.files.get("file")
    return upload if upload is not None and upload.filename else None


@bp.route("/p/<path:path>/attachments", methods=["GET", "POST"])
def index(path: str):
    page = _page_at(path, "attachments")
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        upload = chosen_file()
        try:
            if upload is None:
                raise ValidationError({"file": "Choose a file to upload."})
            attachment = services.upload_attachment(
                current_user, page, upload.filename or "", read_upload(upload)
            )
        except DomainError as error:
            if wants_json():
                return jsonify(error="Not stored", message=error.message), error.status_code
            errors, status = {"file": error.message}, error.status_code
        else:
            if wants_json():
                return jsonify(_described(attachment)), 201
            flash(f"Uploaded “{attachment.name}” (version {attachment.version}).", "success")
            return redirect(url_for("attachments.index", path=page.path))
    return render_template(
        "attachments/index.html",
        page=page,
        names=services.history(page),
        errors=errors,
        can_remove=lambda attachment: services.can_remove(current_user, attachment),
        max_upload=megabytes(services.max_upload_bytes()),
    ), status


def _described(attachment: Attachment) -> dict:
    return {
        "name": attachment.name,
        "version": attachment.version,
        "url": file_url(attachment),
        "markdown": markdown_reference(attachment.name, attachment.is_image),
    }


@bp.post("/p/<path:path>/attachments/<int(max=2147483647):attachment_id>/remove")
def remove(path: str, attachment_id: int):
    page = _page_at(path)
    attachment = services.get_attachment(page, attachment_id)
    services.remove_attachment(current_user, attachment)
    flash(f"Removed version {attachment.version} of “{attachment.name}”.", "success")
    return redirect(url_for("attachments.index", path=page.path))


@bp.get("/p/<path:path>/attachments/<name>")
def by_name(path: str, name: str):
    """The current version of a name (or ?version=N): a redirect to its content address."""
    page = _page_at(path, f"attachments/{name}")
    version = whole_number(request.args.get("version"))
    attachment = services.version_named(page, name, version)
    response = redirect(file_url(attachment))
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.get("/files/<sha256>/<name>")
def file(sha256: str, name: str):
    if not SHA256.fullmatch(sha256):
        abort(404)
    blob = services.servable(current_user, sha256, name)
    if request.if_none_match.contains(blob.sha256):
        # The browser has these bytes: answer without reading them from the database.
        response = Response(status=304)
        response.set_etag(blob.sha256)
        response.headers["Cache-Control"] = IMMUTABLE
        return response
    return _send(blob, name)


def _send(blob: Blob, name: str) -> Response:
    media_type = media_type_for(name, blob.media_type)
    response = send_file(
        io.BytesIO(services.blob_content(blob.sha256)),
        mimetype=media_type,
        # Only the image types are shown in the browser; everything else is downloaded.
        as_attachment=not blob.media_type.startswith("image/"),
        download_name=name,
        etag=blob.sha256,
        conditional=True,
        max_age=31536000,
    )
    response.headers["Cache-Control"] = IMMUTABLE
    # As stored, charset and all (send_file would add a second, UTF-8 one to any text/ type).
    response.headers["Content-Type"] = media_type
    return response


def _page_at(path: str, rest: str | None = None) -> Page:
    """The page at path. A page holds nothing below it, so when path is not a page, the
    address belongs to a page or process whose own path ends in "attachments"."""
    found = tree.resolve_path(path)
    if isinstance(found, str):
        found = tree.resolve_path(found)
    if isinstance(found, Page):
        return found
    if rest is not None and request.method == "GET":
        # The page-or-process view owns every other address; looked up by its endpoint, as
        # pages build on nothing of files.
        view = current_app.view_functions["processes.view"]
        abort(make_response(view(f"{path}/{rest}")))
    abort(404)
