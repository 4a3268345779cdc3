"""A real OpenID provider for the tests: the npm package oidc-provider, run by node from
tests/oidc_provider/provider.mjs on a free loopback port (`make test` installs it into
node_modules/ from package-lock.json). The accounts, their passwords and claims are in that
script; so are the clients whose ID tokens it tampers with."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from urllib.parse import urljoin

import requests

from tests.servers import free_loopback_port, stop_process

REPO = Path(__file__).resolve().parent.parent
SCRIPT = REPO / "tests" / "oidc_provider" / "provider.mjs"
CLIENT_SECRET = "wiki-client-secret"


@dataclass
class OpenIdProvider:
    issuer: str
    process: subprocess.Popen

    def wiki_config(self) -> dict:
        """The settings of a wiki that signs people in here, as the honest client "wiki"."""
        return {
            "OIDC_ISSUER": self.issuer,
            "OIDC_CLIENT_ID": "wiki",
            "OIDC_CLIENT_SECRET": CLIENT_SECRET,
            "OIDC_SCOPES": "openid email profile groups",
            "OIDC_NAME": "Example Corp",
            "OIDC_ROLE_MAP": {
                "finance": "member",
                "wiki-trainers": "trainer",
                "wiki-admins": "admin",
            },
        }

    def sign_in(self, authorization_url: str, login: str, password: str) -> str:
        """Follow the wiki's redirect through the provider's login form as a browser would,
        and return where the provider sends the browser back (the wiki's callback URL)."""
        browser = requests.Session()
        page = browser.get(authorization_url, timeout=5)
        page.raise_for_status()
        action = unescape(re.search(r'<form method="post" action="([^"]+)"', page.text)[1])
        answer = browser.post(
            urljoin(page.url, action),
            data={"login": login, "password": password},
            allow_redirects=False,
            timeout=5,
        )
        # The provider's own hops (login done, then the authorization endpoint again) until
        # it redirects off itself, to the wiki.
        while answer.is_redirect and answer.headers["Location"].startswith((self.issuer, "/")):
            answer = browser.get(
                urljoin(answer.url, answer.headers["Location"]), allow_redirects=False, timeout=5
            )
        assert answer.is_redirect, answer.text[:500]
        return answer.headers["Location"]

    def stop(self) -> None:
        stop_process(self.process)


def start_provider(folder: Path) -> OpenIdProvider:
    node = shutil.which("node")
    if node is None or not (REPO / "node_modules" / "oidc-provider").exists():
        raise RuntimeError("node or oidc-provider is missing: `make test` installs it (npm ci)")
    port = free_loopback_port()
    log = folder / "provider.log"  # its warnings (in-memory storage: what a test wants)
    with log.open("w") as errors:
        process = subprocess.Popen(
            [node, str(SCRIPT), str(port)],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
        )
    # Its one line on standard output, once it listens.
    if process.stdout.readline().strip() == "ready":
        return OpenIdProvider(f"http://127.0.0.1:{port}", process)
    process.wait()
    process.stdout.close()
    raise RuntimeError(f"the OpenID provider stopped: {log.read_text()[-2000:]}")
