"""Onramp Wiki: create_app is the one place where the application is wired together."""

from __future__ import annotations

import gc
import os
from collections.abc import Mapping
from typing import Any

from flask import Flask


def create_app(config: Mapping[str, Any] | None = None, instance_path: str | None = None) -> Flask:
    """Build the app. The instance folder holds the SQLite file, secret key and config.py."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        instance_path=instance_path or os.environ.get("WIKI_INSTANCE_PATH") or None,
    )
    from wiki.config import load_config

    load_config(app, config)

    from wiki import database, pagecache, ratelimit, security
    from wiki.extensions import csrf, login_manager
    from wiki.integrations import assistant
    from wiki.search import indexing, postgres_indexing

    database.init_app(app)
    # The MCP server answers /mcp beside Flask, inside the proxy fix and the page cache.
    assistant.init_app(app)
    csrf.init_app(app)
    login_manager.init_app(app)
    security.init_app(app)
    ratelimit.init_app(app)
    pagecache.init_app(app)
    security.init_outermost(app)
    indexing.init_app(app, postgres_indexing.PostgresIndexer)

    from wiki import errorpages, subscribers
    from wiki.admin.views import bp as admin_bp
    from wiki.api import bp as api_bp
    from wiki.approvals import views as approval_views  # its rules hold edits back too
    from wiki.attachments import views as attachment_views
    from wiki.audit.views import bp as audit_bp
    from wiki.auth.token_views import bp as tokens_bp
    from wiki.auth.views import bp as auth_bp
    from wiki.buddies.views import bp as buddies_bp
    from wiki.coaching.views import bp as coaching_bp
    from wiki.comments import views as comments_views
    from wiki.feedforward.views import bp as feedforward_bp
    from wiki.forums.views import bp as forums_bp
    from wiki.gaps.course_views import bp as courses_bp
    from wiki.gaps.views import bp as gaps_bp
    from wiki.glossary.views import bp as glossary_bp
    from wiki.integrations.views import bp as integrations_bp
    from wiki.notifications.views import bp as notifications_bp
    from wiki.peergroups.views import bp as groups_bp
    from wiki.people.views import bp as people_bp
    from wiki.processes.views import bp as processes_bp
    from wiki.questions.views import bp as questions_bp
    from wiki.search.views import bp as search_bp
    from wiki.verification.views import bp as verification_bp
    from wiki.watching import views as watching_views
    from wiki.web import navigation
    from wiki.webhooks.views import bp as webhooks_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(tokens_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(audit_bp)
    app.register_blueprint(processes_bp)
    app.register_blueprint(people_bp)
    app.register_blueprint(search_bp)
    app.register_blueprint(glossary_bp)
    app.register_blueprint(questions_bp)
    app.register_blueprint(notifications_bp)
    app.register_blueprint(buddies_bp)
    app.register_blueprint(coaching_bp)
    app.register_blueprint(groups_bp)
    app.register_blueprint(feedforward_bp)
    app.register_blueprint(gaps_bp)
    app.register_blueprint(courses_bp)
    app.register_blueprint(forums_bp)
    app.register_blueprint(watching_views.bp)
    app.register_blueprint(comments_views.bp)
    app.register_blueprint(approval_views.bp)
    app.register_blueprint(webhooks_bp)
    app.register_blueprint(integrations_bp)
    app.register_blueprint(verification_bp)
    watching_views.init_app(app)
    attachment_views.init_app(app)
    app.register_blueprint(api_bp)
    errorpages.init_app(app)
    navigation.init_app(app)
    subscribers.connect_all()

    from wiki.cli import register_commands

    register_commands(app)
    if not app.testing:
        _freeze_what_lives_as_long_as_the_process()
    return app


def _freeze_what_lives_as_long_as_the_process() -> None:
    """Leave what the process holds from its start (modules, templates, the app) out of every
    later garbage collection: a full collection walked it all every few hundred requests and
    paused that request by 100 ms and more (bench/comments_bench.py's p95: 174 ms, 52 ms
    frozen). Once per process, as a worker makes one app; the rest is collected as before."""
    if gc.get_freeze_count() == 0:
        gc.collect()
        gc.freeze()
