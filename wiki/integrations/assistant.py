"""The wiki for AI assistants: an MCP server (the official `mcp` SDK, streamable HTTP) at /mcp,
authenticated with a person's API token, whose tools see exactly what that person may see.

The SDK's server is an ASGI app; each worker process starts it on first use, with its own
event loop in a thread, and serves it through a2wsgi beside the Flask app. It runs stateless
(every request stands alone, answered as JSON), so any worker on any host can answer any
request and nothing lives on one host."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterable

from a2wsgi import ASGIMiddleware
from flask import Flask
from mcp.server.auth.middleware.auth_context import get_access_token
from mcp.server.auth.provider import AccessToken
from mcp.server.auth.settings import AuthSettings
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.transport_security import TransportSecuritySettings

from wiki.auth import tokens
from wiki.auth.models import User
from wiki.errors import DomainError
from wiki.extensions import db
from wiki.integrations import commands, reading
from wiki.ratelimit import hit_or_refuse

PATH = "/mcp"
WRITE_SCOPE = "write"


class ApiTokens:
    """The SDK's token verifier: a wiki API token, read-write ones with the write scope."""

    def __init__(self, app: Flask):
        self.app = app

    async def verify_token(self, token: str) -> AccessToken | None:
        with self.app.app_context():
            try:
                found = tokens.authenticate_token(token)
            except DomainError:
                return None
            scopes = ["read", WRITE_SCOPE] if found.can_write else ["read"]
            return AccessToken(
                token=token,
                client_id=f"token:{found.id}",
                scopes=scopes,
                subject=str(found.user_id),
            )


def build_server(app: Flask) -> MCPServer:
    base = app.config["BASE_URL"].rstrip("/")
    server = MCPServer(
        name="Onramp Wiki",
        instructions=(
            "The company's onboarding wiki, organised by business process. Search it with a "
            "question in the person's own words, read the page that answers, find who knows a "
            "process, and, when the wiki has no answer, ask an expert or log a gap."
        ),
        token_verifier=ApiTokens(app),
        # A wiki API token is made by the wiki for the wiki: there is no other resource it
        # could have been issued for, so there is no audience to compare.
        auth=AuthSettings(
            issuer_url=base, resource_server_url=base + PATH, validate_token_resource=False
        ),
    )

    def as_person(write: bool = False) -> Callable:
        """Run a tool's work in an app context, as the token's person."""

        def run(work: Callable[[User], str]) -> str:
            access = get_access_token()
            if access is None:
                raise ToolError("Send a personal access token: Authorization: Bearer <token>.")
            if write and WRITE_SCOPE not in access.scopes:
                raise ToolError(
                    "This token is read-only; make a read-write token to change things."
                )
            with app.app_context():
                person = db.session.get(User, int(access.subject or 0))
                if person is None or not person.active:
                    raise ToolError("This token's person can no longer use the wiki.")
                try:
                    return work(person)
                except DomainError as error:
                    raise ToolError(error.message) from error

        return run

    @server.tool(description="Search the wiki with a question or keywords, as this person.")
    def search(query: str) -> str:
        return as_person()(lambda person: reading.search_text(query, person))

    @server.tool(description="Read a page (by its path, as in /p/<path>): markdown and facts.")
    def read_page(path: str) -> str:
        return as_person()(lambda person: reading.page_text(path, person))

    @server.tool(description="Who knows a process (its name or path, or a few words).")
    def who_knows(process: str) -> str:
        return as_person()(lambda person: reading.reply_text(commands.who_knows(process, person)))

    @server.tool(description="Ask the best experts a question, as this person (read-write token).")
    def ask_expert(question: str) -> str:
        return as_person(write=True)(
            lambda person: reading.reply_text(commands.ask(question, person, "assistant"))
        )

    @server.tool(description="Log a gap: something the wiki should say and does not (read-write).")
    def log_gap(title: str, description: str = "", process: str = "") -> str:
        return as_person(write=True)(
            lambda person: reading.gap_text(title, description, process, person)
        )

    return server


class McpEndpoint:
    """WSGI middleware: /mcp goes to the MCP server (started on the first such request in
    this process), every other address to the wiki, after the rate limit for API tokens."""

    def __init__(self, app: Flask, wiki: Callable):
        self.app = app
        self.wiki = wiki
        self._served: ASGIMiddleware | None = None
        self._lock = threading.Lock()

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("PATH_INFO", "") not in (PATH, PATH + "/"):
            return self.wiki(environ, start_response)
        refused = hit_or_refuse(self.app, environ, "mcp")
        if refused is not None:
            return refused(environ, start_response)
        return self._server()(environ, start_response)

    def _server(self) -> ASGIMiddleware:
        with self._lock:
            if self._served is None:
                self._served = _start(build_server(self.app))
            return self._served


def _start(server: MCPServer) -> ASGIMiddleware:
    asgi = server.streamable_http_app(
        streamable_http_path=PATH,
        stateless_http=True,
        json_response=True,
        # Every request needs a bearer token, which a page a DNS-rebinding attack serves does
        # not have; the wiki answers under whatever host name it is deployed at.
        transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
    )
    loop = asyncio.new_event_loop()
    threading.Thread(target=loop.run_forever, name="mcp", daemon=True).start()
    ready = threading.Event()

    async def keep_running() -> None:
        # The app's lifespan starts the SDK's session manager, which every request needs.
        async with asgi.router.lifespan_context(asgi):
            ready.set()
            await asyncio.Event().wait()

    asyncio.run_coroutine_threadsafe(keep_running(), loop)
    if not ready.wait(timeout=10):
        raise RuntimeError("the MCP server did not start")
    return ASGIMiddleware(asgi, loop=loop)


def init_app(app: Flask) -> None:
    app.wsgi_app = McpEndpoint(app, app.wsgi_app)  # type: ignore[method-assign]
