"""Keyword factories for test data, written through the same services the app uses."""

from __future__ import annotations

import functools
from datetime import date

from werkzeug.security import generate_password_hash

from wiki.auth import services as accounts
from wiki.auth.models import User
from wiki.buddies.models import BuddyAssignment
from wiki.errors import NotFound
from wiki.extensions import db
from wiki.processes import pages, tree
from wiki.processes.models import Page, Process

PASSWORD = "correct horse battery"


@functools.cache
def _password_hash() -> str:
    """The shared test password, hashed once per run with scrypt at a small work factor:
    the wiki's own factor costs about 0.1 s per check by design, and most tests log in.
    A check reads the factor from the hash, so signing in works as it does with the wiki's
    own hashes (tests/test_auth_views.py checks those)."""
    return generate_password_hash(PASSWORD, method="scrypt:1024:8:1")


def make_user(
    email: str = "someone@example.com",
    name: str = "Some One",
    roles: list[str] | None = None,
    start_date: str | None = None,
    password: str | None = PASSWORD,
) -> User:
    form = accounts.PersonForm(
        email=email,
        name=name,
        roles=tuple(roles or ["member"]),
        start_date=date.fromisoformat(start_date) if start_date else None,
    )
    if password != PASSWORD:
        return accounts.create_user(form, password=password)
    user = accounts.create_user(form)
    user.password_hash = _password_hash()
    db.session.commit()
    return user


def _system_manager() -> User:
    manager = accounts.find_user_by_email("factory-manager@example.com")
    return manager or make_user(
        email="factory-manager@example.com", name="Factory Manager", roles=["manager"]
    )


def make_process(path: str, name: str | None = None, description: str = "") -> Process:
    """Create a process at a slug path, creating missing ancestors on the way."""
    parent = None
    built = ""
    for slug in path.strip("/").split("/"):
        built = f"{built}/{slug}" if built else slug
        try:
            parent = tree.get_process(built)
        except NotFound:
            is_leaf = built == path.strip("/")
            parent = tree.create_process(
                _system_manager(),
                name=(name if is_leaf and name else slug.replace("-", " ").capitalize()),
                parent=parent,
                slug=slug,
                description=description if is_leaf else "",
            )
    return parent


def make_page(
    process: Process | str,
    title: str = "A page",
    body: str = "Some text.",
    author: User | None = None,
    tags: str = "",
) -> Page:
    if isinstance(process, str):
        process = make_process(process)
    author = author or _system_manager()
    return pages.create_page(author, process, pages.PageDraft(title, body, "Created", tags))


def make_question(
    asker: User,
    process: Process | str,
    experts: list[User],
    title: str = "How do I clear a price variance?",
    body: str = "I looked at the three-way match page.",
    private: bool = False,
):
    from wiki.questions import services as questions

    if isinstance(process, str):
        process = make_process(process)
    draft = questions.QuestionDraft(title, body, [expert.id for expert in experts], private)
    return questions.ask_question(asker, process, draft)


def make_answered_question(asker: User, process_path: str, title: str, answer: str):
    """A question answered by Noor, an expert of the process (so she may make it a page)."""
    from wiki.people.models import Expertise
    from wiki.questions import services as questions

    noor = make_user(email="noor@example.com", name="Noor Expert")
    db.session.add(Expertise(person=noor, process=make_process(process_path), level="expert"))
    db.session.commit()
    question = make_question(asker, process_path, [noor], title=title)
    questions.add_post(noor, question, answer)
    return question


def assign_buddy(newcomer: User, buddy: User) -> None:
    """A 90-day buddy assignment from the newcomer fixture's start date."""
    db.session.add(
        BuddyAssignment(
            newcomer=newcomer, buddy=buddy, starts_on=date(2026, 11, 16), ends_on=date(2027, 2, 14)
        )
    )
    db.session.commit()


def make_peer_group(people: dict, facilitation: str = "rotating"):
    """A peer group of the five fixture people, formed by the trainer."""
    from wiki.peergroups import services as peer_groups

    members = [people[role] for role in ("admin", "manager", "trainer", "member", "newcomer")]
    draft = peer_groups.GroupDraft(
        name="Finance peers",
        primary_outcome="problem_solving",
        facilitation=facilitation,
        external_facilitator="Dana Facilitator" if facilitation == "external" else "",
        ground_rules="1. Confidentiality.",
        member_ids=tuple(person.id for person in members),
    )
    return peer_groups.create_group(people["trainer"], draft)


def record_group_meeting(
    group, recorder, priority: str = "Close faster", action: str = "Checklist"
):
    """A meeting of two hours less twenty minutes with every member there, facilitated by the
    recorder."""
    from wiki.peergroups import services as peer_groups

    entries = [
        peer_groups.MemberEntry(member.user_id, True, priority, action, "4")
        for member in group.members
    ]
    facilitator = recorder.id if group.facilitation == "rotating" else None
    draft = peer_groups.MeetingDraft("2026-11-02", "100", facilitator, False, entries)
    return peer_groups.record_meeting(recorder, group, draft)


def make_forum_meeting(people: dict, area: str, gap_process: str):
    """The area's forum, opened by the trainer, with the member and newcomer in it, a meeting
    of 2026-11-20 they both attended, and one gap raised there, planned for the member."""
    from wiki.forums import services as forums
    from wiki.gaps import services as gaps

    forum = forums.create_forum(people["trainer"], area, "", "Month-end *questions*.")
    for key in ("member", "newcomer"):
        forums.join(people[key], forum)
    attendees = (people["member"].id, people["newcomer"].id)
    meeting = forums.record_meeting(
        people["member"],
        forum,
        forums.MeetingDraft("2026-11-20", attendees, "We talked about **freight**."),
        today=date(2026, 12, 2),
    )
    gaps.log_gap(
        people["member"],
        gaps.GapDraft(
            title="Freight on credit notes",
            process_path=gap_process,
            source="forum_meeting",
            forum_meeting_id=meeting.id,
            owner_id=people["member"].id,
            due_on="2026-12-31",
        ),
    )
    return forum, meeting


def image_bytes(
    width: int = 40, height: int = 30, color=(30, 90, 160), format: str = "PNG", **options
) -> bytes:
    """An image drawn by Pillow, in any format it writes; options go to its save()."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, format, **options)
    return out.getvalue()


def attach(page: Page, name: str = "screen.png", data: bytes | None = None, uploader=None):
    """Upload a file to a page through the attachment service (a PNG unless data is given)."""
    from wiki.attachments import services as attachments

    return attachments.upload_attachment(
        uploader or _system_manager(), page, name, image_bytes() if data is None else data
    )


def make_token(user: User, write: bool = False, days: int = 90) -> str:
    """A personal access token of the user; returns the secret to send as Bearer."""
    from wiki.auth import tokens

    return tokens.create_token(user, "test script", write=write, days=days).secret


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}
