"""Chat commands (Slack's slash command, Teams' outgoing webhook) and the step that links a
chat account to a wiki account."""

from __future__ import annotations

import re

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

from wiki.audit import services as audit
from wiki.errors import DomainError
from wiki.extensions import csrf, db
from wiki.integrations import commands, linking, replies, signatures
from wiki.ratelimit import configured, limiter
from wiki.timeutil import utcnow

bp = Blueprint("integrations", __name__, url_prefix="/integrations")


def _chat_caller() -> str:
    """Whose commands these are, for the rate limit: the chat person, else the address."""
    # The raw body first: the signature is over it, and reading the form would consume it.
    request.get_data(cache=True)
    if request.endpoint == "integrations.slack_command":
        return (
            "chat:slack:" + request.form.get("team_id", "") + ":" + request.form.get("user_id", "")
        )
    activity = request.get_json(silent=True) or {}
    sender = activity.get("from") if isinstance(activity, dict) else None
    if isinstance(sender, dict) and sender.get("id"):
        return f"chat:teams:{sender['id']}"
    return "chat-address:" + (request.remote_addr or "")


chat_limit = limiter.limit(configured("RATELIMIT_CHAT"), key_func=_chat_caller)


@bp.post("/slack/command")
@csrf.exempt  # signed by Slack instead; no browser session rides on it
@chat_limit
def slack_command():
    body = request.get_data(cache=True)
    try:
        signatures.check_slack(
            current_app.config["SLACK_SIGNING_SECRET"] or "",
            request.headers.get("X-Slack-Request-Timestamp", ""),
            request.headers.get("X-Slack-Signature", ""),
            body,
            utcnow(),
        )
    except DomainError as refused:
        return _refused(refused, "slack")
    identity = linking.ChatIdentity(
        "slack",
        request.form.get("team_id", ""),
        request.form.get("user_id", ""),
        request.form.get("user_name", ""),
    )
    reply = _answer(request.form.get("text", ""), identity)
    return jsonify(replies.slack_message(reply))


@bp.post("/teams/message")
@csrf.exempt  # signed by Teams instead
@chat_limit
def teams_message():
    try:
        activity = signatures.check_teams(
            current_app.config["TEAMS_SECRET"] or "",
            request.headers.get("Authorization", ""),
            request.get_data(cache=True),
            utcnow(),
        )
    except DomainError as refused:
        return _refused(refused, "teams")
    sender = activity.get("from") or {}
    tenant = (activity.get("channelData") or {}).get("tenant") or {}
    identity = linking.ChatIdentity(
        "teams",
        str(tenant.get("id", "")),
        str(sender.get("aadObjectId") or sender.get("id", "")),
        str(sender.get("name", "")),
    )
    # The message starts with the mention of the webhook ("<at>Onramp</at> who knows ...").
    text = re.sub(r"<at>.*?</at>", "", str(activity.get("text", "")), flags=re.S)
    text = re.sub(r"<[^>]+>", " ", text).replace("&nbsp;", " ")
    return jsonify(replies.teams_message(_answer(text, identity)))


def _answer(text: str, identity: linking.ChatIdentity) -> commands.Reply:
    person = linking.linked_person(identity)
    return commands.run(text, person, linking.link_url(identity))


def _refused(refused: DomainError, platform: str):
    """A clear JSON answer; a bad signature or a replay is also in the audit log."""
    if isinstance(refused, signatures.RequestRefused):
        audit.record("chat_refused", detail=f"{platform}: {refused.message}")
        db.session.commit()
    return jsonify(error=refused.message), refused.status_code


@bp.route("/link/<token>", methods=["GET", "POST"])
@login_required
def link(token: str):
    try:
        identity = linking.identity_in(token)
        if request.method == "POST":
            linking.link(current_user, identity)
            flash(f"Linked: your {identity.label} now asks as you.", "success")
            return redirect(url_for("integrations.links"))
    except linking.LinkRefused as refused:
        return render_template("integrations/link.html", error=refused.message), 400
    return render_template("integrations/link.html", identity=identity, error=None)


@bp.get("/links")
@login_required
def links():
    return render_template("integrations/links.html", links=linking.links_of(current_user))


@bp.post("/links/<int(max=2147483647):link_id>/unlink")
@login_required
def unlink(link_id: int):
    linking.unlink(current_user, link_id)
    flash("Unlinked.", "success")
    return redirect(url_for("integrations.links"))
