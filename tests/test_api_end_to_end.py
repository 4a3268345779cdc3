"""A script's day with the API, over HTTP against the live app: tokens from the command line,
a process and three pages, a search, a question asked and answered, a gap, the report."""

from __future__ import annotations

import json
import urllib.error
import urllib.request


class Script:
    """What a small integration script holds: the wiki's address and one person's token."""

    def __init__(self, base: str, token: str):
        self.base, self.token = f"{base}/api/v1", token

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Authorization", f"Bearer {self.token}")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                text = answer.read()
                return answer.status, json.loads(text) if text else {}
        except urllib.error.HTTPError as refused:
            return refused.code, json.loads(refused.read())


def _token(app, email: str, write: bool = True) -> str:
    arguments = ["tokens", "create", email, "--name", "integration"]
    made = app.test_cli_runner().invoke(args=arguments + (["--write"] if write else []))
    assert made.exit_code == 0, made.output
    return made.output.strip()


def test_a_script_documents_a_process_asks_answers_logs_a_gap_and_reads_the_report(
    app, live_server_url, people
):
    manager = Script(live_server_url, _token(app, "marty@example.com"))
    newcomer = Script(live_server_url, _token(app, "jill@example.com"))
    trainer = Script(live_server_url, _token(app, "carrie@example.com"))

    status, process = manager.call("POST", "/processes", {"name": "Goods receipt"})
    assert status == 201
    for title, body in [
        ("Posting a goods receipt", "Use MIGO with movement type 101 against the order."),
        ("Returns to vendor", "Movement type 122 reverses a goods receipt for the vendor."),
        ("GR/IR clearing", "The goods receipt / invoice receipt account clears monthly."),
    ]:
        status, page = manager.call(
            "POST", f"/processes/{process['id']}/pages", {"title": title, "body": body}
        )
        assert status == 201 and page["revision"] == 1
    status, found = newcomer.call("GET", "/search?q=goods+receipt&type=page")
    assert status == 200 and found["total"] == 3
    assert {hit["title"] for hit in found["hits"]} == {
        "Posting a goods receipt", "Returns to vendor", "GR/IR clearing"
    }  # fmt: skip

    status, _ = manager.call(
        "PUT",
        f"/people/{people['trainer'].id}/expertise",
        {"process_id": process["id"], "level": "expert", "ask_me_about": "GR/IR"},
    )
    assert status == 200
    status, suggested = newcomer.call("GET", f"/processes/{process['id']}/suggested-experts")
    expert_ids = [entry["person"]["id"] for entry in suggested["items"]]
    assert expert_ids == [people["trainer"].id]
    status, question = newcomer.call(
        "POST",
        "/questions",
        {"process_id": process["id"], "title": "When does GR/IR clear?", "expert_ids": expert_ids},
    )
    assert status == 201
    status, waiting = trainer.call("GET", "/questions?scope=to-me&state=open")
    assert [item["id"] for item in waiting["items"]] == [question["id"]]
    status, thread = trainer.call(
        "POST", f"/questions/{question['id']}/posts", {"body": "At month-end, by F.13."}
    )
    assert status == 201 and thread["posts"][0]["is_answer"]
    status, thread = newcomer.call("POST", f"/questions/{question['id']}/answered", {})
    assert status == 200 and thread["answered_at"]

    status, gap = newcomer.call(
        "POST",
        "/gaps",
        {"title": "Which tolerance for quantity differences?", "process_id": process["id"]},
    )
    assert status == 201 and gap["status"] == "open"
    status, report = trainer.call("GET", f"/gaps/report?process={process['path']}")
    assert status == 200 and report["total"] == 1 and report["people"] == 1
    assert report["processes"][0]["path"] == "goods-receipt"
    status, refused = newcomer.call("GET", "/gaps/report")
    assert status == 403 and refused["error"] == "forbidden"
