"""Page templates: markdown skeletons offered when a page is started in a process."""

from __future__ import annotations

from sqlalchemy import select

from wiki.auth.models import User
from wiki.errors import NotFound, ValidationError
from wiki.extensions import db
from wiki.processes.models import PageTemplate, Process
from wiki.processes.tree import require_process_manager
from wiki.textutil import clean_line, clean_text


def templates_for(process: Process) -> list[PageTemplate]:
    """Templates of the process and of its ancestors, nearest first."""
    lineage = [process, *reversed(process.ancestors())]
    by_process = {
        node.id: list(
            db.session.scalars(
                select(PageTemplate)
                .where(PageTemplate.process_id == node.id)
                .order_by(PageTemplate.name)
            )
        )
        for node in lineage
    }
    return [template for node in lineage for template in by_process[node.id]]


def get_template(template_id: int) -> PageTemplate:
    template = db.session.get(PageTemplate, template_id)
    if template is None:
        raise NotFound("That page template no longer exists.")
    return template


def save_template(actor: User, process: Process, name: str, body: str) -> PageTemplate:
    """Create a template, or replace the body of the process's template of the same name."""
    require_process_manager(actor)
    name = clean_line(name)
    if not name:
        raise ValidationError({"name": "A template needs a name."})
    if len(name) > 120:
        raise ValidationError({"name": "A template name has at most 120 characters."})
    template = db.session.scalar(
        select(PageTemplate).where(PageTemplate.process_id == process.id, PageTemplate.name == name)
    )
    if template is None:
        template = PageTemplate(process=process, name=name)
        db.session.add(template)
    template.body = clean_text(body)
    db.session.commit()
    return template


def delete_template(actor: User, template: PageTemplate) -> None:
    require_process_manager(actor)
    db.session.delete(template)
    db.session.commit()
