"""What every page's layout needs: the process tree for the sidebar and small filters."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from flask import (
    Flask,
    current_app,
    get_template_attribute,
    has_request_context,
    request,
    url_for,
)
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from wiki.notifications.services import unread_count
from wiki.people.models import LEVEL_LABELS, availability_text
from wiki.processes import tree
from wiki.processes.paths import is_within
from wiki.timeutil import utcnow
from wiki.versioning import shared_part


def init_app(app: Flask) -> None:
    app.context_processor(_layout_context)
    app.add_template_global(process_option_list, "process_option_list")
    app.add_template_filter(_when, "when")
    app.add_template_filter(_day, "day")
    app.add_template_filter(_iso, "iso")
    app.add_template_filter(duration_text, "duration")
    app.add_template_filter(_percent, "percent")
    app.add_template_filter(LEVEL_LABELS.get, "level_label")
    app.add_template_filter(availability_text, "availability_text")


def sidebar_html(current_path: str = "") -> str:
    """The sidebar drawn once per content version, for every session (it shows every member
    the same processes), and marked for each place in the tree from that one drawing: with
    hundreds of processes, drawing the tree again for every process's pages would cost more
    than the rest of a first view."""
    if not current_user.is_authenticated:
        return ""

    def draw() -> str:
        return str(tree_list(tree.process_directory().outline))

    # Marked per request, not kept per place: a few replacements in the text cost less than
    # keeping a copy of the whole tree for every page in the shared parts.
    return Markup(_marked(shared_part(("sidebar",), draw), current_path))


def _marked(drawn: str, current_path: str) -> str:
    """The drawn tree (tree_list) with the current process and those above it marked: each
    link's exact text is found, so that "p2p" never matches "p2p-old"."""
    base = url_for("processes.view", path="_")[:-1]
    parts = current_path.split("/") if current_path else []
    for depth in range(1, len(parts) + 1):
        path = "/".join(parts[:depth])
        link = f'<a href="{escape(base + path)}">'
        mark = ' class="in-path"' + (' aria-current="page"' if path == current_path else "")
        drawn = drawn.replace(link, f"{link[:-1]}{mark}>", 1)
    return drawn


def process_option_list(
    selected: str | Iterable[str] = "", within: str = "", exclude: str = ""
) -> Markup:
    """An <option> for every process (only those `within` one process's subtree, when given;
    none of the `exclude`d one's), indented by its depth, the selected one (or ones, for a
    list that takes several) marked. Drawn once
    per shared version for each `within` and `exclude` asked, and kept for every request (a
    filter that lists hundreds of processes cost a results page more than its search); marked
    per request."""

    def draw() -> str:
        parts: list[str] = []

        def walk(level: list[tree.TreeNode]) -> None:
            for node in level:
                process = node.process
                if exclude and is_within(process.path, exclude):
                    continue  # and its sub-processes with it
                if not within or is_within(process.path, within):
                    parts.append(
                        f'<option value="{escape(process.path)}">'
                        f"{'— ' * process.depth}{escape(process.name)}</option>"
                    )
                walk(node.children)

        walk(tree.process_directory().outline)
        return "".join(parts)

    drawn = shared_part(("process-options", within, exclude), draw)
    for path in [selected] if isinstance(selected, str) else selected:
        if path:
            option = f'<option value="{escape(path)}">'
            drawn = drawn.replace(option, f"{option[:-1]} selected>", 1)
    return Markup(drawn)


def tree_list(nodes: list[tree.TreeNode]) -> Markup:
    """The process tree as nested lists of links (the sidebar, the home page's map). Drawn in
    Python rather than by a recursive macro: the sidebar draws every process, hundreds of
    them, after every change."""
    base = url_for("processes.view", path="_")[:-1]
    parts: list[str] = []

    def draw(level: list[tree.TreeNode]) -> None:
        parts.append("<ul>")
        for node in level:
            link = escape(base + node.process.path)
            parts.append(f'<li><a href="{link}">{escape(node.process.name)}</a>')
            if node.children:
                draw(node.children)
            parts.append("</li>")
        parts.append("</ul>")

    draw(nodes)
    return Markup("".join(parts))


# Drawings of the chrome kept: a few macros, for signed-in members, admins and visitors.
CHROME_LIMIT = 32


def site_chrome(macro: str, *args) -> Markup:
    """A macro of _site_chrome.html (the head's links, the main menu and search, the scripts),
    drawn once per worker for each set of arguments and reused: its links depend only on the
    routes and where the app is mounted, never on content or on who asks, and building the two
    dozen of them again was a good part of a first view's work."""
    script_root = request.script_root if has_request_context() else None
    key = (macro, args, script_root)
    drawn = current_app.extensions.setdefault("wiki.site_chrome", {})
    if key not in drawn:
        if len(drawn) >= CHROME_LIMIT:  # a server that lets clients name the mount point
            drawn.clear()
        drawn[key] = Markup(get_template_attribute("_site_chrome.html", macro)(*args))
    return drawn[key]


def user_menu() -> Markup:
    """The signed-in person's corner of the header: their notifications with the unread count,
    their name, and Log out. Assembled from strings: it is the layout's part that is each
    person's own, drawn on every request into a page otherwise drawn once (wiki.web.frames)."""
    unread = unread_count(current_user)
    label, count = "Notifications", ""
    if unread:
        label += f", {unread} unread"
        shown = unread if unread < 100 else "99+"
        count = f'<span class="bell-count" aria-hidden="true">{shown}</span>'
    account = "company account" if current_user.password_hash is None else "password"
    profile = url_for("people.profile", person_id=current_user.id)
    return Markup(
        '<div class="user-menu">'
        f'<a class="bell" href="{url_for("notifications.index")}">'
        f'<img src="{url_for("static", filename="bell.svg")}" alt="" width="20" height="20">'
        f'<span class="visually-hidden">{label}</span>{count}</a>'
        f'<a class="user-name" href="{profile}" title="Your profile: expertise, notifications,'
        f' API tokens and {account}">{escape(current_user.name)}</a>'
        f'<form method="post" action="{url_for("auth.logout")}" class="inline-form">'
        f'<input type="hidden" name="csrf_token" value="{escape(generate_csrf())}">'
        '<button type="submit" class="link-button">Log out</button></form></div>'
    )


def _layout_context() -> dict:
    return {
        "sidebar_html": sidebar_html,
        "site_chrome": site_chrome,
        "tree_list": tree_list,
        "user_menu": user_menu,
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
