"""Asking the wiki from Slack and Teams, on the demo organisation: requests signed here exactly
as Slack (v0, HMAC-SHA256 of "v0:timestamp:body") and Teams (HMAC-SHA256 of the body with the
base64 security token) sign them; wrong signatures, stale timestamps and replays refused;
answers, experts and routed questions; a chat account linked only by the person opening the
wiki's link while signed in; private questions never shown."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode, urlsplit

import pytest
from sqlalchemy import select

from tests import factories
from tests.conftest import REPO
from wiki.audit.models import AuditEntry
from wiki.content import loader
from wiki.content.files import read_content
from wiki.extensions import db
from wiki.integrations.models import ChatLink
from wiki.questions.models import Question

SLACK_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TEAMS_SECRET = base64.b64encode(b"teams shared secret of 32 bytes!").decode()
BASE = "https://wiki.example.com"


@pytest.fixture
def app_config() -> dict:
    return {
        "WTF_CSRF_ENABLED": False,
        "SLACK_SIGNING_SECRET": SLACK_SECRET,
        "TEAMS_SECRET": TEAMS_SECRET,
        "BASE_URL": BASE,
    }


@pytest.fixture
def demo(app, people):
    loader.load_content(read_content(REPO / "content"), None)
    return people


def slack(
    client, text: str, user="U111", at: float | None = None, secret=SLACK_SECRET, trigger_id=""
):
    """A slash command as Slack sends it: each has a trigger id of its own."""
    body = urlencode(
        {"team_id": "T0001", "user_id": user, "user_name": "jill", "command": "/onramp",
         "text": text, "response_url": "https://hooks.slack.com/commands/1/2/3",
         "trigger_id": trigger_id or uuid.uuid4().hex}
    ).encode()  # fmt: skip
    stamp = str(int(at if at is not None else time.time()))
    signature = hmac.new(secret.encode(), b"v0:" + stamp.encode() + b":" + body, hashlib.sha256)
    headers = {
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": "v0=" + signature.hexdigest(),
    }
    return client.post(
        "/integrations/slack/command",
        data=body,
        headers=headers,
        content_type="application/x-www-form-urlencoded",
    )


def teams_body(text: str, sender: str = "29:1abc", at: datetime | None = None) -> bytes:
    stamp = (at or datetime.now(UTC)).isoformat().replace("+00:00", "Z")
    activity = {
        "type": "message", "id": "1485983408511", "timestamp": stamp,
        "text": f"<at>Onramp</at>&nbsp;{text}",
        "from": {"id": sender, "name": "Jill Newcomer", "aadObjectId": "aad-" + sender},
        "channelData": {"tenant": {"id": "tenant-1"}},
    }  # fmt: skip
    return json.dumps(activity).encode()


def teams(client, body: bytes, secret: str = TEAMS_SECRET):
    digest = hmac.new(base64.b64decode(secret), body, hashlib.sha256).digest()
    return client.post(
        "/integrations/teams/message",
        data=body,
        headers={"Authorization": "HMAC " + base64.b64encode(digest).decode()},
        content_type="application/json",
    )


def blocks_text(answer: dict) -> str:
    return "\n".join(block["text"]["text"] for block in answer["blocks"])


def test_a_slack_question_gets_the_passage_and_the_best_pages(client, demo):
    answer = slack(client, "supplier wants to change bank account")
    assert answer.status_code == 200 and answer.json["response_type"] == "ephemeral"
    text = blocks_text(answer.json)
    assert ">" in text and "the single most common way companies lose money to fraud" in text
    assert f"<{BASE}/p/procure-to-pay/vendor-master-data/" in text  # the pages, linked
    assert "Procure-to-pay › Vendor master data" in text  # with their process trail
    assert "Not verified · owner Priya Raman" in text  # with its verification badge


def test_who_knows_names_the_experts_with_level_and_availability(client, demo):
    text = blocks_text(slack(client, "who knows payments").json)
    assert "Who knows Payments:" in text
    assert "*Priya Raman*, Expert · Busy – ask me about: Payment runs" in text


def test_a_forged_stale_or_replayed_slack_request_is_refused_and_audited(client, demo):
    forged = slack(client, "who knows payments", secret="not-the-secret")
    assert forged.status_code == 401 and "X-Slack-Signature" in forged.json["error"]
    stale = slack(client, "who knows payments", at=time.time() - 6 * 60)
    assert stale.status_code == 401 and "five minutes" in stale.json["error"]
    stamp = time.time()
    assert slack(client, "who knows payments", at=stamp, trigger_id="t1").status_code == 200
    replay = slack(client, "who knows payments", at=stamp, trigger_id="t1")
    assert replay.status_code == 401 and "answered already" in replay.json["error"]
    kinds = db.session.scalars(select(AuditEntry.kind).where(AuditEntry.kind == "chat_refused"))
    assert len(kinds.all()) == 3


def test_asking_needs_a_linked_account_and_then_files_a_routed_question_as_the_person(
    client, auth, demo
):
    unlinked = blocks_text(slack(client, "ask who approves a new vendor's bank details?").json)
    assert "link your wiki account first" in unlinked
    link = next(part for part in unlinked.split("<")[1:] if part.startswith(BASE + "/integrations"))
    link_path = urlsplit(link.split("|")[0]).path
    assert db.session.scalar(select(Question)) is None
    # The link does nothing until someone signed in to the wiki confirms it.
    assert client.get(link_path).status_code == 302  # to the login page
    auth.login("jill@example.com")
    assert "Link the Slack account “jill”" in client.get(link_path).text
    client.post(link_path)
    (made,) = db.session.scalars(select(ChatLink)).all()
    assert (made.user_id, made.chat_user) == (demo["newcomer"].id, "U111")
    answer = blocks_text(slack(client, "ask who approves a new vendor's bank details?").json)
    question = db.session.scalar(select(Question))
    assert question.asker_id == demo["newcomer"].id and question.origin == "chat"
    assert question.process.path == "procure-to-pay/vendor-master-data"
    assert "Asked in Vendor master data; Priya Raman, Ada Lindqvist will be told" in answer
    assert f"{BASE}/questions/{question.id}" in answer


def test_a_link_made_for_one_chat_account_cannot_be_forged_or_reused_for_another(
    client, auth, demo
):
    auth.login("jill@example.com")
    assert client.get("/integrations/link/forged.token").status_code == 400
    text = blocks_text(slack(client, "link", user="U222").json)
    link_path = urlsplit(text.split(f"<{BASE}")[1].split("|")[0]).path
    client.post(link_path)
    auth.logout()
    auth.login("priya@example.com")
    refused = client.post(link_path)
    assert refused.status_code == 400 and "linked to another wiki account" in refused.text


def test_a_private_question_never_appears_in_slack_or_teams(client, demo):
    factories.make_question(
        demo["newcomer"],
        "procure-to-pay",
        [demo["member"]],
        title="Zanzibar reimbursement quirk",
        private=True,
    )
    text = blocks_text(slack(client, "zanzibar reimbursement quirk").json)
    assert "Zanzibar" not in text and "Nothing in the wiki answers" in text
    text = teams(client, teams_body("zanzibar reimbursement quirk")).json["text"]
    assert "Zanzibar" not in text and "Nothing in the wiki answers" in text


def test_teams_answers_the_same_commands_as_markdown(client, demo):
    answer = teams(client, teams_body("who knows payments"))
    assert answer.status_code == 200 and answer.json["type"] == "message"
    assert "- **Priya Raman**, Expert · Busy" in answer.json["text"]
    question = teams(client, teams_body("what is the three way match tolerance")).json["text"]
    assert f"]({BASE}/p/procure-to-pay/invoice-processing/three-way-match)" in question


def test_a_forged_stale_or_replayed_teams_request_is_refused(client, demo):
    body = teams_body("who knows payments")
    other_secret = base64.b64encode(b"another secret entirely, 32 byte").decode()
    assert teams(client, body, secret=other_secret).status_code == 401
    old = teams(client, teams_body("help", at=datetime.now(UTC) - timedelta(minutes=6)))
    assert old.status_code == 401
    assert teams(client, body).status_code == 200
    assert teams(client, body).status_code == 401  # the same request again


def test_chat_commands_need_no_csrf_token_but_linking_does(app, client, auth, demo):
    auth.login("jill@example.com")
    app.config["WTF_CSRF_ENABLED"] = True
    text = blocks_text(slack(client, "link").json)  # signed by Slack: no token needed
    link_path = urlsplit(text.split(f"<{BASE}")[1].split("|")[0]).path
    assert client.post(link_path).status_code == 400  # a forged page cannot link an account
    assert db.session.scalar(select(ChatLink)) is None


def test_commands_not_set_up_answer_404_and_nonsense_gets_help(app, client, demo):
    assert "who knows" in blocks_text(slack(client, "").json)
    app.config["SLACK_SIGNING_SECRET"] = None
    off = slack(client, "help")
    assert off.status_code == 404 and "WIKI_SLACK_SIGNING_SECRET" in off.json["error"]


def test_markup_in_wiki_text_is_shown_as_typed_in_slack(client, demo):
    factories.make_page("procure-to-pay", "Escalate <!channel> invoices", "Zorblax escalation.")
    text = blocks_text(slack(client, "zorblax escalation").json)
    assert "Escalate &lt;!channel&gt; invoices" in text and "<!channel>" not in text
