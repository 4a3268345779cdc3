"""Signing in with a company account in Chromium: the wiki's button, the OpenID provider's own
login form (tests/oidc_server), and back in the wiki as that person with their mapped role."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.oidc_server import OpenIdProvider
from wiki.auth import services as accounts


@pytest.fixture
def app_config(openid_provider: OpenIdProvider) -> dict:
    return openid_provider.wiki_config()  # CSRF stays on


def test_a_person_signs_in_through_the_providers_login_form(
    page: Page, live_server_url: str, openid_provider: OpenIdProvider
):
    page.goto(f"{live_server_url}/changes")  # the login page keeps where they were going
    page.get_by_role("link", name="Sign in with Example Corp").click()
    expect(page.get_by_role("heading", name="Company sign-in")).to_be_visible()
    assert page.url.startswith(openid_provider.issuer)
    page.get_by_label("Email").fill("omar@example.com")
    page.get_by_label("Password").fill("omar-company-password")
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    assert page.url == f"{live_server_url}/changes"
    expect(page.locator(".user-name")).to_have_text("Omar Oidc")
    expect(page.get_by_role("link", name="Audit log")).to_be_visible()  # admins only
    assert accounts.find_user_by_email("omar@example.com").roles == {"admin", "member"}
