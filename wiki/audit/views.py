"""The audit trail for admins: /admin/audit with filters, and its CSV export. Read only."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, render_template, request

from wiki.audit import services
from wiki.audit.models import KINDS
from wiki.forms import whole_number
from wiki.security import roles_required

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")


@bp.before_request
@roles_required("admin")
def require_admin() -> None:
    return None


def _filters() -> services.AuditFilters:
    return services.AuditFilters(
        person=request.args.get("person", "")[:254],
        kind=request.args.get("kind", ""),
        since=_day(request.args.get("since")),
        until=_day(request.args.get("until")),
    )


def _day(text: str | None) -> date | None:
    # A filter ignores what it cannot read, as the gap report's do.
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


@bp.get("")
def entries():
    filters = _filters()
    listing = services.list_entries(filters, whole_number(request.args.get("page")) or 1)
    return render_template("audit/entries.html", listing=listing, filters=filters, kinds=KINDS)


@bp.get("/audit.csv")
def entries_csv():
    return (
        services.entries_csv(_filters()),
        200,
        {
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": "attachment; filename=audit.csv",
        },
    )
