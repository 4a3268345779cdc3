"""Search and verification: a verified page ranks above an otherwise equal unverified one, and
"verified pages only" (`verified=1`, on the results page and the API) finds only pages verified
now, on both backends."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests import factories
from wiki.extensions import db
from wiki.people.declarations import ExpertiseDraft, save_expertise
from wiki.search.models import SearchMiss
from wiki.timeutil import utcnow
from wiki.verification import services as verification

pytestmark = pytest.mark.search_backends("whoosh", "postgresql")

BODY = "Release the payment hold once the buyer confirms the receipt."


@pytest.fixture
def twins(app, people):
    """The same page in two processes: Treasury's older, Payables' newer (which wins a tie)."""
    factories.make_process("finance/treasury", name="Treasury")
    factories.make_process("finance/payables", name="Payables")
    older = factories.make_page("finance/treasury", "Payment holds", BODY, people["member"])
    newer = factories.make_page("finance/payables", "Payment holds", BODY, people["member"])
    newer.updated_at = older.updated_at + timedelta(hours=1)
    db.session.commit()
    return older, newer


def titles_in_order(html: str) -> list[str]:
    return [
        part.split('"', 1)[0]
        for part in html.split('<a href="/p/finance/')[1:]
        if part.split('"', 1)[0].endswith("payment-holds")
    ]


def test_a_verified_page_ranks_above_its_unverified_equal(client, auth, people, twins):
    older, newer = twins
    auth.login("jill@example.com")
    before = titles_in_order(client.get("/search?q=payment+hold").text)
    assert before[0] == newer.path.removeprefix("finance/")
    verification.verify(people["member"], older)
    after = titles_in_order(client.get("/search?q=payment+hold").text)
    assert after[0] == older.path.removeprefix("finance/")


def test_verified_only_finds_the_pages_verified_now(client, auth, people, twins):
    older, newer = twins
    factories.make_page(
        "finance/payables", "Hold codes", "Each payment hold has a code.", people["member"]
    )
    save_expertise(people["trainer"], people["trainer"], ExpertiseDraft("finance", "expert"))
    verification.verify(people["trainer"], older)
    trust = verification.verify(people["trainer"], newer)
    trust.verified_until = utcnow() - timedelta(minutes=1)  # expired by the clock, no tick yet
    db.session.commit()
    auth.login("jill@example.com")
    html = client.get("/search?q=payment+hold&verified=1").text
    assert "1 result." in html and 'name="verified" value="1" checked' in html
    assert f'href="/p/{older.path}"' in html and f'href="/p/{newer.path}"' not in html
    assert "Verified pages only · <a" in html
    every = client.get("/search?q=payment+hold").text
    assert "3 results." in every and 'value="1" checked' not in every
    api = client.get("/api/v1/search?q=payment+hold&verified=true").json
    assert [hit["url"] for hit in api["hits"]] == [f"/p/{older.path}"]


def test_verified_only_with_nothing_verified_finds_nothing(client, auth, twins):
    auth.login("jill@example.com")
    html = client.get("/search?q=payment+hold&verified=1").text
    assert "Nothing found for “payment hold” among verified pages" in html
    assert db.session.scalars(select(SearchMiss)).all() == []  # not a gap in the wiki
