"""Formal courses: modules mapped to processes, the gaps folded into each (what to revise),
and the wiki pages of its processes (the trainer's source material)."""

from __future__ import annotations

from sqlalchemy import select

from wiki.auth.models import User
from wiki.errors import NotAllowed, NotFound, ValidationError
from wiki.extensions import db
from wiki.gaps.models import Course, CourseModule, Gap
from wiki.processes import tree
from wiki.processes.models import Page, Process
from wiki.textutil import clean_line, clean_text


def can_manage_courses(actor: User) -> bool:
    return actor.has_role("admin", "trainer")


def courses() -> list[Course]:
    return list(db.session.scalars(select(Course).order_by(Course.title)))


def modules() -> list[CourseModule]:
    """Every module, for folding a gap into one, course by course."""
    return list(
        db.session.scalars(
            select(CourseModule)
            .join(Course, Course.id == CourseModule.course_id)
            .order_by(Course.title, CourseModule.position, CourseModule.id)
        )
    )


def get_course(course_id: int) -> Course:
    course = db.session.get(Course, course_id)
    if course is None:
        raise NotFound("There is no such course.")
    return course


def create_course(actor: User, title: str, description: str) -> Course:
    _require_course_manager(actor)
    title = clean_line(title)
    if not title or len(title) > 200:
        raise ValidationError({"title": "Give the course a title of up to 200 characters."})
    if db.session.scalar(select(Course.id).where(Course.title == title)):
        raise ValidationError({"title": f"A course is already called “{title}”."})
    course = Course(title=title, description=clean_text(description).strip())
    db.session.add(course)
    db.session.commit()
    return course


def add_module(actor: User, course: Course, title: str, process_paths: list[str]) -> CourseModule:
    _require_course_manager(actor)
    errors: dict[str, str] = {}
    title = clean_line(title)
    if not title or len(title) > 200:
        errors["module_title"] = "Give the module a title of up to 200 characters."
    processes: list[Process] = []
    for path in filter(None, (p.strip("/") for p in process_paths)):
        try:
            processes.append(tree.get_process(path))
        except NotFound:
            errors["processes"] = f"There is no process at {path}."
    if not processes and "processes" not in errors:
        errors["processes"] = "Map the module to at least one process."
    if errors:
        raise ValidationError(errors)
    module = CourseModule(
        course=course, title=title, position=len(course.modules) + 1, processes=processes
    )
    db.session.add(module)
    db.session.commit()
    return module


def folded_gaps(module: CourseModule) -> list[Gap]:
    return list(
        db.session.scalars(
            select(Gap)
            .where(Gap.course_module_id == module.id, Gap.merged_into_id.is_(None))
            .order_by(Gap.created_at)
        )
    )


def source_pages(module: CourseModule) -> list[Page]:
    """The wiki pages of the module's processes and everything below them."""
    pages: dict[int, Page] = {}
    for process in module.processes:
        below = (
            select(Page)
            .join(Process, Process.id == Page.process_id)
            .where(tree.in_subtree(process.path))
        )
        for page in db.session.scalars(below.order_by(Page.path)):
            pages[page.id] = page
    return list(pages.values())


def _require_course_manager(actor: User) -> None:
    if not can_manage_courses(actor):
        raise NotAllowed("Only trainers and admins change courses.")
