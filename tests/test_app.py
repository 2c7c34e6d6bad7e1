"""App-wide behaviour: security headers, health, error pages, production guards."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from crm import create_app
from crm.config import Config, TestConfig
from crm.queue import beat_worker, redis_connection
from tests.factories import UserFactory


@pytest.mark.parametrize("path", ["/login", "/static/css/app.css", "/no-such-page", "/healthz"])
def test_every_response_carries_the_security_headers(client, path):
    resp = client.get(path)
    csp = resp.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert "style-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Referrer-Policy"] == "same-origin"


def test_pages_contain_no_inline_script_or_style(client, login_as):
    login_as(UserFactory(role="admin"))
    for path in ["/admin/", "/admin/users/", "/admin/audit/", "/jobs/", "/profile"]:
        html = client.get(path).get_data(as_text=True)
        assert "<script>" not in html and "style=" not in html and "<style" not in html, path
        assert "onclick=" not in html and "javascript:" not in html, path


def test_healthz_reports_database_redis_and_a_live_worker(app, client):
    # What every worker process does on each RQ heartbeat (crm.queue.make_worker).
    beat_worker(redis_connection(), "uji-worker", app.config["WORKER_LEASE_SECONDS"])
    resp = client.get("/healthz")
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["database"]["ok"] is True and body["redis"]["ok"] is True
    assert body["workers"]["ok"] is True and body["workers"]["alive"] == 1
    assert body["workers"]["last_beat_seconds_ago"] < 5


def test_healthz_is_503_when_no_worker_has_beaten_within_the_lease(client):
    resp = client.get("/healthz")  # Redis is flushed before each test: no worker ever beat
    assert resp.status_code == 503
    assert resp.get_json()["workers"] == {
        "ok": False,
        "alive": 0,
        "last_beat_seconds_ago": None,
        "lease_seconds": 45.0,
    }
    beat_worker(redis_connection(), "uji-worker", lease=0.2)
    time.sleep(0.4)  # the lease ran out: the worker died without a word
    body = client.get("/healthz").get_json()
    assert body["status"] == "degraded" and body["workers"]["alive"] == 0
    assert body["workers"]["last_beat_seconds_ago"] >= 0.4


@pytest.mark.live
def test_healthz_is_503_when_redis_is_down(database_url, tmp_path):
    broken = create_app(TestConfig(database_url, f"unix://{tmp_path}/nothing.sock", tmp_path))
    resp = broken.test_client().get("/healthz")
    assert resp.status_code == 503
    body = resp.get_json()
    assert body["status"] == "degraded" and body["redis"]["ok"] is False
    assert body["database"]["ok"] is True


def test_unknown_page_is_a_404_in_the_layout(client):
    resp = client.get("/tidak-ada")
    assert resp.status_code == 404
    assert "Halaman tidak ditemukan" in resp.get_data(as_text=True)


def test_an_unexpected_error_gives_the_500_page_in_the_layout(database_url, redis_url, tmp_path):
    other = create_app(TestConfig(database_url, redis_url, tmp_path))
    other.config["PROPAGATE_EXCEPTIONS"] = False

    def broken():
        raise RuntimeError("bug")

    other.add_url_rule("/rusak", "broken", broken)
    resp = other.test_client().get("/rusak")
    assert resp.status_code == 500
    html = resp.get_data(as_text=True)
    assert "Terjadi kesalahan pada server" in html and "Relasi" in html
    assert "RuntimeError" not in html  # no internals shown
    assert resp.headers["X-Content-Type-Options"] == "nosniff"


def test_production_refuses_the_default_secret_key(monkeypatch, tmp_path):
    monkeypatch.setenv("CRM_ENV", "production")
    monkeypatch.setenv("CRM_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(Config())


def test_production_sets_secure_cookies(monkeypatch, tmp_path):
    monkeypatch.setenv("CRM_ENV", "production")
    monkeypatch.setenv("CRM_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("SECRET_KEY", "a-real-secret-for-this-test")
    cfg = Config()
    assert cfg.SESSION_COOKIE_SECURE is True
    assert cfg.SESSION_COOKIE_HTTPONLY is True
    assert cfg.SESSION_COOKIE_SAMESITE == "Lax"


def test_seed_demo_is_refused_in_production(monkeypatch, tmp_path, database_url, redis_url):
    monkeypatch.setenv("CRM_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "a-real-secret-for-this-test")
    cfg = TestConfig(database_url, redis_url, Path(tmp_path))
    cfg.ENV_NAME = "production"
    prod = create_app(cfg)
    with prod.app_context():  # the command must run in this app, not the session's test app
        result = prod.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code != 0
    assert "refused" in result.output


@pytest.mark.parametrize(
    "url",
    [
        "/people/99999999999999999999999",
        "/accounts/9223372036854775808",
        "/jobs/1000000000000000000000000000000",
    ],
)
def test_ids_past_64_bits_are_404_not_500(client, login_as, url):
    login_as(UserFactory(role="supervisor"))
    assert client.get(url).status_code == 404


def test_a_nul_character_is_a_clear_400_not_a_database_error(client, login_as):
    login_as(UserFactory(role="supervisor"))
    resp = client.get("/accounts/?q=PT%00Baja")
    assert resp.status_code == 400
    assert "karakter yang tidak valid" in resp.get_data(as_text=True)
    resp = client.post("/accounts/new", data={"name": "PT\x00Baja"})
    assert resp.status_code == 400
