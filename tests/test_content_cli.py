"""`wiki content load/export/logins` on the demo organisation and on broken folders."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.conftest import REPO
from wiki.auth import services, sign_in
from wiki.auth.models import User
from wiki.buddies import plans
from wiki.buddies.models import BuddyAssignment
from wiki.buddies.services import active_buddy
from wiki.extensions import db
from wiki.people.models import Expertise
from wiki.processes.models import Page, Process, Revision

CONTENT = REPO / "content"


def run(app, *args: str):
    result = app.test_cli_runner().invoke(args=list(args))
    return result


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_demo_content_meets_the_brief(app):
    result = run(app, "content", "load", str(CONTENT), "--demo-password")
    assert result.exit_code == 0, result.output
    assert "Loading content" in result.output  # the progress bar
    top = db.session.scalars(select(Process).where(Process.parent_id.is_(None))).all()
    assert len(top) >= 3 and count(Process) - len(top) >= 12
    assert count(Page) >= 30
    people = services.list_users()
    assert len(people) >= 8
    roles = [person.roles for person in people]
    assert any("manager" in r for r in roles) and any("trainer" in r for r in roles)
    assert sum(person.is_newcomer for person in people) >= 2
    # Every top-level process has someone to ask, and the demo map has its gaps to show.
    experts = {
        (e.person.email, e.process.path): e.level for e in db.session.scalars(select(Expertise))
    }
    assert experts[("priya@example.com", "procure-to-pay/invoice-processing")] == "owner"
    assert {path.split("/")[0] for _email, path in experts} == {
        "procure-to-pay",
        "order-to-cash",
        "record-to-report",
    }
    # The newcomers have their buddy and plan: Jill lands on her onboarding home.
    jill = db.session.scalar(select(User).where(User.email == "jill@example.com"))
    assert active_buddy(jill, date(2026, 11, 20)).email == "jim@example.com"
    jill_plan = plans.plan_of(jill)
    assert len(jill_plan) == 9 and jill_plan[0].due_on == date(2026, 11, 16)
    kinds = {item.kind for item in jill_plan}
    assert kinds == {"read_page", "learn_process", "meet_expert", "custom"}
    password = (Path(app.instance_path) / "demo-password").read_text().strip()
    assert sign_in.authenticate("jill@example.com", password) is not None
    logins = run(app, "content", "logins", str(CONTENT))
    assert "jill@example.com" in logins.output and password in logins.output


def test_load_is_idempotent_and_reports_changes(app, tmp_path):
    assert run(app, "content", "load", str(CONTENT)).exit_code == 0
    pages_before, revisions_before = count(Page), count(Revision)
    again = run(app, "content", "load", str(CONTENT))
    assert "0 created, 0 updated" in again.output
    assert (count(Page), count(Revision)) == (pages_before, revisions_before)
    changed = tmp_path / "content"
    shutil.copytree(CONTENT, changed)
    target = changed / "processes/procure-to-pay/invoice-processing/three-way-match.md"
    target.write_text(target.read_text() + "\nOne more line.\n")
    result = run(app, "content", "load", str(changed))
    assert "0 created, 1 updated" in result.output
    assert "updated page procure-to-pay/invoice-processing/three-way-match" in result.output
    assert count(Revision) == revisions_before + 1


def test_load_export_load_is_lossless(app, tmp_path):
    run(app, "content", "load", str(CONTENT))
    first, second = tmp_path / "first", tmp_path / "second"
    assert run(app, "content", "export", str(first)).exit_code == 0
    reload = run(app, "content", "load", str(first))
    assert "0 created, 0 updated" in reload.output, reload.output
    run(app, "content", "export", str(second))
    first_files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert first_files == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    for relative in first_files:
        assert (first / relative).read_bytes() == (second / relative).read_bytes(), relative
    original_pages = sorted(p.name for p in (CONTENT / "processes").rglob("*.md"))
    assert original_pages == sorted(p.name for p in (first / "processes").rglob("*.md"))


@pytest.mark.parametrize(
    "text, message",
    [
        (
            "---\ntitle: Three-way match\n- stray item\n---\nBody\n",
            "match.md:3: invalid front matter",
        ),
        ("no front matter\n", "three-way-match.md:1: the file must start with a '---'"),
        ("---\nowner: priya@example.com\n---\nBody\n", "needs a “title”"),
        ("---\ntitle: Something else\n---\nBody\n", "must be the title's slug"),
    ],
)
def test_malformed_files_are_named_and_nothing_is_loaded(app, tmp_path, text, message):
    broken = tmp_path / "content"
    shutil.copytree(CONTENT, broken)
    (broken / "processes/procure-to-pay/invoice-processing/three-way-match.md").write_text(text)
    result = run(app, "content", "load", str(broken))
    assert result.exit_code != 0
    assert message in result.output and "Nothing was loaded." in result.output
    assert count(Page) == 0 and count(Process) == 0


@pytest.mark.parametrize(
    "expertise, message",
    [
        ("[{process: no/such, level: expert}]", "names the process no/such, which is not in"),
        ("[{process: procure-to-pay, level: guru}]", "person 1's expertise 1 has level 'guru'"),
        (
            "[{process: procure-to-pay, level: expert, availability: asleep}]",
            "has availability 'asleep'; choose available, busy, away",
        ),
    ],
)
def test_malformed_expertise_is_named_and_nothing_is_loaded(app, tmp_path, expertise, message):
    broken = tmp_path / "content"
    shutil.copytree(CONTENT, broken)
    people = broken / "people.yaml"
    first_person = "    job_title: ERP Business Systems Administrator (IT)\n"
    text = people.read_text()
    start = text.index(first_person) + len(first_person)
    end = text.index("\n\n", start)
    people.write_text(text[:start] + f"    expertise: {expertise}" + text[end:])
    result = run(app, "content", "load", str(broken))
    assert result.exit_code != 0
    assert message in result.output and "Nothing was loaded." in result.output
    assert count(Expertise) == 0 and count(Process) == 0


@pytest.mark.parametrize(
    "plans_text, people_change, message",
    [
        (
            "templates:\n  - name: X\n    items:\n      - {day: 1, read: no/such/page}\n",
            None,
            "template 'X' names no/such/page, which is not in processes/",
        ),
        (
            "templates:\n  - name: X\n    items:\n      - {day: 0, task: Sign in}\n",
            None,
            "template 1's item 1 needs a day from 1 (the first day) to 366",
        ),
        (None, ("buddy: jim@example.com", "buddy: nobody@example.com"), "is not another person"),
        (
            None,
            ("plan: Accounts payable analyst", "plan: Nope"),
            "plan 'Nope' is not in plans.yaml",
        ),
    ],
)
def test_malformed_onboarding_is_named_and_nothing_is_loaded(
    app, tmp_path, plans_text, people_change, message
):
    broken = tmp_path / "content"
    shutil.copytree(CONTENT, broken)
    if plans_text:
        (broken / "plans.yaml").write_text(plans_text)
        people = broken / "people.yaml"
        people.write_text(people.read_text().replace("    plan: ", "    # plan: "))
    if people_change:
        people = broken / "people.yaml"
        people.write_text(people.read_text().replace(*people_change))
    result = run(app, "content", "load", str(broken))
    assert result.exit_code != 0
    assert message in result.output and "Nothing was loaded." in result.output
    assert count(BuddyAssignment) == 0 and count(Process) == 0


def test_if_empty_leaves_an_existing_wiki_alone(app):
    run(app, "content", "load", str(CONTENT))
    result = run(app, "content", "load", str(CONTENT), "--if-empty")
    assert "already has pages" in result.output


def test_web_made_content_exports_and_reloads_unchanged(app, tmp_path, people):
    from tests import factories
    from wiki.processes import page_templates, tree

    factories.make_page("p2p", "Vendor block", "\n\nStarts with blank lines.\r\nAnd CRLF.\n")
    process = tree.get_process("p2p")
    tree.update_process(people["manager"], process, "P2P", "p2p", "Line one\r\nLine two")
    page_templates.save_template(people["manager"], process, "Checklist", "- one")
    page_templates.save_template(people["manager"], process, "checklist!", "- two")
    exported = tmp_path / "export"
    assert run(app, "content", "export", str(exported)).exit_code == 0
    assert len(list((exported / "processes/p2p/_templates").glob("*.md"))) == 2
    again = run(app, "content", "load", str(exported))
    assert "0 created, 0 updated" in again.output, again.output


def test_a_process_cannot_land_on_a_page_address(app, tmp_path, people):
    from tests import factories

    factories.make_page("procure-to-pay", "Vendor master data", "A page made in the wiki.")
    pages_before = count(Page)
    result = run(app, "content", "load", str(CONTENT))
    assert result.exit_code != 0
    assert "process procure-to-pay/vendor-master-data: a page of the wiki has this address." in (
        result.output
    )
    assert "Nothing was loaded." in result.output
    assert count(Page) == pages_before
