"""The trainer's gap report against a hand-built fixture under a fixed clock: counts, people,
median ages, top search misses, weeks, time to documented; filters; the CSV read back with
formula-injection cells and non-ASCII text; the CLI; who may see it; hostile text."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta

import pytest
from sqlalchemy import insert

from tests.factories import make_process
from tests.test_markup_xss import problems_in
from wiki.auth.models import User
from wiki.extensions import db
from wiki.gaps.models import Gap
from wiki.gaps.report import ReportFilters, build_report
from wiki.search.models import SearchMiss
from wiki.textutil import safe_cell

NOW = datetime(2026, 12, 2, 12, 0)  # a Wednesday


def gap(title, path, days_old, people, status="open", source="manual", resolved_days_old=None):
    process = make_process(path)
    made = Gap(
        title=title,
        process=process,
        source=source,
        status=status,
        reporter=people[0],
        created_at=NOW - timedelta(days=days_old),
        updated_at=NOW,
        resolved_at=NOW - timedelta(days=resolved_days_old)
        if resolved_days_old is not None
        else None,
    )
    for person in people:
        made.add_affected(person.id)
    db.session.add(made)
    db.session.commit()
    return made


@pytest.fixture
def fixture(people):
    """p2p/invoices: 3 gaps aged 10, 20, 30 days; p2p/payments: 1 aged 5; o2c: 1 aged 1."""
    jill, priya, marty = people["newcomer"], people["member"], people["manager"]
    make_process("p2p")
    gap("Freight tolerance", "p2p/invoices", 10, [jill, priya])
    gap('=HYPERLINK("http://evil.example")', "p2p/invoices", 20, [jill], source="search_miss")
    gap(
        "Überweisung — “Skonto” rules",
        "p2p/invoices",
        30,
        [marty],
        status="documented",
        resolved_days_old=26,
    )
    gap("+1 for the payment run", "p2p/payments", 5, [priya], status="closed", resolved_days_old=2)
    gap("@SUM dunning", "o2c", 1, [marty])
    for words, count in (("vendor master", 3), ("freight", 2), ("skonto", 1), ("gr ir", 1)):
        for _ in range(count):
            db.session.add(
                SearchMiss(
                    query=words,
                    normalized=words,
                    process_id=make_process("p2p/invoices").id,
                    kind="no_results",
                    created_at=NOW - timedelta(days=3),
                )
            )
    db.session.commit()
    return people


def test_the_report_counts_people_ages_and_misses_along_the_tree(fixture):
    report = build_report(ReportFilters(), NOW)
    rows = {row.process.path: row for row in report.rows}
    # In the order of the tree: roots by name, each followed by what is below it.
    assert [row.process.path for row in report.rows] == [
        "o2c",
        "p2p",
        "p2p/invoices",
        "p2p/payments",
    ]
    assert (report.total, report.people) == (5, 3)
    p2p = rows["p2p"]
    assert (p2p.total, p2p.own, p2p.people, p2p.median_age_days) == (4, 0, 3, 15)
    invoices = rows["p2p/invoices"]
    assert (invoices.total, invoices.own, invoices.people, invoices.median_age_days) == (
        3,
        3,
        3,
        20,
    )
    assert invoices.top_misses == [("vendor master", 3), ("freight", 2), ("gr ir", 1)]
    # Documented after 4 days; the closed one counts too, after 3.
    assert report.median_days_to_documented == 3.5
    weeks = dict(
        (monday.isoformat(), (opened, resolved)) for monday, opened, resolved in report.weeks
    )
    assert weeks["2026-11-30"] == (1, 1)  # the o2c gap logged, the payment-run gap closed
    assert weeks["2026-11-23"] == (1, 0)  # the payment-run gap, logged on the Friday
    assert weeks["2026-11-16"] == (1, 0)  # freight, logged on the Sunday
    assert weeks["2026-11-09"] == (1, 0)
    assert weeks["2026-11-02"] == (1, 1)  # the Skonto gap logged and documented that week


def test_a_gap_hundreds_of_people_said_me_too_to_counts_them_all(fixture):
    # Its people, written out, are too long for the index covering the report on PostgreSQL.
    crowd = db.session.scalars(
        insert(User).returning(User.id),
        [{"email": f"crowd{n}@example.com", "name": f"Crowd {n}"} for n in range(600)],
    ).all()
    many = gap("Nobody knows the cut-off", "p2p/payments", 8, [fixture["newcomer"]])
    for person in crowd:
        many.add_affected(person)
    db.session.commit()
    assert len(many.people_affected) > 2000
    report = build_report(ReportFilters(), NOW)
    rows = {row.process.path: row for row in report.rows}
    assert (report.total, report.people) == (6, 603)
    assert (rows["p2p/payments"].total, rows["p2p/payments"].people) == (2, 602)
    assert (rows["p2p"].total, rows["p2p"].people) == (5, 603)
    assert rows["p2p/payments"].median_age_days == 6.5


def test_filters_narrow_by_subtree_period_source_and_status(fixture):
    only = build_report(ReportFilters(process_path="p2p/invoices"), NOW)
    assert [row.process.path for row in only.rows] == ["p2p/invoices"] and only.total == 3
    recent = build_report(ReportFilters(since=(NOW - timedelta(days=12)).date()), NOW)
    assert recent.total == 3
    misses = build_report(ReportFilters(source="search_miss"), NOW)
    assert misses.total == 1
    closed = build_report(ReportFilters(status="closed"), NOW)
    assert [row.process.path for row in closed.rows] == ["p2p", "p2p/payments"]


def test_the_csv_reads_back_with_formulas_neutralised_and_text_intact(client, auth, fixture):
    auth.login("carrie@example.com")
    response = client.get("/gaps/report.csv?process=p2p")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8"))))
    titles = sorted(row["title"] for row in rows)
    assert titles == sorted(
        [
            "Freight tolerance",
            '\'=HYPERLINK("http://evil.example")',
            "Überweisung — “Skonto” rules",
            "'+1 for the payment run",
        ]
    )
    skonto = next(row for row in rows if row["title"].startswith("Über"))
    assert (skonto["process"], skonto["status"], skonto["people affected"]) == (
        "p2p/invoices",
        "Documented",
        "1",
    )
    assert safe_cell("-2") == "'-2" and safe_cell("@SUM(A1)") == "'@SUM(A1)"
    assert safe_cell("plain") == "plain"


def test_only_trainers_and_admins_see_the_report(client, auth, fixture):
    auth.login("priya@example.com")
    assert client.get("/gaps/report").status_code == 403
    assert client.get("/gaps/report.csv").status_code == 403
    auth.logout()
    auth.login("ada@example.com")
    page = client.get("/gaps/report").get_data(as_text=True)
    assert "5 gaps, affecting 3 people" in " ".join(
        page.replace("<strong>", "").replace("</strong>", "").split()
    )
    printable = client.get("/gaps/report?print=1").get_data(as_text=True)
    assert '<body class="printable">' in printable


def test_the_cli_prints_the_report_as_json_markdown_and_csv(app, fixture):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["gaps", "report", "--format", "json", "--process", "p2p"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["total"] == 4
    assert [p["path"] for p in data["processes"]] == ["p2p", "p2p/invoices", "p2p/payments"]
    markdown = runner.invoke(args=["gaps", "report"]).output
    assert "| P2p | 4 | 0 | 3 | " in markdown and "|   Invoices | 3 | 3 | 3 | " in markdown
    rows = list(
        csv.reader(io.StringIO(runner.invoke(args=["gaps", "report", "--format", "csv"]).output))
    )
    assert len(rows) == 6 and rows[0][0] == "id"
    refused = runner.invoke(args=["gaps", "report", "--process", "no/such"])
    assert refused.exit_code == 2 and "There is no process" in refused.output


def test_hostile_process_names_and_misses_render_inert(client, auth, people, xss_payloads):
    jill = people["newcomer"]
    for number, payload in enumerate(xss_payloads[:30]):
        process = make_process(f"hostile-{number}", name=payload[:120] or "x")
        db.session.add(
            Gap(title="x", process=process, source="manual", reporter=jill, created_at=NOW)
        )
        db.session.add(
            SearchMiss(
                query=payload[:500],
                normalized=payload[:500],
                process_id=process.id,
                kind="no_results",
            )
        )
    db.session.commit()
    auth.login("carrie@example.com")
    page = client.get("/gaps/report").get_data(as_text=True)
    assert page.count("<svg") == 1
    assert problems_in(page.replace("<svg", "<div", 1).replace("</svg>", "</div>")) == []
