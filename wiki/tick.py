"""`wiki tick`: all periodic work in one idempotent command, for cron every few minutes.

Each job claims what it works on before it acts (a guarded update, a unique key), so running
the command twice, or twice at once, does each thing once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import click
from flask import current_app
from flask.cli import with_appcontext

from wiki.attachments.pending import purge_pending_uploads
from wiki.attachments.services import purge_unused_blobs
from wiki.audit.services import purge_expired
from wiki.auth.sync import sync_with_directory
from wiki.errors import CompanySignInUnavailable
from wiki.gaps.services import gaps_from_escalations
from wiki.integrations.signatures import forget_old
from wiki.notifications import mail
from wiki.notifications.digest import send_digests
from wiki.processes.drafts import purge_expired_drafts
from wiki.processes.reviews import notify_reviews_due
from wiki.questions.periodic import remind_and_escalate
from wiki.ratelimit import purge_expired_counts
from wiki.timeutil import utcnow
from wiki.verification.health import snapshot_trust
from wiki.verification.periodic import remind_and_expire
from wiki.webhooks import delivery


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[datetime], str]
    needs_mail: bool = False


def _questions(now: datetime) -> str:
    return f"{remind_and_escalate(now)} question(s) reminded or escalated"


def _gaps(now: datetime) -> str:
    return f"{gaps_from_escalations(now)} gap(s) logged from unanswered questions"


def _reviews(now: datetime) -> str:
    return f"{notify_reviews_due(now)} review-due notice(s)"


def _mail(now: datetime) -> str:
    sent, failed = mail.send_due(now)
    return f"{sent} mail(s) sent, {failed} failed"


def _digests(now: datetime) -> str:
    sent, failed = send_digests(now)
    return f"{sent} digest(s) sent, {failed} failed"


def _directory(now: datetime) -> str:
    try:
        outcome = sync_with_directory()
    except CompanySignInUnavailable:
        return "the directory does not answer; nobody changed"
    if outcome is None:
        return "no directory configured"
    kept = f", {len(outcome.not_updated)} email(s) not changed" if outcome.not_updated else ""
    return f"{len(outcome.deactivated)} deactivated, {len(outcome.updated)} updated{kept}"


def _webhooks(now: datetime) -> str:
    delivered, failed = delivery.send_due(now)
    return f"{delivered} webhook deliveries sent, {failed} failed"


def _audit(now: datetime) -> str:
    days = current_app.config["AUDIT_DAYS"]
    return f"{purge_expired(days, now)} audit entries older than {days} days removed"


def _drafts(now: datetime) -> str:
    days = current_app.config["DRAFT_DAYS"]
    return f"{purge_expired_drafts(now)} editor draft(s) older than {days} days removed"


def _files(now: datetime) -> str:
    pending = purge_pending_uploads(now)
    unused = purge_unused_blobs()
    return f"{pending} never-saved upload(s) removed, {unused} unused file content(s) deleted"


def _rate_limits(now: datetime) -> str:
    # Never ahead of the clock: the limits reckon their windows in real time, and a --now in
    # the future must not end windows that are still counting.
    moment = min(now.replace(tzinfo=UTC).timestamp(), time.time())
    return f"{purge_expired_counts(moment)} expired rate-limit window(s) removed"


def _verification(now: datetime) -> str:
    reminded, expired = remind_and_expire(now)
    kept = "kept" if snapshot_trust(now) else "already kept"
    return f"{reminded} verification reminder(s), {expired} expired; today's trust score {kept}"


def _chat(now: datetime) -> str:
    return f"{forget_old(now)} old chat request signature(s) forgotten"


# In this order: notices made by the first jobs go out by mail in the same run.
JOBS = (
    Job("questions", _questions),
    Job("gaps", _gaps),
    Job("reviews", _reviews),
    Job("verification", _verification),
    Job("mail", _mail, needs_mail=True),
    Job("digests", _digests, needs_mail=True),
    Job("webhooks", _webhooks),
    Job("directory", _directory),
    Job("audit", _audit),
    Job("drafts", _drafts),
    Job("files", _files),
    Job("rate limits", _rate_limits),
    Job("chat", _chat),
)


def run_jobs(now: datetime) -> list[tuple[str, str]]:
    """Run every job; return (name, what it did) for each."""
    mail_enabled = current_app.config["MAIL_ENABLED"]
    return [
        (job.name, job.run(now) if mail_enabled or not job.needs_mail else "mail is off")
        for job in JOBS
    ]


@click.command("tick")
@click.option(
    "--now",
    "now_text",
    metavar="ISO",
    help="Act as if it were this UTC time (YYYY-MM-DDTHH:MM), to catch up or to try it out.",
)
@with_appcontext
def tick(now_text: str | None) -> None:
    """Run the periodic work: reminders, escalations, review-due notices, mail retries, digests,
    the audit trail's retention, expired drafts and never-saved uploads, and expired rate-limit
    windows."""
    try:
        now = datetime.fromisoformat(now_text) if now_text else utcnow()
    except ValueError:
        raise click.BadParameter("use YYYY-MM-DDTHH:MM (UTC)", param_hint="--now") from None
    if now.tzinfo is not None:
        now = now.astimezone(UTC).replace(tzinfo=None)
    for name, outcome in run_jobs(now):
        click.echo(f"{name}: {outcome}")
