"""Error pages: 403, 404 and 500 as pages for people and as JSON for programs."""

from __future__ import annotations

import pytest


@pytest.fixture
def app_config() -> dict:
    # Let the 500 handler answer instead of re-raising into the test.
    return {"WTF_CSRF_ENABLED": False, "PROPAGATE_EXCEPTIONS": False}


def test_not_found_page(client, auth, people):
    auth.login("jill@example.com")
    response = client.get("/p/no/such/thing")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "<h1>Not found</h1>" in html and "Go to the home page" in html


def test_forbidden_page(client, auth, people):
    auth.login("jill@example.com")
    response = client.get("/admin/users")
    assert response.status_code == 403
    assert "You do not have permission to do this." in response.get_data(as_text=True)


def test_server_error_page_and_json(app, client, auth, people):
    @app.get("/boom")
    def boom():
        raise RuntimeError("kaboom")

    auth.login("jill@example.com")
    response = client.get("/boom")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "Something went wrong" in html and "kaboom" not in html
    as_json = client.get("/boom", headers={"Accept": "application/json"})
    assert as_json.status_code == 500
    assert as_json.get_json()["error"] == "server_error"
