"""Configuration: load order, the generated secret key, SQLite settings, README coverage."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import text

from tests.conftest import REPO
from wiki import create_app
from wiki.config import DEFAULTS
from wiki.extensions import db


def test_load_order_defaults_instance_env_mapping(tmp_path, monkeypatch):
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.py").write_text(
        "PAGE_SIZE = 10\nREVIEW_INTERVAL_DAYS = 30\nINVITATION_DAYS = 3\n"
    )
    monkeypatch.setenv("WIKI_REVIEW_INTERVAL_DAYS", "60")
    monkeypatch.setenv("WIKI_INVITATION_DAYS", "5")
    app = create_app(
        {"INVITATION_DAYS": 7, "DATABASE_URL": "sqlite://"}, instance_path=str(instance)
    )
    assert app.config["SQLITE_BUSY_TIMEOUT_MS"] == DEFAULTS["SQLITE_BUSY_TIMEOUT_MS"]  # default
    assert app.config["PAGE_SIZE"] == 10  # instance config beats defaults
    assert app.config["REVIEW_INTERVAL_DAYS"] == 60  # env beats instance config
    assert app.config["INVITATION_DAYS"] == 7  # the mapping beats env


def test_secret_key_is_generated_once_and_kept(tmp_path, monkeypatch):
    monkeypatch.delenv("WIKI_SECRET_KEY", raising=False)
    first = create_app({"DATABASE_URL": "sqlite://"}, instance_path=str(tmp_path))
    second = create_app({"DATABASE_URL": "sqlite://"}, instance_path=str(tmp_path))
    key = first.config["SECRET_KEY"]
    assert len(key) >= 64 and key == second.config["SECRET_KEY"]
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    other = create_app({"DATABASE_URL": "sqlite://"}, instance_path=str(tmp_path / "other"))
    assert other.config["SECRET_KEY"] != key


@pytest.mark.parametrize("issuer", ["http://login.example.com", "login.example.com"])
def test_an_openid_issuer_must_be_https(tmp_path, issuer):
    with pytest.raises(ValueError, match="must be an https:// URL"):
        create_app(
            {"DATABASE_URL": "sqlite://", "OIDC_ISSUER": issuer}, instance_path=str(tmp_path)
        )
    https = {"DATABASE_URL": "sqlite://", "OIDC_ISSUER": "https://login.example.com/tenant/v2.0"}
    assert create_app(https, instance_path=str(tmp_path)).config["OIDC_ISSUER"]


def test_every_config_key_and_environment_variable_is_documented():
    readme = (REPO / "README.md").read_text()
    missing = [f"WIKI_{key}" for key in DEFAULTS if f"WIKI_{key}" not in readme]
    used = set(re.findall(r"WIKI_[A-Z_]+", _source_text()))
    missing += sorted(name for name in used if name not in readme)
    assert not missing, f"undocumented in README.md: {missing}"


def _source_text() -> str:
    files = [*(REPO / "wiki").rglob("*.py"), REPO / "Makefile", *(REPO / "tests").glob("*.py")]
    return "\n".join(path.read_text() for path in files)


def test_sqlite_runs_with_wal_busy_timeout_and_foreign_keys(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite connection settings; this run is on PostgreSQL")
    with db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 5000
