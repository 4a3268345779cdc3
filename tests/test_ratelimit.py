"""Rate limits: failed logins per account and per address, the API per token and per address,
429 with Retry-After and how long to wait, counts shared by workers in the database or Redis."""

from __future__ import annotations

import re
import time

import pytest
import redis
from sqlalchemy import select

from tests.factories import PASSWORD, bearer, make_token
from wiki import create_app
from wiki.extensions import db
from wiki.ratelimit import RateCount
from wiki.search.indexing import indexer

REDIS_URL = "redis://127.0.0.1:6379/0"
REDIS_PREFIX = "onramp-test-api:"


@pytest.fixture
def app_config() -> dict:
    return {
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_LOGIN": "3 per 15 minutes",
        "RATELIMIT_LOGIN_ADDRESS": "5 per 15 minutes",
        "RATELIMIT_API": "4 per minute",
        "RATELIMIT_API_ADDRESS": "6 per minute",
    }


def _login(client, email: str, password: str):
    return client.post("/login", data={"email": email, "password": password})


def test_failed_logins_make_further_tries_wait_and_say_how_long(app, client, people):
    for _ in range(3):
        assert _login(client, "priya@example.com", "wrong password").status_code == 401
    refused = _login(client, "priya@example.com", PASSWORD)  # even the right password waits
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 15 * 60
    wait = re.search(r"Please wait (\d+) (minutes|seconds) before trying again\.", refused.text)
    assert wait, refused.text
    assert wait.group(2) == "minutes" and 14 <= int(wait.group(1)) <= 15, wait.group(0)
    # Another account from the same address is not locked by Priya's failures...
    assert _login(client, "ada@example.com", PASSWORD).status_code == 302
    client.post("/logout")
    # ...until the address itself has failed too often, over any accounts.
    assert _login(client, "marty@example.com", "wrong").status_code == 401
    assert _login(client, "carrie@example.com", "wrong").status_code == 401
    assert _login(client, "jill@example.com", PASSWORD).status_code == 429


def test_successful_logins_are_not_counted(app, client, people):
    for _ in range(6):
        assert _login(client, "priya@example.com", PASSWORD).status_code == 302
        client.post("/logout")


def test_the_api_is_limited_per_token_and_per_address(app, client, people):
    first, second = make_token(people["member"]), make_token(people["admin"])
    for number in range(4):
        answer = client.get("/api/v1/processes", headers=bearer(first))
        assert answer.status_code == 200 and "Retry-After" not in answer.headers
        assert answer.headers["X-RateLimit-Remaining"] == str(3 - number)
    limited = client.get("/api/v1/processes", headers=bearer(first))
    assert limited.status_code == 429 and limited.json["error"] == "rate_limited"
    assert "Please wait" in limited.json["message"] and int(limited.headers["Retry-After"]) > 0
    # The other token has its own count, until the address has made 6 calls in all (the
    # refused one did not count).
    for _ in range(2):
        assert client.get("/api/v1/processes", headers=bearer(second)).status_code == 200
    over = client.get("/api/v1/processes", headers=bearer(second))
    assert over.status_code == 429 and over.is_json
    from_elsewhere = client.get(
        "/api/v1/processes", headers=bearer(second), environ_base={"REMOTE_ADDR": "10.0.0.9"}
    )
    assert from_elsewhere.status_code == 200


@pytest.mark.parametrize("spelling", ["bearer {}", "BEARER   {}", "  Bearer {}  "])
def test_a_token_written_another_way_counts_as_the_same_token(app, client, people, spelling):
    secret = make_token(people["member"])
    for _ in range(4):
        assert client.get("/api/v1/processes", headers=bearer(secret)).status_code == 200
    other_way = {"Authorization": spelling.format(secret)}
    assert client.get("/api/v1/processes", headers=other_way).status_code == 429


@pytest.fixture
def second_worker(app):
    """worker(**config): another app on the same database, as a second worker or host."""
    made = []

    def worker(**config):
        instance = f"{app.instance_path}-{len(made)}"
        other = create_app({**app.config, **config}, instance_path=instance)
        made.append(other)
        return other.test_client()

    yield worker
    for other in made:
        with other.app_context():
            indexer(other).close()  # its first index build runs in the background
            db.engine.dispose()


def test_workers_share_the_counts_in_the_database(app, client, people, second_worker):
    token = make_token(people["member"])
    for _ in range(2):
        assert client.get("/api/v1/processes", headers=bearer(token)).status_code == 200
    worker = second_worker()
    for _ in range(2):
        assert worker.get("/api/v1/processes", headers=bearer(token)).status_code == 200
    assert worker.get("/api/v1/processes", headers=bearer(token)).status_code == 429
    assert client.get("/api/v1/processes", headers=bearer(token)).status_code == 429


def test_workers_share_the_counts_in_redis_when_configured(app, people, second_worker):
    server = redis.Redis.from_url(REDIS_URL)
    settings = {"RATELIMIT_STORAGE_URL": REDIS_URL, "RATELIMIT_KEY_PREFIX": REDIS_PREFIX}
    token = make_token(people["member"])
    try:
        first, second = second_worker(**settings), second_worker(**settings)
        for worker in (first, second, first, second):
            assert worker.get("/api/v1/processes", headers=bearer(token)).status_code == 200
        assert first.get("/api/v1/processes", headers=bearer(token)).status_code == 429
        keys = server.keys(f"*{REDIS_PREFIX}*")
        assert keys, "the counts are in Redis"
        assert db.session.execute(db.text("SELECT count(*) FROM rate_counts")).scalar() == 0
    finally:
        for key in server.scan_iter(f"*{REDIS_PREFIX}*"):
            server.delete(key)
        server.close()


def test_wiki_tick_removes_the_windows_that_have_ended(app, client, people):
    token = make_token(people["member"])
    for _ in range(4):
        assert client.get("/api/v1/processes", headers=bearer(token)).status_code == 200
    db.session.add_all(
        RateCount(key=f"gone-{n}", count=3, expires_at=time.time() - 60) for n in range(3)
    )
    db.session.commit()
    # Even with --now far ahead, the windows still counting are left alone.
    output = app.test_cli_runner().invoke(args=["tick", "--now", "2099-01-01T00:00"]).output
    assert "rate limits: 3 expired rate-limit window(s) removed" in output
    remaining = db.session.scalars(select(RateCount.key)).all()
    assert remaining and not any(key.startswith("gone-") for key in remaining)
    assert client.get("/api/v1/processes", headers=bearer(token)).status_code == 429
