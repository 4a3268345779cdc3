"""What every page's layout needs: the process tree for the sidebar and small filters."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Flask, g, get_template_attribute
from flask_login import current_user
from markupsafe import Markup

from wiki.notifications.services import unread_count
from wiki.people.models import LEVEL_LABELS, availability_text
from wiki.processes import tree
from wiki.timeutil import utcnow
from wiki.versioning import shared_part


def init_app(app: Flask) -> None:
    app.context_processor(_layout_context)
    app.add_template_filter(_when, "when")
    app.add_template_filter(_day, "day")
    app.add_template_filter(_iso, "iso")
    app.add_template_filter(duration_text, "duration")
    app.add_template_filter(_percent, "percent")
    app.add_template_filter(LEVEL_LABELS.get, "level_label")
    app.add_template_filter(availability_text, "availability_text")


def request_tree() -> list[tree.TreeNode]:
    """The process tree, read once per request: for the sidebar, and for a GET view that shows
    it again (a view that changes processes reads tree.process_tree() afresh)."""
    if "sidebar_tree" not in g:
        g.sidebar_tree = tree.process_tree() if current_user.is_authenticated else []
    return g.sidebar_tree


def sidebar_html(current_path: str = "") -> str:
    """The sidebar drawn once per content version and place in the tree, for every session
    (it shows every member the same processes)."""
    if not current_user.is_authenticated:
        return ""

    def draw() -> str:
        tree_list = get_template_attribute("_macros.html", "tree_list")
        return str(tree_list(request_tree(), current_path))

    return Markup(shared_part(("sidebar", current_path), draw))


def _unread_notifications() -> int:
    return unread_count(current_user) if current_user.is_authenticated else 0


def _layout_context() -> dict:
    return {
        "sidebar_tree": request_tree,
        "sidebar_html": sidebar_html,
        "unread_notifications": _unread_notifications,
        "now_utc": utcnow,
    }


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "never"


def _day(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d") if moment else "never"


def duration_text(span: timedelta) -> str:
    """A wait as people say it: "40 min", "5 h", "2.5 days"."""
    minutes = span.total_seconds() / 60
    if minutes < 90:
        return f"{max(1, round(minutes))} min"
    if minutes < 36 * 60:
        return f"{minutes / 60:.0f} h"
    return f"{minutes / 1440:.1f} days".replace(".0 days", " days")


def _percent(share: float) -> str:
    return f"{share * 100:.0f} %"


def _iso(moment: datetime) -> str:
    """For <time datetime>: whole seconds, marked as UTC."""
    return moment.isoformat(timespec="seconds") + "Z"
