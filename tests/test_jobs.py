"""Jobs by dotted name: in-process without Redis, through rq and a real worker with it."""
from __future__ import annotations

from datetime import timedelta

import pytest
from rq import Queue
from sqlalchemy import func, select

from bot import jobs
from bot.conversation import Inbound, handle_inbound, utcnow
from bot.store import db
from bot.store.models import Contact, Message
from tests.conftest import make_app

OLD = utcnow() - timedelta(days=200)


def converse(number: str, texts: list[str], at):
    for index, text in enumerate(texts):
        handle_inbound(Inbound(number, "sms", text, f"SM{number[-7:]}{index:026d}", at))


def message_count() -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(Message))


def test_without_redis_jobs_run_in_process(app):
    with app.app_context():
        converse("+923001111111", ["hi", "1"], OLD)
        converse("+923002222222", ["hi"], utcnow())
        result = jobs.enqueue("bot.tasks.purge_old_conversations")
        assert result == {"messages": 4, "sessions": 1, "contacts": 1}
        assert message_count() == 2


def test_purge_keeps_an_opted_out_contact_so_stop_is_honoured(app):
    with app.app_context():
        converse("+923003333333", ["hi", "STOP"], OLD)
        jobs.run_now("bot.tasks.purge_old_conversations")
        with db.session() as session:
            assert session.scalars(select(Contact.opted_out)).all() == [True]


@pytest.mark.redis
def test_with_redis_jobs_go_to_rq_and_a_worker_runs_them(database_url, redis_url):
    app = make_app(database_url, REDIS_URL=redis_url)
    with app.app_context():
        converse("+923004444444", ["hi"], OLD)
        job = jobs.enqueue("bot.tasks.purge_old_conversations", queue="low")
        assert message_count() == 2  # queued, not run yet
        assert Queue("low", connection=jobs.redis()).count == 1
        worker = jobs.HelplineWorker(list(jobs.QUEUES), connection=jobs.redis())
        assert worker.work(burst=True)
        job.refresh()
        assert job.is_finished, job.latest_result()
        assert job.return_value() == {"messages": 2, "sessions": 1, "contacts": 1}
        assert message_count() == 0
    app.extensions["db_engine"].dispose()


@pytest.mark.redis
def test_periodic_jobs_are_enqueued_once_per_interval_across_workers(database_url, redis_url):
    app = make_app(database_url, REDIS_URL=redis_url)
    with app.app_context():
        assert jobs.enqueue_periodic(jobs.redis()) == ["bot.tasks.purge_old_conversations", "bot.tasks.sweep_outbox",
                                                       "bot.tasks.sweep_chats"]
        assert jobs.enqueue_periodic(jobs.redis()) == []  # a second worker in the same interval
        assert Queue("low", connection=jobs.redis()).count == 1
        assert Queue("default", connection=jobs.redis()).count == 2
    app.extensions["db_engine"].dispose()


@pytest.mark.redis
def test_healthz_reports_redis(database_url, redis_url):
    app = make_app(database_url, REDIS_URL=redis_url)
    response = app.test_client().get("/healthz")
    assert (response.status_code, response.get_json()["redis"]) == (200, "ok")
    app.extensions["db_engine"].dispose()


def test_healthz_is_503_when_redis_is_down(database_url):
    app = make_app(database_url, REDIS_URL="redis://127.0.0.1:1/0")
    response = app.test_client().get("/healthz")
    assert (response.status_code, response.get_json()["redis"]) == (503, "down")
    app.extensions["db_engine"].dispose()


def test_worker_refuses_to_start_without_redis(monkeypatch, tmp_path):
    import worker
    from tests.conftest import app_config
    for key, value in app_config(f"sqlite:///{tmp_path / 'w.db'}").items():
        monkeypatch.setenv(key, str(value))
    monkeypatch.setenv("REDIS_URL", "")
    assert worker.main() == 2
