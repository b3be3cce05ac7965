"""Several gunicorn workers, one woman, many messages at once: nothing lost, one at a time."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from xml.etree import ElementTree

import pytest
import requests
from sqlalchemy import func, select

from bot.store import db
from bot.store.models import Message
from tests.conftest import ROOT, app_config, free_port, inbound_params, make_app, sign

GUNICORN = Path(sys.executable).parent / "gunicorn"


@pytest.fixture
def served(database_url, tmp_path):
    """The real app under gunicorn with three workers, on a loopback port."""
    app = make_app(database_url)  # migrates the database the workers will share
    config = app_config(database_url, DATA_KEYS=app.config["DATA_KEYS"], SECRET_KEY=app.config["SECRET_KEY"])
    env = dict(os.environ, **{k: str(v) for k, v in config.items() if isinstance(v, str)}, LOG_LEVEL="WARNING")
    port = free_port()
    log = open(tmp_path / "gunicorn.log", "w")
    process = subprocess.Popen([str(GUNICORN), "--workers", "3", "--bind", f"127.0.0.1:{port}", "app:app"],
                               cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if requests.get(base + "/healthz", timeout=5).ok:
                break
        except requests.RequestException:  # not listening yet, or still booting
            time.sleep(0.1)
    else:
        process.terminate()
        pytest.fail("gunicorn did not start: " + (tmp_path / "gunicorn.log").read_text())
    yield app, base
    process.terminate()
    process.wait(timeout=20)
    log.close()
    app.extensions["db_engine"].dispose()


def post(base: str, body: str, sender: str = "+923001234567"):
    params = inbound_params(body, sender)
    return requests.post(base + "/twilio/messages", data=params, timeout=30,
                         headers={"X-Twilio-Signature": sign("/twilio/messages", params)})


def test_simultaneous_messages_across_gunicorn_workers_are_serialised(served):
    app, base = served
    assert post(base, "hi").status_code == 200
    barrier, results = threading.Barrier(6), []

    def send_one():
        barrier.wait()
        response = post(base, "1")
        results.append((response.status_code, response.text))

    threads = [threading.Thread(target=send_one) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert [status for status, _ in results] == [200] * 6
    # Serialised, six "1"s from the menu walk six different steps, so all six replies differ;
    # a message handled on a stale state would repeat a reply.
    seen = [ElementTree.fromstring(text).find("Message").text for _, text in results]
    assert len(set(seen)) == 6, seen
    with app.app_context(), db.session() as session:
        assert session.scalar(select(func.count()).select_from(Message).where(Message.direction == "in")) == 7


def test_messages_from_many_women_at_once_are_all_answered(served):
    app, base = served
    results = []

    def converse(n: int):
        sender = f"+92300{n:07d}"
        results.append([post(base, text, sender).status_code for text in ("hi", "1", "2")])

    threads = [threading.Thread(target=converse, args=(n,)) for n in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert results == [[200, 200, 200]] * 10
    with app.app_context(), db.session() as session:
        assert session.scalar(select(func.count()).select_from(Message).where(Message.direction == "in")) == 30
