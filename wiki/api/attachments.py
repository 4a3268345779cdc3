"""API: adding a file to a page (reading them is in the page's JSON and at their addresses)."""

from __future__ import annotations

from flask_login import current_user
from pydantic import BaseModel, Field
from spectree.model_adapter.pydantic_adapter import BaseFile
from werkzeug.datastructures import FileStorage

from wiki.api.blueprint import bp, spec
from wiki.api.pages import PAGE, TAGS, AttachmentOut, attachment_out
from wiki.api.schemas import responses
from wiki.attachments import services as attachments
from wiki.attachments.names import markdown_reference
from wiki.attachments.views import read_upload
from wiki.errors import ValidationError
from wiki.processes import pages


class UploadIn(BaseModel):
    file: BaseFile = Field(description="The file, with its name as the part's filename.")


class UploadedOut(AttachmentOut):
    markdown: str = Field(description="What to put in the page's text to show or link it.")


@bp.post(f"/pages/{PAGE}/attachments")
@spec.validate(form=UploadIn, resp=responses(writes=True, HTTP_201=UploadedOut), tags=TAGS)
def upload_attachment(page_id: int, form: UploadIn):
    """Add a file to the page as multipart/form-data (field `file`): a new name, or the next
    version of a name already there. Its type is decided from its bytes; a file of a kind
    the wiki does not keep is refused (422), one over the size limit too (413)."""
    page = pages.get_page_by_id(page_id)
    upload = form.file
    if not isinstance(upload, FileStorage) or not upload.filename:
        raise ValidationError({"file": "Send the file as a part with a filename."})
    attachment = attachments.upload_attachment(
        current_user, page, upload.filename, read_upload(upload)
    )
    reference = markdown_reference(attachment.name, attachment.is_image)
    return UploadedOut(**attachment_out(attachment).model_dump(), markdown=reference), 201
