"""Browser-test fixtures. CSRF stays on: every form the browser submits carries its token."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD


@pytest.fixture
def app_config() -> dict:
    """No overrides: unlike the client tests, CSRF protection is enabled here."""
    return {}


@pytest.fixture
def context(live_server_url: str, context):
    """pytest-playwright's context, closed before the live server stops (set up after it), so
    that no keep-alive connection of the browser holds one of the server's threads."""
    return context


@pytest.fixture(scope="session")
def base_url(pytestconfig: pytest.Config) -> str | None:
    """Replaces pytest-playwright's fallback fixture, which pytest 9 warns about (an instance
    method used as a session fixture) and filterwarnings=error turns into an error. The tests
    use absolute URLs built from live_server_url, whose port is only known per test."""
    return pytestconfig.getoption("--base-url", default=None) or None


@pytest.fixture
def login(live_server_url: str) -> Callable[[Page, str], None]:
    """Log a browser page in through the real login form."""

    def _login(page: Page, email: str) -> None:
        page.goto(f"{live_server_url}/login")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("button", name="Log out")).to_be_visible()

    return _login
