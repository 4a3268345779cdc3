"""API: the change requests of a page (read only): what waits for approval, and each step."""

from __future__ import annotations

from pydantic import BaseModel, Field

from wiki.api.blueprint import bp, spec
from wiki.api.pages import PAGE, PersonRef, person_ref
from wiki.api.schemas import Moment, responses
from wiki.approvals import services as approvals
from wiki.approvals.models import ChangeRequest
from wiki.processes import pages

TAGS = ["change requests"]


class ChangeRequestOut(BaseModel):
    id: int
    page_id: int | None = Field(description="None for a new page not approved yet.")
    process_id: int = Field(description="The process of the page, or of the new page asked for.")
    new_page: bool = Field(description="It asks for a new page (created on approval).")
    kind: str = Field(description="controlled (the page's process is) or suggestion.")
    state: str = Field(description="open, changes_asked, approved or rejected.")
    author: PersonRef | None
    base_revision: int = Field(description="The revision the change was written on.")
    title: str
    body: str = Field(description="The proposed markdown.")
    summary: str
    comment: str = Field(description="What the approver said asking for changes or rejecting.")
    decided_by: PersonRef | None
    opened_at: Moment
    decided_at: Moment | None
    revision: int | None = Field(description="The revision its approval made.")


class ChangeRequestsOut(BaseModel):
    requests: list[ChangeRequestOut]


def change_request_out(request: ChangeRequest) -> ChangeRequestOut:
    return ChangeRequestOut(
        id=request.id, page_id=request.page_id, process_id=request.process.id,
        new_page=request.is_new_page, kind=request.kind, state=request.state,
        author=person_ref(request.author), base_revision=request.base_revision,
        title=request.title, body=request.body, summary=request.summary,
        comment=request.comment, decided_by=person_ref(request.decided_by),
        opened_at=request.opened_at, decided_at=request.decided_at,
        revision=request.revision_number,
    )  # fmt: skip


@bp.get(f"/pages/{PAGE}/change-requests")
@spec.validate(resp=responses(HTTP_200=ChangeRequestsOut), tags=TAGS)
def page_change_requests(page_id: int):
    """The page's change requests, newest first. A save of a page that needs approval answers
    409: such changes are made in the web editor."""
    found = approvals.requests_of_page(pages.get_page_by_id(page_id))
    return ChangeRequestsOut(requests=[change_request_out(request) for request in found])
