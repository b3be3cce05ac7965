"""The web simulator and `flask chat` go through the same path as a real message."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.config import ConfigError
from bot.store import db
from bot.store.models import Message
from tests.conftest import make_app


def test_simulator_shows_the_bots_replies_with_their_sms_cost(client):
    page = client.get("/simulator/")
    assert page.status_code == 200
    assert b"Send any message to start" in page.data
    client.post("/simulator/send", data={"phone": "0300 7654321", "channel": "sms", "body": "hi"})
    page = client.get("/simulator/").get_data(as_text=True)
    assert "Hello. Reply with a number:" in page
    assert "2 SMS · GSM-7" in page
    assert "main.menu" in page


def test_simulator_messages_are_stored_like_real_ones(client, app):
    client.post("/simulator/send", data={"phone": "+923007654321", "channel": "sms", "body": "hi"})
    client.post("/simulator/send", data={"body": "1"})  # the number is remembered for the browser session
    with app.app_context(), db.session() as session:
        assert session.scalar(select(func.count()).select_from(Message)) == 4


def test_simulator_counts_urdu_replies_as_ucs2(client):
    client.post("/simulator/send", data={"phone": "+923007654321", "channel": "sms", "body": "مدد"})
    page = client.get("/simulator/").get_data(as_text=True)
    assert 'dir="auto"' in page  # Arabic-script messages display right-to-left


def test_simulator_rejects_a_bad_number_with_a_message(client):
    response = client.post("/simulator/send", data={"phone": "abc", "body": "hi"}, follow_redirects=True)
    assert "That is not a phone number." in response.get_data(as_text=True)


def test_simulator_forget_erases_the_simulated_conversation(client, app):
    client.post("/simulator/send", data={"phone": "+923007654321", "channel": "whatsapp", "body": "hi"})
    client.post("/simulator/forget")
    with app.app_context(), db.session() as session:
        assert session.scalar(select(func.count()).select_from(Message)) == 0


def test_simulator_is_off_unless_enabled(database_url):
    app = make_app(database_url, SIMULATOR_ENABLED=False)
    assert app.test_client().get("/simulator/").status_code == 404
    app.extensions["db_engine"].dispose()


def test_chat_command_talks_through_the_same_engine(runner, app):
    result = runner.invoke(args=["chat", "--phone", "0300 1112223"], input="hi\n2\n")
    assert result.exit_code == 0, result.output
    assert "Chatting as +923001112223 over sms" in result.output
    assert "bot [2 SMS]>\nHello. Reply with a number:" in result.output
    assert "What counts as harassment" in result.output
    with app.app_context(), db.session() as session:
        assert session.scalar(select(func.count()).select_from(Message)) == 4


def test_chat_command_rejects_a_bad_number(runner):
    result = runner.invoke(args=["chat", "--phone", "nope"], input="")
    assert result.exit_code != 0
    assert "--phone" in result.output


def test_db_upgrade_command(runner):
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0
    assert "database at revision head" in result.output


def test_production_refuses_to_start_without_real_secrets(tmp_path):
    from bot import create_app
    base = {"APP_ENV": "production", "DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}", "DATA_KEYS": "x"}
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app(dict(base, SECRET_KEY="dev"))
    with pytest.raises(ConfigError, match="DATA_KEYS is missing"):
        create_app(dict(base, SECRET_KEY="s" * 40, DATA_KEYS=""))
    with pytest.raises(ConfigError, match="Fernet"):
        create_app(dict(base, SECRET_KEY="s" * 40, DATA_KEYS="not-a-key"))
