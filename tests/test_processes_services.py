"""The process tree: create, rename, move, delete, and the bad input each refuses."""

from __future__ import annotations

import pytest

from tests import factories
from wiki.errors import DomainError, NotAllowed, NotFound, ValidationError
from wiki.processes import tree


def test_create_nested_processes_by_slug_path(people):
    manager = people["manager"]
    p2p = tree.create_process(manager, "Procure-to-Pay")
    invoices = tree.create_process(manager, "Invoice processing", parent=p2p)
    assert invoices.path == "procure-to-pay/invoice-processing"
    assert tree.get_process("procure-to-pay/invoice-processing/").id == invoices.id
    assert [node.process.name for node in tree.process_tree()] == ["Procure-to-Pay"]


@pytest.mark.parametrize(
    "name, slug, field, message",
    [
        ("", "", "name", "A process needs a name."),
        ("x" * 121, "", "name", "at most 120 characters"),
        ("Fine", "Not A Slug!", "slug", "lowercase letters, digits and single hyphens"),
        ("Payments", "", "slug", "already uses the address “finance/payments”"),
    ],
)
def test_bad_process_input_is_refused_precisely(people, name, slug, field, message):
    factories.make_process("finance/payments", "Payments")
    finance = tree.get_process("finance")
    with pytest.raises(ValidationError) as refused:
        tree.create_process(people["manager"], name, parent=finance, slug=slug)
    assert message in refused.value.errors[field]
    assert len(finance.children) == 1


def test_a_page_and_a_sub_process_cannot_share_a_slug(people):
    factories.make_page("finance", "Payments")
    with pytest.raises(ValidationError, match="The page “Payments” already uses"):
        tree.create_process(people["manager"], "Payments", parent=tree.get_process("finance"))


def test_unknown_process_is_not_found(app):
    with pytest.raises(NotFound, match="There is no process at “nowhere”"):
        tree.get_process("nowhere")


def test_members_cannot_change_the_tree(people):
    with pytest.raises(NotAllowed):
        tree.create_process(people["member"], "Mine")


def test_rename_carries_the_subtree_and_leaves_redirects(people):
    page = factories.make_page("finance/payments/runs", "Payment run")
    finance = tree.get_process("finance")
    tree.update_process(people["manager"], finance, "Group finance", "group-finance", "")
    assert tree.get_process("group-finance/payments/runs")
    assert page.path == "group-finance/payments/runs/payment-run"
    assert tree.resolve_path("finance/payments/runs/payment-run") == page.path
    assert tree.resolve_path("finance/payments") == "group-finance/payments"


def test_move_into_own_descendant_is_refused_and_changes_nothing(people):
    factories.make_process("finance/payments/runs")
    finance = tree.get_process("finance")
    runs = tree.get_process("finance/payments/runs")
    for target in (finance, runs):
        with pytest.raises(DomainError, match="cannot move into itself or one of its own"):
            tree.move_process(people["manager"], finance, target)
    assert finance.parent is None and finance.path == "finance"


def test_move_to_another_parent_and_to_the_top(people):
    factories.make_process("finance/payments")
    factories.make_process("treasury")
    payments = tree.get_process("finance/payments")
    tree.move_process(people["manager"], payments, tree.get_process("treasury"))
    assert payments.path == "treasury/payments"
    tree.move_process(people["manager"], payments, None)
    assert payments.path == "payments" and payments.parent is None


def test_delete_only_when_empty(people):
    factories.make_page("finance/payments", "Payment run")
    finance = tree.get_process("finance")
    with pytest.raises(DomainError, match="still has sub-processes or pages"):
        tree.delete_process(people["manager"], finance)
    empty = factories.make_process("finance/empty")
    tree.delete_process(people["manager"], empty)
    with pytest.raises(NotFound):
        tree.get_process("finance/empty")


def test_an_address_taken_between_check_and_commit_is_a_clear_refusal(people):
    from wiki.extensions import db
    from wiki.processes.models import Process

    factories.make_process("finance")
    # What a second worker's create would look like after both passed the slug check.
    db.session.add(Process(name="Finance", slug="finance", path="finance"))
    with pytest.raises(ValidationError, match="Someone else just gave something this address"):
        tree.commit_claiming_address("slug")
    assert [node.process.path for node in tree.process_tree()] == ["finance"]


@pytest.mark.parametrize(
    "address",
    [
        "https://wiki.example.com/p/p2p/invoices/three-way-match",
        "http://localhost:5000/p/p2p/invoices/three-way-match?q=match#before-you-start",
        "/p/p2p/invoices/three-way-match",
        "p/p2p/invoices/three-way-match/",
        "p2p/invoices/three-way-match",
        " /p/p2p/invoices/three-way-match/+history ",
        "/p/p2p/invoices/three%2Dway-match",
    ],
)
def test_a_page_field_takes_a_whole_url_or_a_path(app, address):
    page = factories.make_page("p2p/invoices", "Three-way match")
    assert tree.page_at_address(address) == page


def test_a_page_field_names_no_page_for_a_process_or_nothing(app):
    factories.make_page("p2p/invoices", "Three-way match")
    for address in ("", "https://wiki.example.com/", "/p/p2p/invoices", "/p/nowhere"):
        assert tree.page_at_address(address) is None, address
