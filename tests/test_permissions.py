"""Who may do what: every guarded route checked for every role, and for visitors."""

from __future__ import annotations

import io

import pytest

from tests import factories

ROLES = ["admin", "manager", "trainer", "member", "newcomer"]
EMAILS = {
    "admin": "ada@example.com",
    "manager": "marty@example.com",
    "trainer": "carrie@example.com",
    "member": "priya@example.com",
    "newcomer": "jill@example.com",
}
EVERYONE = set(ROLES)
MANAGERS = {"admin", "manager"}

# (method, url, form data, roles allowed). The page is owned by the trainer; {admin_id} is
# the admin's id, which is not 1 on PostgreSQL once earlier tests have used that number.
ROUTES = [
    ("GET", "/", None, EVERYONE),
    ("GET", "/p/p2p", None, EVERYONE),
    ("GET", "/p/p2p/three-way-match", None, EVERYONE),
    ("GET", "/p/p2p/three-way-match/+edit", None, EVERYONE),
    ("GET", "/p/p2p/three-way-match/+history", None, EVERYONE),
    ("GET", "/changes", None, EVERYONE),
    ("GET", "/changes.atom", None, EVERYONE),
    ("GET", "/reviews", None, EVERYONE),
    ("GET", "/account/password", None, EVERYONE),
    ("POST", "/account/sessions", {}, EVERYONE),
    ("POST", "/p/p2p/+new", {"title": "New one", "body": "x"}, EVERYONE),
    ("GET", "/processes/new", None, MANAGERS),
    ("POST", "/processes/new", {"name": "Treasury"}, MANAGERS),
    ("GET", "/p/p2p/+settings", None, MANAGERS),
    ("GET", "/p/p2p/+move-process", None, MANAGERS),
    ("POST", "/p/empty/+delete-process", {}, MANAGERS),
    ("POST", "/p/p2p/+templates", {"name": "Checklist", "body": "- [ ]"}, MANAGERS),
    ("POST", "/p/p2p/three-way-match/+review", {}, MANAGERS | {"trainer"}),
    ("GET", "/p/p2p/three-way-match/+ownership", None, MANAGERS | {"trainer"}),
    ("GET", "/p/p2p/three-way-match/attachments", None, EVERYONE),
    ("POST", "/p/p2p/three-way-match/attachments", "upload", EVERYONE),
    ("GET", "/p/p2p/three-way-match/attachments/rates.csv", None, EVERYONE),
    ("GET", "/files/{sha256}/rates.csv", None, EVERYONE),
    (
        "POST",
        "/p/p2p/three-way-match/attachments/{attachment_id}/remove",
        {},
        MANAGERS | {"trainer"},
    ),
    ("POST", "/p/p2p/three-way-match/+delete", {}, MANAGERS | {"trainer"}),
    ("GET", "/search?q=match", None, EVERYONE),
    ("GET", "/search/quick?q=thr", None, EVERYONE),
    ("POST", "/search/not-helpful", {"q": "match"}, EVERYONE),
    ("GET", "/search/misses", None, {"admin", "trainer"}),
    ("GET", "/people/{admin_id}", None, EVERYONE),
    ("GET", "/questions/", None, EVERYONE),
    ("GET", "/questions/feed.atom", None, EVERYONE),
    ("GET", "/questions/ask?process=p2p", None, EVERYONE),
    ("GET", "/notifications/", None, EVERYONE),
    ("GET", "/people/map", None, EVERYONE),
    ("GET", "/buddies/", None, EVERYONE),
    ("GET", "/buddies/templates", None, EVERYONE),
    ("POST", "/buddies/templates", {"name": "AP analyst"}, MANAGERS | {"trainer"}),
    ("GET", "/buddies/team", None, MANAGERS),
    ("GET", "/buddies/assign", None, MANAGERS),
    ("GET", "/coaching/", None, EVERYONE),
    ("GET", "/coaching/new", None, EVERYONE),
    ("GET", "/groups/", None, EVERYONE),
    ("GET", "/groups/new", None, MANAGERS | {"trainer"}),
    ("GET", "/feedforward/", None, EVERYONE),
    ("GET", "/feedforward/new", None, EVERYONE),
    ("GET", "/gaps/", None, EVERYONE),
    ("GET", "/gaps/new", None, EVERYONE),
    ("GET", "/courses/", None, EVERYONE),
    ("GET", "/gaps/report", None, {"admin", "trainer"}),
    ("GET", "/gaps/following", None, {"admin", "trainer"}),
    ("POST", "/gaps/following", {"process": "p2p"}, {"admin", "trainer"}),
    ("GET", "/forums/", None, EVERYONE),
    ("POST", "/forums/", {"process": "p2p"}, {"admin", "trainer"}),
    ("GET", "/gaps/report.csv", None, {"admin", "trainer"}),
    ("POST", "/courses/", {"title": "AP basics"}, {"admin", "trainer"}),
    ("GET", "/people/{admin_id}/expertise/new", None, MANAGERS),
    ("POST", "/people/{admin_id}/expertise/new", {"process": "p2p", "level": "expert"}, MANAGERS),
    ("GET", "/notifications/preferences", None, EVERYONE),
    ("POST", "/notifications/read-all", {}, EVERYONE),
    ("GET", "/account/tokens", None, EVERYONE),
    ("POST", "/account/tokens", {"name": "Bot", "access": "read", "days": "9"}, EVERYONE),
    ("GET", "/admin/tokens", None, {"admin"}),
    ("GET", "/admin/users", None, {"admin"}),
    ("GET", "/admin/users/new", None, {"admin"}),
    ("GET", "/admin/audit", None, {"admin"}),
    ("GET", "/admin/webhooks", None, {"admin"}),
    ("GET", "/watching", None, EVERYONE),
    ("POST", "/watching", {"path": "p2p"}, EVERYONE),
    ("GET", "/admin/audit/audit.csv", None, {"admin"}),
    ("POST", "/admin/users/new", {"name": "X", "email": "x@example.com"}, {"admin"}),
    ("GET", "/glossary/", None, EVERYONE),
    ("GET", "/glossary/new", None, {"admin", "trainer"}),
    ("POST", "/glossary/new", {"term": "PO", "definition": "Order."}, {"admin", "trainer"}),
]


@pytest.fixture
def site(people):
    page = factories.make_page("p2p", "Three-way match", "Text", author=people["trainer"])
    factories.make_process("empty")
    # Uploaded by the page's owner: the uploader and the owner are the same person here.
    rates = factories.attach(page, "rates.csv", b"currency,rate\n", uploader=people["trainer"])
    return {**people, "attachment": rates}


def _form(data):
    """A fresh upload for each request ("upload"), since a file is read when it is sent."""
    if data == "upload":
        return {"file": (io.BytesIO(b"notes\n"), "notes.txt")}
    return data


@pytest.mark.parametrize(
    "method, url, data, allowed", ROUTES, ids=[f"{r[0]} {r[1]}" for r in ROUTES]
)
def test_route_permissions_by_role(client, auth, site, method, url, data, allowed):
    """A visitor is sent to log in; then the refused roles, then the allowed ones, each in
    turn on one site. The first allowed request must succeed; a later one may meet what it
    changed (a duplicate name refused with 422, a deleted page gone with 404) but is never
    forbidden."""
    attachment = site["attachment"]
    address = url.format(
        admin_id=site["admin"].id, attachment_id=attachment.id, sha256=attachment.blob_sha256
    )
    visitor = client.open(address, method=method, data=_form(data))
    assert visitor.status_code == 302 and visitor.location.startswith("/login")
    wrong: dict[str, str] = {}
    succeeded = False
    for role in sorted(ROLES, key=lambda role: role in allowed):
        auth.logout()
        auth.login(EMAILS[role])
        response = client.open(address, method=method, data=_form(data))
        text = response.get_data(as_text=True)
        if role not in allowed:
            if response.status_code != 403 or "Not allowed" not in text:
                wrong[role] = f"{response.status_code} where 403 was expected"
        elif response.status_code == 403:
            wrong[role] = "403 though the role is allowed"
        elif not succeeded and response.status_code >= 400:
            wrong[role] = f"{response.status_code}: {text[:300]}"
        elif response.status_code >= 400 and response.status_code not in (404, 422):
            wrong[role] = f"{response.status_code} after an earlier role's request"
        succeeded = succeeded or response.status_code < 400
    assert wrong == {}
