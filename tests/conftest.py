"""Shared fixtures: an app on SQLite and on PostgreSQL, signed Twilio requests, Redis.

PostgreSQL tests use TEST_DATABASE_URL, Redis tests REDIS_URL (or a local redis-server,
started for the run when one is installed). Without them those tests are skipped with the
reason, except under CI=true, where a missing service fails the run.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet
from twilio.request_validator import RequestValidator

from bot import create_app
from bot.store import migrate

ROOT = Path(__file__).resolve().parent.parent
AUTH_TOKEN = "test-auth-token-0123456789abcdef"
PUBLIC_BASE_URL = "https://helpline.example.org"
IN_CI = os.environ.get("CI", "").lower() == "true"


def unavailable(reason: str):
    """Skip locally; fail under CI, where every service must be there."""
    if IN_CI:
        pytest.fail(f"CI=true but {reason}")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- PostgreSQL -------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def postgres_url():
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        unavailable("TEST_DATABASE_URL is not set (e.g. postgresql://postgres@127.0.0.1:5432/test)")
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError as error:
        unavailable(f"PostgreSQL at TEST_DATABASE_URL is unreachable: {error.orig}")
    finally:
        engine.dispose()
    return url


@pytest.fixture
def postgres_schema_url(postgres_url):
    """A fresh schema for one test, dropped afterwards."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(postgres_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.begin() as connection:
        connection.execute(sa.text(f"CREATE SCHEMA {schema}"))
    separator = "&" if "?" in postgres_url else "?"
    yield f"{postgres_url}{separator}options=-csearch_path%3D{schema}"
    with admin.begin() as connection:
        connection.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'helpline.db'}"
    return request.getfixturevalue("postgres_schema_url")


# --- Redis ------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def redis_server_url():
    url = os.environ.get("REDIS_URL")
    if url:
        yield url
        return
    binary = shutil.which("redis-server")
    if not binary:
        unavailable("REDIS_URL is not set and no redis-server is installed")
    port = free_port()
    process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no"], stdout=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    from redis import Redis
    for _ in range(100):
        try:
            if Redis.from_url(url).ping():
                break
        except Exception:
            time.sleep(0.05)
    yield url
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def redis_url(redis_server_url):
    """A Redis database emptied for this test (database 15 of the server, as rq's own tests do)."""
    from redis import Redis
    from redis.exceptions import RedisError
    url = redis_server_url.rsplit("/", 1)[0] + "/15"
    try:
        Redis.from_url(url).flushdb()
    except RedisError as error:
        unavailable(f"Redis at {url} is unreachable: {error}")
    yield url
    Redis.from_url(url).flushdb()


# --- The app ----------------------------------------------------------------------------------

def app_config(database_url: str, **overrides) -> dict:
    config = {
        "APP_ENV": "test",
        "SECRET_KEY": "test-secret-key-" + "x" * 32,
        "DATA_KEYS": Fernet.generate_key().decode(),
        "DATABASE_URL": database_url,
        "REDIS_URL": "",
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
        "FLOWS_DIR": str(ROOT / "flows"),
        "LOCALES_DIR": str(ROOT / "locales"),
        "SIMULATOR_ENABLED": True,
        "TESTING": True,
    }
    config.update(overrides)
    return config


def make_app(database_url: str, **overrides):
    app = create_app(app_config(database_url, **overrides))
    with app.app_context():
        migrate.upgrade()
    return app


@pytest.fixture
def app(database_url):
    app = make_app(database_url)
    yield app
    app.extensions["db_engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# --- Twilio -----------------------------------------------------------------------------------

def sign(path: str, params: dict, token: str = AUTH_TOKEN, base: str = PUBLIC_BASE_URL) -> str:
    return RequestValidator(token).compute_signature(base + path, params)


def inbound_params(body: str, sender: str = "+923001234567", sid: str | None = None) -> dict:
    return {"MessageSid": sid or f"SM{uuid.uuid4().hex}", "AccountSid": "AC" + "0" * 32,
            "From": sender, "To": "+923009999999", "Body": body, "NumMedia": "0"}


@pytest.fixture
def send(client):
    """POST a correctly signed inbound message; returns the response."""

    def send(body: str, sender: str = "+923001234567", sid: str | None = None):
        params = inbound_params(body, sender, sid)
        return client.post("/twilio/messages", data=params,
                           headers={"X-Twilio-Signature": sign("/twilio/messages", params)})

    return send


# --- Fake Twilio Messages API (tests/fake_twilio.py) ------------------------------------------

FAKE_ACCOUNT_SID = "AC" + "f" * 32


@pytest.fixture
def fake_twilio():
    """Twilio's Messages API on loopback; `fake_twilio.settings` points an app's Twilio client at it."""
    from tests.fake_twilio import FakeTwilio

    fake = FakeTwilio(FAKE_ACCOUNT_SID, AUTH_TOKEN).start()
    yield fake
    fake.stop()
