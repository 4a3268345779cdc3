"""Content health's most read pages that are not verified: exact whichever way they are found
(pages summed in the order of their bounds, or all at once), with each page's last day read and
views per period kept as counts are flushed, a late flush of an earlier day included."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from tests import factories
from wiki.extensions import db
from wiki.timeutil import utcnow
from wiki.verification import health, readership
from wiki.verification.readership import PageLastView, PageViewCount, period_of


def view(monkeypatch, page, day: date, times: int) -> None:
    moment = datetime.combine(day, time(12))
    monkeypatch.setattr(readership, "utcnow", lambda: moment)
    for _ in range(times):
        readership.count_view(page.id)
    readership.write_counts()


@pytest.mark.parametrize(
    ("first_bounds", "full_sum"), [(40, 3000), (2, 3000), (2, 1)], ids=["one", "grown", "all"]
)
def test_the_most_read_unverified_pages_are_exact(monkeypatch, people, first_bounds, full_sum):
    now = utcnow()
    today = now.date()
    # The first day of the period before this one: outside the window, inside the bound.
    long_ago = date.fromordinal((period_of(today) - 1) * readership.PERIOD_DAYS)
    favourite = factories.make_page("p2p", "Old favourite", "Read a lot once.", people["member"])
    view(monkeypatch, favourite, long_ago, 100)
    view(monkeypatch, favourite, today, 1)
    pages = [factories.make_page("p2p", f"Page {n}", "Text.", people["member"]) for n in range(12)]
    for n, page in enumerate(pages):
        view(monkeypatch, page, today - timedelta(days=n % 3), n + 2)
    view(monkeypatch, pages[0], today - timedelta(days=3), 1)  # a late flush of an earlier day
    last = db.session.get(PageLastView, pages[0].id)
    assert last.day == today
    monkeypatch.setattr(health, "FIRST_BOUNDS", first_bounds)
    monkeypatch.setattr(health, "FULL_SUM", full_sum)
    report = health.content_health(now)
    since = (now - health.READ_WINDOW).date()
    sums = dict(
        db.session.execute(
            select(PageViewCount.page_id, func.sum(PageViewCount.views))
            .where(PageViewCount.day >= since)
            .group_by(PageViewCount.page_id)
        ).all()
    )
    titles = {page.id: page.title for page in [favourite, *pages]}
    expected = sorted(sums, key=lambda page_id: (-sums[page_id], page_id))[: health.MOST_READ]
    assert [(page.title, page.views) for page in report.most_read_unverified] == [
        (titles[page_id], sums[page_id]) for page_id in expected
    ]
    assert report.most_read_unverified[0].views == 13
    assert (report.overall.viewed, report.overall.verified) == (13, 0)
