"""Configuration defaults and the load order: defaults → instance config → WIKI_* env → mapping."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask

# Every key here is documented in README.md (tests/test_config.py fails when one is not).
DEFAULTS: dict[str, Any] = {
    # None means "sqlite file wiki.db in the instance folder".
    "DATABASE_URL": None,
    # None means "generated once into the instance folder's secret_key file".
    "SECRET_KEY": None,
    "SQLITE_BUSY_TIMEOUT_MS": 5000,
    "REVIEW_INTERVAL_DAYS": 180,
    # How long a verification of a page lasts unless the verifier picks a date.
    "VERIFY_DAYS": 90,
    "PAGE_SIZE": 50,
    "TRUSTED_PROXIES": 0,
    "INVITATION_DAYS": 14,
    "AUDIT_DAYS": 365,
    # Editor drafts not saved again for this many days are removed by `wiki tick`.
    "DRAFT_DAYS": 30,
    # A newcomer's edits are suggestions, approved by the page's owner or an expert of its
    # process, for this many days from their start date; 0: everyone edits directly.
    "SUGGEST_EDITS_DAYS": 0,
    "LOGIN_DAYS": 30,
    "MAX_BODY_CHARS": 200_000,
    # The largest file one may attach to a page, in megabytes.
    "MAX_UPLOAD_MB": 10,
    "PAGE_CACHE_SIZE": 500,
    "PAGE_CACHE_SECONDS": 60,
    "PAGE_CACHE_MAX_MB": 64,
    # "auto": PostgreSQL's own full-text search when the database is PostgreSQL, whoosh
    # otherwise; or "whoosh", "postgresql".
    "SEARCH_BACKEND": "auto",
    # None means "the search folder in the instance folder" (whoosh).
    "SEARCH_DIR": None,
    # Seconds an index write waits for another writer before it is left to the retries.
    "SEARCH_LOCK_TIMEOUT": 2.0,
    # A question nobody has answered reminds its experts every this many days...
    "QUESTION_REMIND_DAYS": 2,
    # ...and after this many days goes to the asker's buddy and is recorded as a gap.
    "QUESTION_ESCALATE_DAYS": 5,
    # Mail is off until a server is configured; notifications still appear in the app.
    "MAIL_ENABLED": False,
    "MAIL_SERVER": "localhost",
    "MAIL_PORT": 25,
    # "none", "starttls" (upgrade a plain connection, usually port 587) or "ssl" (port 465).
    "MAIL_SECURITY": "none",
    "MAIL_USERNAME": None,
    "MAIL_PASSWORD": None,
    "MAIL_FROM": "Onramp Wiki <onramp@localhost>",
    # Seconds one mail may take in all, from connecting to the server's last answer.
    "MAIL_TIMEOUT": 10,
    # A mail that failed this many times is left alone (it stays in the app).
    "MAIL_MAX_ATTEMPTS": 5,
    # Chat commands: Slack's signing secret for /onramp, and the security token (base64) Teams
    # gives an outgoing webhook. Empty: that command answers 404.
    "SLACK_SIGNING_SECRET": None,
    "TEAMS_SECRET": None,
    # Commands a chat person may send (or a chat-less address).
    "RATELIMIT_CHAT": "30 per minute",
    # The public address of the wiki, for links in mail.
    "BASE_URL": "http://127.0.0.1:5000",
    # The hour (UTC) from which `wiki tick` sends the day's digests.
    "DIGEST_HOUR": 7,
    # Company sign-in through an LDAP directory (Active Directory, OpenLDAP...): off while the
    # URL is empty. ldap:// always upgrades with StartTLS; ldaps:// is TLS from the start.
    "LDAP_URL": "",
    "LDAP_BIND_DN": "",
    "LDAP_BIND_PASSWORD": "",
    "LDAP_BASE_DN": "",
    # {login} is what was typed on the login form, escaped for a filter.
    "LDAP_USER_FILTER": "(&(objectClass=inetOrgPerson)(|(mail={login})(uid={login})))",
    "LDAP_NAME_ATTRIBUTE": "cn",
    "LDAP_EMAIL_ATTRIBUTE": "mail",
    # {dn} is the person's entry; the groups found are matched against LDAP_ROLE_MAP.
    "LDAP_GROUP_FILTER": "(&(objectClass=groupOfNames)(member={dn}))",
    # Group DN -> wiki role (admin, manager, trainer, member). Empty: everyone may sign in,
    # starting as a member, and admins give roles in the wiki.
    "LDAP_ROLE_MAP": {},
    # A certificate authority to trust for the directory's TLS certificate (PEM file).
    "LDAP_CA_FILE": "",
    "LDAP_TIMEOUT": 5,
    # Company sign-in through an OpenID provider (Entra ID, Google, Keycloak...): off while the
    # issuer is empty. Its settings come from ISSUER/.well-known/openid-configuration.
    "OIDC_ISSUER": "",
    "OIDC_CLIENT_ID": "",
    "OIDC_CLIENT_SECRET": "",
    "OIDC_SCOPES": "openid email profile",
    # The ID token claim listing the person's groups, matched against OIDC_ROLE_MAP.
    "OIDC_GROUPS_CLAIM": "groups",
    # Group -> wiki role (admin, manager, trainer, member). Empty: everyone may sign in,
    # starting as a member, and admins give roles in the wiki.
    "OIDC_ROLE_MAP": {},
    # The claim that must be true for the email to count as verified (Entra ID: xms_edov).
    "OIDC_EMAIL_VERIFIED_CLAIM": "email_verified",
    # The login button says "Sign in with" this.
    "OIDC_NAME": "your company account",
    "OIDC_TIMEOUT": 5,
    # A session begun through the provider lasts this long; then the person signs in through
    # it again, and someone the company has removed is refused there.
    "OIDC_SESSION_HOURS": 12,
    # Email domains whose existing wiki accounts (admins' aside) the provider may link by the
    # verified email on a first sign-in; otherwise an admin allows it account by account.
    "OIDC_LINK_DOMAINS": [],
    # False: nobody signs in with a password (wiki or directory) but the break-glass admin.
    "PASSWORD_LOGIN": True,
    "BREAK_GLASS_EMAIL": "",
    # Seconds one webhook delivery may take in all: connecting, TLS, the request, the answer.
    "WEBHOOK_TIMEOUT": 5,
    # Webhooks to loopback, private and link-local addresses are refused unless this is set.
    "WEBHOOK_ALLOW_PRIVATE": False,
    # `wiki worker`: senders of each kind (webhooks, mail) in one worker, and how often they
    # look for due work when nothing woke them (PostgreSQL wakes them at each commit).
    "WORKER_THREADS": 2,
    "WORKER_POLL_SECONDS": 1.0,
    # Rate limits (Flask-Limiter notation). Counts live in the database unless this names a
    # Redis server (redis://host:6379/0), so that every worker and host shares them.
    "RATELIMIT_STORAGE_URL": None,
    # Put before every key in that storage (several wikis or tests sharing one Redis).
    "RATELIMIT_KEY_PREFIX": "",
    "RATELIMIT_ENABLED": True,
    "RATELIMIT_API": "300 per minute",  # per token (or per logged-in session)
    "RATELIMIT_API_ADDRESS": "1200 per minute",  # per client address
    # Failed logins only: per account, and per address (an office behind one NAT).
    "RATELIMIT_LOGIN": "10 per 15 minutes",
    "RATELIMIT_LOGIN_ADDRESS": "30 per 15 minutes",
    # Requests for a mailed link past a locked sign-in, per address.
    "RATELIMIT_UNLOCK": "5 per hour",
}


def load_config(app: Flask, overrides: Mapping[str, Any] | None) -> None:
    app.config.from_mapping(DEFAULTS)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env(prefix="WIKI")
    if overrides:
        app.config.from_mapping(overrides)

    _check_issuer(app.config["OIDC_ISSUER"])
    domains = app.config["OIDC_LINK_DOMAINS"]
    if isinstance(domains, str):  # a comma-separated list from the environment
        domains = domains.split(",")
    app.config["OIDC_LINK_DOMAINS"] = [
        name.strip().lower().lstrip("@") for name in domains if name.strip()
    ]
    os.makedirs(app.instance_path, exist_ok=True)
    if not app.config["DATABASE_URL"]:
        app.config["DATABASE_URL"] = "sqlite:///" + os.path.join(app.instance_path, "wiki.db")
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path) / "secret_key")

    app.config["SQLALCHEMY_DATABASE_URI"] = app.config["DATABASE_URL"]
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["REMEMBER_COOKIE_SAMESITE"] = "Lax"
    app.config["REMEMBER_COOKIE_HTTPONLY"] = True
    # "Keep me logged in" makes the session cookie last this long; it is not renewed on every
    # request, so a page does not set a new cookie each time it is viewed.
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(days=app.config["LOGIN_DAYS"])
    app.config["SESSION_REFRESH_EACH_REQUEST"] = False
    # A form-encoded non-ASCII character takes up to 12 bytes ("%E4%B8%AD" for 3 UTF-8 bytes).
    app.config["MAX_CONTENT_LENGTH"] = 12 * app.config["MAX_BODY_CHARS"] + 65536
    # The page text as a field of a multipart form (the editor, which can carry a file too):
    # up to 4 bytes a character in UTF-8.
    app.config["MAX_FORM_MEMORY_SIZE"] = 4 * app.config["MAX_BODY_CHARS"] + 65536
    # The token is bound to the session; a time limit would only refuse long edits.
    app.config["WTF_CSRF_TIME_LIMIT"] = None


def _check_issuer(issuer: str) -> None:
    """An OpenID provider over plain http would let anyone on the way hand the wiki a discovery
    document and keys of their own: only https, or http on this machine's loopback."""
    parts = urlsplit(issuer)
    loopback = parts.hostname in ("localhost", "127.0.0.1", "::1")
    if issuer and not (parts.scheme == "https" or (parts.scheme == "http" and loopback)):
        raise ValueError(f"WIKI_OIDC_ISSUER is {issuer!r}: it must be an https:// URL")


def _instance_secret(path: Path) -> str:
    """Read the instance's secret key, creating it once.

    The key is written to a temporary file and hard-linked into place, so several workers
    starting at once all end up reading the one complete key.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
    return path.read_text().strip()
