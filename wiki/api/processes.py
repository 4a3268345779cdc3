"""API: the process tree, one process, and creating, renaming, moving and deleting processes."""

from __future__ import annotations

from flask_login import current_user
from pydantic import BaseModel, Field

from wiki.api.blueprint import bp, spec
from wiki.api.schemas import Body, Id, Text, responses
from wiki.processes import tree
from wiki.processes.models import Process

PROCESS = "<int(max=2147483647):process_id>"
TAGS = ["processes"]


class ProcessOut(BaseModel):
    id: int
    name: str
    slug: str
    path: str
    description: str
    parent_id: int | None


class ProcessNode(ProcessOut):
    children: list[ProcessNode]


class ProcessTree(BaseModel):
    roots: list[ProcessNode]


class ProcessDetail(ProcessOut):
    description_html: str
    page_count: int
    children: list[ProcessOut]


class ProcessIn(Body):
    name: Text = Field(min_length=1, max_length=1000)
    parent_id: Id | None = None
    slug: Text = Field("", max_length=1000, description="Made from the name when empty.")
    description: Text = Field("", max_length=200_000)


class ProcessChange(Body):
    name: Text | None = Field(None, max_length=1000)
    slug: Text | None = Field(None, max_length=1000)
    description: Text | None = Field(None, max_length=200_000)


class ProcessMove(Body):
    parent_id: Id | None = Field(description="The new parent; null makes it a top process.")


def process_out(process: Process) -> ProcessOut:
    return ProcessOut(
        id=process.id,
        name=process.name,
        slug=process.slug,
        path=process.path,
        description=process.description,
        parent_id=process.parent_id,
    )


def _node(node: tree.TreeNode) -> ProcessNode:
    return ProcessNode(
        **process_out(node.process).model_dump(), children=[_node(c) for c in node.children]
    )


def process_detail(process: Process) -> ProcessDetail:
    return ProcessDetail(
        **process_out(process).model_dump(),
        description_html=str(tree.description_html(process)),
        page_count=tree.page_counts([process]).get(process.id, 0),
        children=[process_out(child) for child in process.children],
    )


@bp.get("/processes")
@spec.validate(resp=responses(HTTP_200=ProcessTree), tags=TAGS)
def process_tree():
    """The whole process tree, top processes first."""
    return ProcessTree(roots=[_node(root) for root in tree.process_tree()])


@bp.post("/processes")
@spec.validate(resp=responses(writes=True, HTTP_201=ProcessDetail), tags=TAGS)
def create_process(json: ProcessIn):
    """Create a process (managers and admins)."""
    parent = tree.get_process_by_id(json.parent_id) if json.parent_id else None
    process = tree.create_process(
        current_user, json.name, parent, slug=json.slug, description=json.description
    )
    return process_detail(process), 201


@bp.get(f"/processes/{PROCESS}")
@spec.validate(resp=responses(HTTP_200=ProcessDetail), tags=TAGS)
def process(process_id: int):
    """One process with its children and how many pages it holds."""
    return process_detail(tree.get_process_by_id(process_id))


@bp.patch(f"/processes/{PROCESS}")
@spec.validate(resp=responses(writes=True, HTTP_200=ProcessDetail), tags=TAGS)
def update_process(process_id: int, json: ProcessChange):
    """Rename a process or change its description (managers and admins)."""
    found = tree.get_process_by_id(process_id)
    name = found.name if json.name is None else json.name
    slug = found.slug if json.slug is None else json.slug
    description = found.description if json.description is None else json.description
    return process_detail(tree.update_process(current_user, found, name, slug, description))


@bp.post(f"/processes/{PROCESS}/move")
@spec.validate(resp=responses(writes=True, HTTP_200=ProcessDetail), tags=TAGS)
def move_process(process_id: int, json: ProcessMove):
    """Move a process under another one, or to the top; never into its own subtree."""
    found = tree.get_process_by_id(process_id)
    parent = tree.get_process_by_id(json.parent_id) if json.parent_id else None
    return process_detail(tree.move_process(current_user, found, parent))


@bp.delete(f"/processes/{PROCESS}")
@spec.validate(resp=responses(writes=True, HTTP_204=None), tags=TAGS)
def delete_process(process_id: int):
    """Delete an empty process (no sub-processes, no pages)."""
    tree.delete_process(current_user, tree.get_process_by_id(process_id))
    return "", 204
