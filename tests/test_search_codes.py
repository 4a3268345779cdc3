"""The ERP code registry: every code the pages mention with its own page, chosen automatically
(the page tagged with it) or by a trainer or admin, and a search for the code showing that page
first on both backends; others cannot change it, and a bad choice is refused with a message."""

from __future__ import annotations

import pytest

from tests import factories
from wiki.search import services

pytestmark = pytest.mark.search_backends("whoosh", "postgresql")


@pytest.fixture
def pages(people):
    author = people["member"]
    return {
        "match": factories.make_page(
            "p2p/invoices",
            "Three-way match",
            "Run ZFI_3WM to match the order, the receipt and the invoice.",
            author,
            tags="zfi-3wm",
        ),
        "variances": factories.make_page(
            "p2p/invoices",
            "Price and quantity variances",
            "ZFI_3WM in report mode lists ZFI_3WM blocks by variance; ZFI_3WM again after.",
            author,
        ),
        "other": factories.make_page("p2p/invoices", "Payment run", "ZAP_PAYRUN weekly.", author),
    }


def first_title(user, query: str) -> str:
    return services.search(user, query).results.hits[0].plain_title


def test_the_registry_lists_each_code_with_its_page_and_a_trainer_changes_it(
    client, auth, people, pages
):
    newcomer = people["newcomer"]
    assert first_title(newcomer, "ZFI_3WM") == "Three-way match"
    auth.login("jill@example.com")
    assert 'href="/glossary/codes"' in client.get("/glossary/").text
    registry = client.get("/glossary/codes").text
    assert "ZFI_3WM" in registry and "ZAP_PAYRUN" in registry
    assert "tagged with the code" in registry and "<select" not in registry  # she only reads
    auth.logout()

    auth.login("carrie@example.com")
    response = client.post("/glossary/codes/ZFI_3WM", data={"page": str(pages["variances"].id)})
    assert response.status_code == 302
    assert "chosen by Carrie Trainer" in client.get("/glossary/codes").text
    assert first_title(newcomer, "ZFI_3WM") == "Price and quantity variances"
    assert first_title(newcomer, "zfi_3wm blocks") == "Price and quantity variances"

    # Back to the automatic choice: the tagged page.
    assert client.post("/glossary/codes/ZFI_3WM", data={"page": ""}).status_code == 302
    assert first_title(newcomer, "ZFI_3WM") == "Three-way match"


@pytest.mark.parametrize("person", ["jill@example.com", "priya@example.com", "marty@example.com"])
def test_only_trainers_and_admins_choose_a_code_s_page(client, auth, people, pages, person):
    auth.login(person)
    response = client.post("/glossary/codes/ZFI_3WM", data={"page": str(pages["variances"].id)})
    assert response.status_code == 403
    assert first_title(people["newcomer"], "ZFI_3WM") == "Three-way match"


@pytest.mark.parametrize("choice", ["999999", "not a number", "-1"])
def test_a_page_that_does_not_mention_the_code_is_refused_with_a_message(
    client, auth, people, pages, choice
):
    auth.login("ada@example.com")
    for page in [choice, str(pages["other"].id)]:
        response = client.post("/glossary/codes/ZFI_3WM", data={"page": page})
        assert response.status_code == 422
        assert "Choose one of the pages that mention ZFI_3WM." in response.text
    assert first_title(people["newcomer"], "ZFI_3WM") == "Three-way match"


def test_a_code_no_page_mentions_is_not_found(client, auth, people, pages):
    auth.login("ada@example.com")
    for code in ["ZZZ_NONE", "%3Cscript%3E", "ZFI_3WM%27--"]:
        assert client.post(f"/glossary/codes/{code}", data={"page": ""}).status_code == 404


def test_the_registry_follows_each_edit_revert_and_deletion_at_once(client, auth, people, pages):
    from wiki.processes import pages as page_services

    author, payment = people["member"], pages["other"]
    page_services.save_page(
        author, payment, page_services.PageDraft(payment.title, "Release ZAP_HOLD first."), 1
    )
    auth.login("jill@example.com")
    registry = client.get("/glossary/codes").text
    assert "ZAP_HOLD" in registry and "ZAP_PAYRUN" not in registry
    page_services.revert_page(author, payment, 1)
    registry = client.get("/glossary/codes").text
    assert "ZAP_PAYRUN" in registry and "ZAP_HOLD" not in registry
    # A code in a title counts too; a page deleted takes its codes along.
    page_services.save_page(
        author, payment, page_services.PageDraft("Payment run ZAP_RUN2", "Weekly."), 3
    )
    assert "ZAP_RUN2" in client.get("/glossary/codes").text
    page_services.delete_page(people["admin"], payment)
    registry = client.get("/glossary/codes").text
    assert "ZAP_RUN2" not in registry and "ZFI_3WM" in registry
