"""Home page: a logged-in member sees the process map and what changed lately."""

from tests import factories


def test_home_shows_process_map_and_changes(client, auth, people):
    factories.make_page(
        "procure-to-pay/invoice-processing", "Three-way match", "Match PO, GR and invoice."
    )
    auth.login("jill@example.com")
    response = client.get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Invoice processing" in html
    assert "Three-way match" in html
