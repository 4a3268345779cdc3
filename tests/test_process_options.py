"""The process lists of every filter and form: each lists the processes in tree order, indented
by their depth, with the chosen one selected; a process added, renamed or moved shows at once."""

from __future__ import annotations

import html
import re

import pytest

from tests import factories
from wiki.buddies import plans
from wiki.gaps import courses
from wiki.processes import tree

OPTION = re.compile(r'<option value="([^"]*)"( selected)?>([^<]*)</option>')

# Every process of the `screens` fixture, in tree order, as its options read: (value, label).
EVERY_PROCESS = [
    ("finance", "Finance"),
    ("finance/payables", "— Payables"),
    ("p2p", "Procure-to-Pay"),
    ("p2p/invoices", "— Invoices & credit notes"),
    ("p2p/invoices/holds", "— — Holds"),
]
UNDER_P2P = EVERY_PROCESS[2:]

# (screen, its select's id, the options it lists, the one selected)
SCREENS = [
    ("search", "search-process", EVERY_PROCESS, "p2p/invoices"),
    ("questions", "filter-process", EVERY_PROCESS, "p2p/invoices"),
    ("ask", "field-process", EVERY_PROCESS, None),
    ("gaps", "filter-process", EVERY_PROCESS, "p2p/invoices"),
    ("gap report", "filter-process", EVERY_PROCESS, "p2p/invoices"),
    ("new gap", "field-process", EVERY_PROCESS, "p2p/invoices"),
    ("following", "field-process", EVERY_PROCESS, "p2p/invoices"),
    ("course", "field-processes", EVERY_PROCESS, None),
    ("changes", "filter-process", EVERY_PROCESS, "p2p/invoices"),
    ("plan", "field-process", EVERY_PROCESS, None),
    ("plan template", "field-process", EVERY_PROCESS, None),
    ("introduce", "field-process", EVERY_PROCESS, None),
    ("forums", "field-process", EVERY_PROCESS, None),
    # A forum's gaps lie in its area.
    ("forum meeting", "field-process", UNDER_P2P, "p2p"),
    ("expertise", "field-process", EVERY_PROCESS, None),
    # A process cannot move into itself or under one of its own sub-processes.
    ("move process", "field-parent", EVERY_PROCESS[:3], "p2p"),
    ("move page", "field-process", EVERY_PROCESS, "p2p/invoices"),
]


@pytest.fixture
def screens(app, people) -> dict[str, str]:
    """The address of each screen that lists processes, for the admin."""
    factories.make_process("finance", "Finance")
    factories.make_process("finance/payables", "Payables")
    factories.make_process("p2p", "Procure-to-Pay")
    factories.make_process("p2p/invoices", "Invoices & credit notes")
    factories.make_process("p2p/invoices/holds", "Holds")
    page = factories.make_page("p2p/invoices", "Three-way match", "Match them.")
    template = plans.create_template(people["admin"], "AP analyst", "Accounts payable")
    course = courses.create_course(people["admin"], "AP basics", "Week one")
    forum, meeting = factories.make_forum_meeting(people, "p2p", "p2p/invoices")
    jill, admin = people["newcomer"].id, people["admin"].id
    chosen = "process=p2p/invoices"
    return {
        "search": f"/search?q=match&{chosen}",
        "questions": f"/questions/?{chosen}",
        "ask": "/questions/ask",
        "gaps": f"/gaps/?{chosen}",
        "gap report": f"/gaps/report?{chosen}",
        "new gap": f"/gaps/new?{chosen}",
        "following": f"/gaps/following?{chosen}",
        "course": f"/courses/{course.id}",
        "changes": f"/changes?{chosen}",
        "plan": f"/buddies/newcomers/{jill}",
        "plan template": f"/buddies/templates/{template.id}",
        "introduce": f"/buddies/newcomers/{jill}/introduce",
        "forums": "/forums/",
        "forum meeting": f"/forums/{forum.id}/meetings/{meeting.id}",
        "expertise": f"/people/{admin}/expertise/new",
        "move process": "/p/p2p/invoices/+move-process",
        "move page": f"/p/{page.path}/+move",
    }


def options_of(client, url: str, select_id: str) -> list[tuple[str, str, bool]]:
    """The select's options that name a process: (value, label as shown, selected)."""
    response = client.get(url)
    assert response.status_code == 200, url
    text = response.get_data(as_text=True)
    start = text.index(f'<select id="{select_id}"')
    drawn = text[start : text.index("</select>", start)]
    return [
        (html.unescape(value), html.unescape(label), bool(selected))
        for value, selected, label in OPTION.findall(drawn)
        if value
    ]


@pytest.mark.parametrize(("screen", "select_id", "listed", "chosen"), SCREENS)
def test_each_screen_lists_the_processes_with_the_chosen_one_selected(
    client, auth, screens, screen, select_id, listed, chosen
):
    auth.login("ada@example.com")
    shown = options_of(client, screens[screen], select_id)
    assert shown == [(value, label, value == chosen) for value, label in listed]


def test_a_process_added_renamed_or_moved_is_listed_at_once_on_each_screen(
    client, auth, people, screens
):
    auth.login("ada@example.com")
    for screen, select_id, _, _ in SCREENS:  # each list drawn (and kept) before the changes
        options_of(client, screens[screen], select_id)
    manager = people["manager"]
    tree.create_process(manager, "Returns", tree.get_process("p2p"), slug="returns")
    payables = tree.get_process("finance/payables")
    tree.update_process(manager, payables, "Accounts payable", "payables", "")
    tree.move_process(manager, tree.get_process("p2p/invoices/holds"), payables)
    for screen, select_id, _, _ in SCREENS:
        shown = options_of(client, screens[screen], select_id)
        labels = {value: label for value, label, _ in shown}
        if screen == "forum meeting":
            assert labels["p2p/returns"] == "— Returns"
            assert "finance/payables" not in labels
        else:
            assert labels["finance/payables"] == "— Accounts payable", screen
            assert labels["finance/payables/holds"] == "— — Holds", screen
            assert labels["p2p/returns"] == "— Returns", screen
            assert "p2p/invoices/holds" not in labels, screen
