"""API: pages of a process; read, create, save from a base revision, history, revert, review."""

from __future__ import annotations

from datetime import date

from flask_login import current_user
from pydantic import BaseModel, Field

from wiki.api.blueprint import bp, error_details, spec
from wiki.api.processes import PROCESS, ProcessOut, process_out
from wiki.api.schemas import (
    Body,
    ErrorBody,
    Id,
    ListQuery,
    Moment,
    Text,
    Whole,
    list_of,
    listed,
    one_page,
    responses,
)
from wiki.attachments import services as attachments
from wiki.attachments.models import Attachment
from wiki.attachments.rendering import file_url
from wiki.forms import MAX_ID
from wiki.processes import history, pages, tree
from wiki.processes.models import Page, Revision
from wiki.verification import services as verification

PAGE = "<int(max=2147483647):page_id>"
TAGS = ["pages"]


class PersonRef(BaseModel):
    id: int
    name: str


class PageSummary(BaseModel):
    id: int
    title: str
    path: str
    process_id: int
    revision: int
    tags: list[str]
    updated_at: Moment


class Review(BaseModel):
    last_reviewed_at: Moment | None
    due_at: Moment
    overdue: bool
    interval_days: int


class VerificationOut(BaseModel):
    state: str = Field(description="verified, review_due, expired or unverified")
    verifier: PersonRef | None
    until: Moment | None


class AttachmentOut(BaseModel):
    name: str = Field(description="As the text refers to it: attachment:<name>.")
    version: int = Field(description="Uploading a name again adds a version.")
    media_type: str = Field(description="Decided from the file's bytes, e.g. image/png.")
    size: int = Field(description="In bytes.")
    uploaded_by: PersonRef | None = Field(description="Null for a file loaded from content.")
    uploaded_at: Moment
    url: str = Field(description="Where to download it: GET it with the same Authorization header.")


class PageOut(PageSummary):
    process: ProcessOut
    owner: PersonRef | None
    markdown: str
    html: str
    review: Review
    verification: VerificationOut
    attachments: list[AttachmentOut] = Field(
        description="The current version of each file, by name, as listed under the page."
    )


class RevisionSummary(BaseModel):
    number: int
    title: str
    summary: str
    author: PersonRef | None
    created_at: Moment


class RevisionOut(RevisionSummary):
    markdown: str


class DiffLine(BaseModel):
    kind: str = Field(description="context, added, removed or hunk")
    text: str


class ConflictBody(ErrorBody):
    current_revision: int
    current: RevisionOut
    diff: list[DiffLine] = Field(description="From your base revision to the current one.")


class PageIn(Body):
    title: Text = Field(min_length=1, max_length=1000)
    body: Text = Field(max_length=200_000)
    summary: Text = Field("", max_length=1000)
    tags: list[Text] | None = Field(None, max_length=100, description="Null keeps them.")


class PageUpdate(PageIn):
    base_revision: Whole = Field(ge=0, le=MAX_ID, description="The revision you edited.")
    minor: bool = Field(
        False, description="A typo or wording: a verified page stays verified (a figure never)."
    )


class RevertIn(Body):
    revision: Id


def person_ref(person) -> PersonRef | None:
    return PersonRef(id=person.id, name=person.name) if person else None


def page_summary(page: Page) -> PageSummary:
    return PageSummary(
        id=page.id, title=page.title, path=page.path, process_id=page.process_id,
        revision=page.latest_revision, tags=page.tags, updated_at=page.updated_at,
    )  # fmt: skip


def attachment_out(attachment: Attachment) -> AttachmentOut:
    return AttachmentOut(
        name=attachment.name, version=attachment.version,
        media_type=attachment.media_type, size=attachment.blob.size,
        uploaded_by=person_ref(attachment.uploaded_by), uploaded_at=attachment.uploaded_at,
        url=file_url(attachment),
    )  # fmt: skip


def page_out(page: Page) -> PageOut:
    revision = pages.latest_revision(page)
    return PageOut(
        **page_summary(page).model_dump(),
        process=process_out(page.process),
        owner=person_ref(page.owner),
        markdown=revision.body,
        html=str(pages.rendered_html(revision)),
        review=Review(
            last_reviewed_at=page.last_reviewed_at,
            due_at=page.review_due_at,
            overdue=page.is_review_overdue(),
            interval_days=page.review_interval_days,
        ),
        verification=verification_out(page),
        attachments=[
            attachment_out(attachment)
            for attachment in attachments.current_attachments(page.id).values()
        ],
    )


def verification_out(page: Page) -> VerificationOut:
    badge = verification.badge(page)
    return VerificationOut(
        state=badge.state, verifier=person_ref(badge.verifier), until=badge.until
    )


def revision_out(revision: Revision) -> RevisionOut:
    return RevisionOut(
        number=revision.number, title=revision.title, summary=revision.summary,
        author=person_ref(revision.author), created_at=revision.created_at,
        markdown=revision.body,
    )  # fmt: skip


def _draft(json: PageIn) -> pages.PageDraft:
    tags = None if json.tags is None else ", ".join(json.tags)
    minor = getattr(json, "minor", False)
    return pages.PageDraft(json.title, json.body, json.summary, tags, minor)


@error_details(pages.PageConflict)
def _conflict_details(conflict: pages.PageConflict) -> dict:
    """What a 409 adds: the current revision and what changed since the client's base."""
    base_text = f"# {conflict.base.title}\n\n{conflict.base.body}" if conflict.base else ""
    latest = conflict.latest
    diff = history.diff_texts(base_text, f"# {latest.title}\n\n{latest.body}")
    return {
        "current_revision": latest.number,
        "current": revision_out(latest).model_dump(mode="json"),
        "diff": [{"kind": line.kind, "text": line.text} for line in diff],
    }


@bp.get(f"/processes/{PROCESS}/pages")
@spec.validate(resp=responses(HTTP_200=list_of(PageSummary)), tags=TAGS)
def process_pages(process_id: int, query: ListQuery):
    """The pages of one process, by title."""
    process = tree.get_process_by_id(process_id)
    found = one_page(process.pages, query, f"pages-of-{process.id}")
    return listed(found, page_summary)


@bp.post(f"/processes/{PROCESS}/pages")
@spec.validate(resp=responses(writes=True, HTTP_201=PageOut), tags=TAGS)
def create_page(process_id: int, json: PageIn):
    """Create a page in a process; you own it. Where a new page needs approval (a controlled
    process, or a newcomer's suggestion) it answers 409 and writes nothing: such a page is
    made in the web editor, where it waits as a change request."""
    page = pages.create_page(current_user, tree.get_process_by_id(process_id), _draft(json))
    return page_out(page), 201


@bp.get(f"/pages/{PAGE}")
@spec.validate(resp=responses(HTTP_200=PageOut), tags=TAGS)
def page(page_id: int):
    """A page: its markdown, the rendered HTML, its revision, owner, review state, tags and
    files."""
    return page_out(pages.get_page_by_id(page_id))


@bp.put(f"/pages/{PAGE}")
@spec.validate(resp=responses(writes=True, HTTP_200=PageOut, HTTP_409=ConflictBody), tags=TAGS)
def update_page(page_id: int, json: PageUpdate):
    """Save a new text made from base_revision; a stale base answers 409 and writes nothing."""
    found = pages.get_page_by_id(page_id)
    pages.save_page(current_user, found, _draft(json), json.base_revision)
    return page_out(found)


@bp.get(f"/pages/{PAGE}/revisions")
@spec.validate(resp=responses(HTTP_200=list_of(RevisionSummary)), tags=TAGS)
def page_history(page_id: int, query: ListQuery):
    """The page's revisions, newest first."""
    found = pages.get_page_by_id(page_id)
    revisions = one_page(history.page_history(found), query, f"history-of-{found.id}")
    return listed(revisions, lambda r: RevisionSummary(**revision_out(r).model_dump()))


@bp.get(f"/pages/{PAGE}/revisions/<int(max=2147483647):number>")
@spec.validate(resp=responses(HTTP_200=RevisionOut), tags=TAGS)
def page_revision(page_id: int, number: int):
    """One revision of a page, with its markdown."""
    return revision_out(pages.get_revision(pages.get_page_by_id(page_id), number))


@bp.post(f"/pages/{PAGE}/revert")
@spec.validate(resp=responses(writes=True, HTTP_200=PageOut), tags=TAGS)
def revert_page(page_id: int, json: RevertIn):
    """Bring back an old revision's text as a new revision."""
    found = pages.get_page_by_id(page_id)
    pages.revert_page(current_user, found, json.revision)
    return page_out(found)


class VerifyIn(Body):
    note: Text = Field("", max_length=500)
    until: date | None = Field(None, description="Empty: the configured interval (90 days).")


@bp.post(f"/pages/{PAGE}/verify")
@spec.validate(resp=responses(writes=True, HTTP_200=PageOut), tags=TAGS)
def verify_page(page_id: int, json: VerifyIn):
    """Vouch for the page until a date (its owner, or an expert of its process)."""
    found = pages.get_page_by_id(page_id)
    verification.verify(current_user, found, json.note, json.until)
    return page_out(found)


@bp.post(f"/pages/{PAGE}/review")
@spec.validate(resp=responses(writes=True, HTTP_200=PageOut), tags=TAGS)
def review_page(page_id: int):
    """Mark the page reviewed: still right (its owner, managers and admins)."""
    found = pages.get_page_by_id(page_id)
    pages.mark_reviewed(current_user, found)
    return page_out(found)
