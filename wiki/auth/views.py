"""Login, logout and accepting an invitation."""

from __future__ import annotations

import time

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user, logout_user

from wiki.auth import devices, services, sign_in
from wiki.auth.models import User
from wiki.errors import DomainError, NotFound, ValidationError
from wiki.extensions import login_manager
from wiki.forms import form_response
from wiki.ratelimit import configured, failed_login, limiter, login_account
from wiki.security import safe_next_path

bp = Blueprint("auth", __name__)

login_manager.login_view = "auth.login"
login_manager.login_message = "Please log in to see this page."
login_manager.login_message_category = "info"


# When this session was begun through the OpenID provider (Unix seconds).
PROVIDER_SIGN_IN = "provider_signed_in_at"
# This session's id, which logging out records as ended (services.end_session).
SESSION_ID = "session_id"
# The account (its session id) that asked to be linked to its company account at the provider.
COMPANY_LINK_FOR = "company_link_for"


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    user_id, _, generation = session_id.partition(".")
    if not user_id.isdigit() or not generation.isdigit():
        return None
    # The wiki never hears that a company removed someone: their provider sessions end.
    begun = session.get(PROVIDER_SIGN_IN)
    if begun is not None and time.time() - begun > current_app.config["OIDC_SESSION_HOURS"] * 3600:
        return None
    return services.signed_in_user(int(user_id), int(generation), session.get(SESSION_ID))


def _begin_session(user: User, through_provider: bool = False) -> None:
    """Sign `user` in to this browser with a session of its own: a new id (so that logging
    out can end it), and a new CSRF token (one seen before signing in is no longer good)."""
    login_user(user)
    session[SESSION_ID] = services.new_session_id()
    session.pop("csrf_token", None)
    if through_provider:
        session[PROVIDER_SIGN_IN] = int(time.time())
    else:
        session.pop(PROVIDER_SIGN_IN, None)  # a password session has no such limit


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    configured("RATELIMIT_LOGIN"),
    key_func=login_account,
    methods=["POST"],
    deduct_when=failed_login,
    exempt_when=devices.right_password_from_known_device,
    scope="login-account",
)
@limiter.limit(
    configured("RATELIMIT_LOGIN_ADDRESS"),
    methods=["POST"],
    deduct_when=failed_login,
    exempt_when=devices.right_password_from_known_device,
    scope="login-address",
)
def login():
    next_path = safe_next_path(request.values.get("next"))
    if current_user.is_authenticated:
        return redirect(next_path or url_for("processes.home"))
    error = None
    email = request.form.get("email", "")
    status = 200
    if request.method == "POST":
        try:
            user = sign_in.authenticate(email, request.form.get("password", ""))
        except DomainError as refused:
            user, error, status = None, refused.message, refused.status_code
        else:
            if user is not None:
                _begin_session(user)
                # Kept in the session cookie itself, which is Secure over https.
                session.permanent = bool(request.form.get("remember"))
                response = redirect(next_path or url_for("processes.home"))
                devices.remember_device(response, user)
                return response
            error, status = "That email and password do not match an active account.", 401
    return render_template(
        "auth/login.html",
        error=error,
        email=email,
        next=next_path,
        company=current_app.config["OIDC_NAME"] if current_app.config["OIDC_ISSUER"] else None,
        password_login=current_app.config["PASSWORD_LOGIN"],
    ), status


@bp.post("/login/unlock")
@limiter.limit(configured("RATELIMIT_UNLOCK"), scope="login-unlock")
def ask_for_unlock_link():
    """From the "Please wait" page of a locked account: mail its owner a way through."""
    email = request.form.get("email", "")
    devices.send_unlock_link(email)
    flash(
        "If that address has an account here, a link is on its way to it: open it on this "
        "device, then sign in.",
        "info",
    )
    return redirect(url_for("auth.login"))


@bp.get("/login/unlock/<token>")
def unlock_device(token: str):
    user = devices.user_for_unlock(token)
    if user is None:
        return render_template(
            "error.html",
            status=404,
            title="This link has expired",
            message="Ask for a new link from the sign-in page.",
        ), 404
    response = redirect(url_for("auth.login"))
    devices.remember_device(response, user)
    flash(
        f"This device may now sign in as {user.email}, even while others' wrong passwords "
        "hold the account: sign in with your password.",
        "success",
    )
    return response


@bp.get("/auth/oidc/start")
def start_company_sign_in():
    """Off to the company's OpenID provider; it sends the browser back to the callback.

    A link, not a form: the Content-Security-Policy's form-action 'self' would stop a form's
    redirect to the provider. Starting changes nothing but this browser's session, and the
    callback takes only the answer to the `state` kept there, so a link from elsewhere can
    sign nobody in as anyone else."""
    if not current_app.config["OIDC_ISSUER"]:
        abort(404)
    session["company_sign_in_next"] = safe_next_path(request.args.get("next")) or ""
    # "Link your company account" from the account page: the callback links the account signed
    # in now (and only if it is still the one signed in then) instead of signing anyone in.
    linking = request.args.get("link") == "1" and current_user.is_authenticated
    session[COMPANY_LINK_FOR] = current_user.get_id() if linking else None
    callback = url_for("auth.company_sign_in_callback", _external=True)
    try:
        return sign_in.start_provider_sign_in(callback)
    except DomainError as refused:
        return _company_sign_in_refused(refused)


@bp.get("/auth/oidc/callback")
def company_sign_in_callback():
    if not current_app.config["OIDC_ISSUER"]:
        abort(404)
    link_for = session.pop(COMPANY_LINK_FOR, None)
    signed_in = current_user._get_current_object()
    linking = signed_in if link_for and link_for == signed_in.get_id() else None
    try:
        user = sign_in.finish_provider_sign_in(linking=linking)
    except DomainError as refused:
        return _company_sign_in_refused(refused)
    if linking is not None:
        session.pop("company_sign_in_next", None)
        flash("Your company account is linked: sign in with it from now on.", "success")
        return redirect(url_for("auth.change_password"))
    _begin_session(user, through_provider=True)
    return redirect(session.pop("company_sign_in_next", "") or url_for("processes.home"))


def _company_sign_in_refused(refused: DomainError):
    unavailable = refused.status_code == 503
    title = "Company sign-in unavailable" if unavailable else "Company sign-in refused"
    return render_template(
        "auth/sign_in_refused.html", title=title, message=refused.message
    ), refused.status_code


@bp.post("/logout")
def logout():
    services.end_session(session.get(SESSION_ID))
    logout_user()
    session.clear()
    flash("You are logged out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    try:
        user = services.find_invited_user(token)
    except NotFound as error:
        return render_template("auth/invitation.html", problem=error.message), 404
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            services.accept_invitation(user, _chosen_password())
        except ValidationError as error:
            errors = error.errors
        else:
            _begin_session(user)
            flash(f"Welcome, {user.name}. Your password is set.", "success")
            return redirect(url_for("processes.home"))
    return form_response("auth/invitation.html", errors, user=user, errors=errors)


def _chosen_password() -> str:
    """The new password typed twice in the form, or a ValidationError when the two differ."""
    password = request.form.get("password", "")
    if password != request.form.get("password_again", ""):
        raise ValidationError({"password_again": "The two new passwords differ."})
    return password


@bp.route("/account/password", methods=["GET", "POST"])
def change_password():
    errors: dict[str, str] = {}
    if request.method == "POST":
        user = current_user._get_current_object()
        try:
            current_password = request.form.get("current_password", "")
            services.change_password(user, current_password, _chosen_password())
        except ValidationError as error:
            errors = error.errors
        else:
            login_user(user)  # other sessions end; this one carries on
            flash("Your password is changed. Other devices are logged out.", "success")
            return redirect(url_for("processes.home"))
    return form_response("auth/password.html", errors, errors=errors, **_company_link_offers())


def _company_link_offers() -> dict:
    """What the account page offers to link: the directory, the provider, neither."""
    config, user = current_app.config, current_user
    own = user.email == services.break_glass_email()  # the break-glass account is never linked
    return {
        "link_directory": bool(config["LDAP_URL"]) and user.directory_dn is None and not own,
        "link_provider": config["OIDC_NAME"]
        if config["OIDC_ISSUER"] and user.oidc_subject is None and not own
        else None,
    }


@bp.post("/account/company-link")
@limiter.limit(
    configured("RATELIMIT_LOGIN"),
    key_func=lambda: f"company-link:{current_user.id}",
    methods=["POST"],
    deduct_when=lambda response: response.status_code == 422,  # a wrong company password
    scope="company-link",
)
def link_directory_account():
    """Link the account signed in now to its entry in the company directory."""
    if not current_app.config["LDAP_URL"]:
        abort(404)
    errors: dict[str, str] = {}
    try:
        sign_in.link_directory_account(
            current_user._get_current_object(),
            request.form.get("company_login", ""),
            request.form.get("company_password", ""),
        )
    except ValidationError as error:
        errors = error.errors
    except DomainError as refused:
        flash(refused.message, "error")
        return redirect(url_for("auth.change_password"))
    else:
        flash("Your company account is linked: sign in with it from now on.", "success")
        return redirect(url_for("auth.change_password"))
    return form_response(
        "auth/password.html",
        errors,
        errors={},
        link_errors=errors,
        values=request.form,
        **_company_link_offers(),
    )


@bp.post("/account/sessions")
def end_all_sessions():
    services.end_sessions(current_user)
    logout_user()
    flash("You are logged out on every device.", "info")
    return redirect(url_for("auth.login"))
