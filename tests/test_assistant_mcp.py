"""The MCP server at /mcp, driven over HTTP by the `mcp` SDK's own client against the wiki
served on loopback with the demo organisation: its tools, each as the token's person; writes
refused to a read-only token; no private question and no coaching record ever returned."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client
from sqlalchemy import select

from tests import factories
from tests.conftest import REPO
from wiki.content import loader
from wiki.content.files import read_content
from wiki.extensions import db
from wiki.gaps.models import Gap
from wiki.questions.models import Question

BASE = "https://wiki.example.com"


@pytest.fixture
def app_config() -> dict:
    return {"WTF_CSRF_ENABLED": False, "BASE_URL": BASE}


@pytest.fixture
def demo(app, people):
    loader.load_content(read_content(REPO / "content"), None)
    return people


def call(url: str, token: str, tool: str | None = None, **arguments) -> tuple[bool, str] | list:
    """One session: the tool's (is_error, text), or the names of the tools when none is given."""

    async def session():
        http = create_mcp_http_client(headers={"Authorization": f"Bearer {token}"})
        async with Client(streamable_http_client(f"{url}/mcp", http_client=http)) as client:
            if tool is None:
                return sorted(t.name for t in (await client.list_tools()).tools)
            result = await client.call_tool(tool, arguments)
            return result.is_error, "\n".join(part.text for part in result.content)

    # In a thread of its own: a browser test earlier in the run may leave an event loop
    # running in this one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, session()).result()


def test_an_assistant_lists_the_tools_and_searches_reads_and_finds_experts(live_server_url, demo):
    token = factories.make_token(demo["newcomer"])
    assert call(live_server_url, token) == [
        "ask_expert", "log_gap", "read_page", "search", "who_knows"
    ]  # fmt: skip
    failed, found = call(
        live_server_url, token, "search", query="supplier wants to change bank account"
    )
    assert not failed
    assert "> " in found and "the single most common way companies lose money to fraud" in found
    assert f"]({BASE}/p/procure-to-pay/vendor-master-data/" in found
    failed, page = call(
        live_server_url,
        token,
        "read_page",
        path="procure-to-pay/invoice-processing/three-way-match",
    )
    assert not failed and page.startswith("# Three-way match\nProcess: Procure-to-pay › Invoice")
    assert "Owner: Priya Raman" in page and "ZFI_3WM" in page  # the markdown itself
    assert "Verification: Not verified" in page
    failed, experts = call(live_server_url, token, "who_knows", process="payments")
    assert not failed and "- Priya Raman, Expert, Busy; ask me about: Payment runs" in experts


def test_writing_tools_need_a_read_write_token_and_act_as_its_person(live_server_url, demo):
    reader = factories.make_token(demo["newcomer"])
    failed, text = call(live_server_url, reader, "ask_expert", question="Who signs a write-off?")
    assert failed and "read-only" in text
    assert db.session.scalar(select(Question)) is None
    writer = factories.make_token(demo["newcomer"], write=True)
    failed, text = call(
        live_server_url, writer, "ask_expert", question="Who signs off a dispute write-off?"
    )
    db.session.expire_all()
    question = db.session.scalar(select(Question))
    assert not failed and f"{BASE}/questions/{question.id}" in text
    assert (question.asker_id, question.origin) == (demo["newcomer"].id, "assistant")
    failed, text = call(
        live_server_url, writer, "log_gap", title="No page on freight accruals",
        process="record-to-report",
    )  # fmt: skip
    gap = db.session.scalar(select(Gap))
    assert not failed and (gap.reporter_id, gap.process.path) == (
        demo["newcomer"].id,
        "record-to-report",
    )


def test_a_private_question_and_a_coaching_record_never_reach_an_assistant(live_server_url, demo):
    factories.make_question(
        demo["manager"], "procure-to-pay", [demo["member"]], title="Zanzibar bonus quirk",
        private=True,
    )  # fmt: skip
    token = factories.make_token(demo["newcomer"])
    failed, text = call(live_server_url, token, "search", query="zanzibar bonus quirk")
    assert not failed and "Zanzibar" not in text
    failed, text = call(live_server_url, token, "read_page", path="coaching")
    assert failed and "no page" in text.lower()


def bearer(number: int) -> dict[str, str]:
    return {"Authorization": f"Bearer made-up-{number}"}


def test_without_a_valid_token_mcp_answers_401_and_too_many_calls_429(app, live_server_url, demo):
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
    headers = {"Accept": "application/json, text/event-stream"}
    assert requests.post(f"{live_server_url}/mcp", json=body, headers=headers).status_code == 401
    wrong = {**headers, "Authorization": "Bearer not-a-token"}
    assert requests.post(f"{live_server_url}/mcp", json=body, headers=wrong).status_code == 401
    app.config["RATELIMIT_API"] = "2 per minute"
    token = {**headers, "Authorization": f"Bearer {factories.make_token(demo['newcomer'])}"}
    answers = [requests.post(f"{live_server_url}/mcp", json=body, headers=token) for _ in range(3)]
    assert answers[2].status_code == 429 and "Too many requests" in answers[2].json()["error"]
    # Made-up tokens, a new one each time, meet the limit of the address.
    app.config.update(RATELIMIT_API="100 per minute", RATELIMIT_API_ADDRESS="3 per minute")
    made_up = [
        requests.post(
            f"{live_server_url}/mcp",
            json=body,
            headers={**headers, "Authorization": f"Bearer x{n}"},
        ).status_code
        for n in range(4)
    ]
    assert made_up[-1] == 429
