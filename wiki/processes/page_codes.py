"""The ERP codes (transactions, reports: ZFI_3WM, ZAP_HOLD) a page writes: found in its newest
title and text, and recorded at every save, as its links are."""

from __future__ import annotations

import re

from sqlalchemy import delete

from wiki.extensions import db
from wiki.processes.models import Page, PageCode

# A code as pages write it: letters, then an underscore and more (ZFI_3WM, ZAP_PAYRUN).
CODE = re.compile(r"\b[A-Z][A-Z0-9]{1,5}_[A-Z0-9_]*[A-Z0-9]\b")
# Longer than any code a system names: a run of capitals like that is not one.
MAX_CODE_LENGTH = 100


def codes_in(title: str, body: str) -> set[str]:
    """The codes a page's title and text write."""
    return {
        code for code in CODE.findall(title) + CODE.findall(body) if len(code) <= MAX_CODE_LENGTH
    }


def record_codes(page: Page, title: str, body: str) -> None:
    """Replace the page's codes with those of its newest title and text."""
    db.session.execute(delete(PageCode).where(PageCode.page_id == page.id))
    db.session.add_all(
        PageCode(page_id=page.id, code=code) for code in sorted(codes_in(title, body))
    )
