"""schemathesis against the live app with a token: every operation of /api/v1/openapi.json,
generated requests valid and invalid; no 5xx, and every response as the document says."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.factories import (
    attach,
    make_page,
    make_peer_group,
    make_process,
    make_question,
    make_token,
    record_group_meeting,
)
from wiki.coaching import services as coaching
from wiki.feedforward import services as feedforward
from wiki.gaps import services as gaps

# Per operation, in the fuzzing and stateful phases; the coverage phase, most of the run, tries
# each operation's boundaries and wrong values whatever this says. 5 rather than 10 takes about
# 2 of 19 seconds off a run and still sends every operation random valid and invalid requests.
MAX_EXAMPLES = 5
# Every check but positive_data_acceptance, which expects any request the schema allows to
# succeed: here rules beyond a schema (a unique name, a page's lifecycle) refuse some, 4xx.
EXCLUDED_CHECKS = "positive_data_acceptance"


@pytest.fixture
def app_config() -> dict:
    # Thousands of calls a minute: the limits (tests/test_ratelimit.py) would answer most 429.
    return {"WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False}


def test_every_operation_conforms_to_the_document(app, live_server_url, people, tmp_path):
    # Known objects, so that operations reach their rules instead of only answering 404. The
    # process has a page, so deleting it is always refused and the run keeps its objects.
    process = make_process("p2p")
    page = make_page(process, "Three-way match", "Match the order, receipt and invoice.")
    attach(page, "match.png", uploader=people["member"])
    question = make_question(people["newcomer"], process, [people["admin"]])
    gap = gaps.log_gap(people["newcomer"], gaps.GapDraft("Freight", process_path="p2p"))
    # Records of the token's person, so that the confidential reads answer more than 404.
    session = coaching.record_session(
        people["admin"],
        coaching.SessionDraft(
            partner_id=people["member"].id, my_role="coach", outcome_wanted="A plan",
            actions=[coaching.ActionDraft("Write it down", "partner", "2026-12-31")],
        ),
    )  # fmt: skip
    meeting = record_group_meeting(make_peer_group(people), people["admin"])
    request = feedforward.ask(people["admin"], "listening", [people["member"].id])
    config = tmp_path / "schemathesis.toml"
    config.write_text(
        "[parameters]\n"
        f'"path.process_id" = {process.id}\n'
        f'"path.page_id" = {page.id}\n'
        '"path.number" = 1\n'
        f'"path.question_id" = {question.id}\n'
        f'"path.gap_id" = {gap.id}\n'
        f'"path.person_id" = {people["admin"].id}\n'
        f'"path.session_id" = {session.id}\n'
        f'"path.meeting_id" = {meeting.id}\n'
        f'"path.request_id" = {request.id}\n'
    )
    token = make_token(people["admin"], write=True)
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "--config-file", str(config),
        "run", f"{live_server_url}/api/v1/openapi.json",
        "--header", f"Authorization: Bearer {token}",
        "--checks", "all", "--exclude-checks", EXCLUDED_CHECKS,
        "--max-examples", str(MAX_EXAMPLES),
        "--seed", "15", "--workers", "1",
        "--generation-database", "none", "--no-color",
    ]  # fmt: skip
    run = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    output = run.stdout + run.stderr
    operations = re.search(r"Tested: (\d+)", output)
    cases = re.search(r"(\d+) generated", output)
    assert run.returncode == 0, output[-6000:]
    assert operations and int(operations.group(1)) >= 42, output[-3000:]
    print(f"schemathesis: {operations.group(1)} operations, {cases.group(1)} generated cases")
