"""The outbox: messages the helpline sends on its own reach Twilio once, whatever fails on the way.

The real `twilio` client talks to tests/fake_twilio.py on loopback. Time moves through the `now`
arguments of the jobs (or rq's scheduled-job registry), never by sleeping.
"""
from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from redis import Redis
from rq import Queue
from rq.job import Job

from bot import config, jobs, outbox, tasks
from bot.conversation import utcnow
from bot.store import db
from bot.store.models import Contact, Direction, Message, MessageStatus
from tests.conftest import ROOT, free_port, make_app
from tests.test_console import PASSWORD, Staff

HER = "+923001234567"
PARTNER = "+923217654321"
REFERRAL = "Helpline: new case K7MX4RTA referred to you. Open https://helpline.example.org/console/cases/K7MX4RTA"


@pytest.fixture
def outbox_app(database_url, fake_twilio):
    app = make_app(database_url, **fake_twilio.settings)
    yield app
    app.extensions["db_engine"].dispose()


def queue(app, *, to=PARTNER, body=REFERRAL, channel="sms", kind="referral", contact_id=None, now=None) -> int:
    """One outbox message written and committed, as a referral would be; its id (not yet sent)."""
    with app.app_context(), db.session() as session, session.begin():
        message = outbox.queue_message(session, app.extensions["vault"], to=to, channel=channel, body=body,
                                       kind=kind, now=now or utcnow(), contact_id=contact_id)
    return message.id


def row(app, message_id) -> Message:
    with app.app_context(), db.session() as session:
        return session.get(Message, message_id)


def add_contact(app, number=HER, *, channel="sms", last_inbound=None) -> int:
    """A contact as the webhook stores her, with her last inbound message at `last_inbound` (if any)."""
    vault = app.extensions["vault"]
    now = utcnow()
    with app.app_context(), db.session() as session, session.begin():
        contact = Contact(phone_hash=vault.phone_hash(number), phone_enc=vault.encrypt(number), channel=channel,
                          opted_out=False, created_at=now, last_seen_at=last_inbound or now)
        session.add(contact)
        session.flush()
        if last_inbound is not None:
            session.add(Message(contact_id=contact.id, direction=Direction.IN.value, channel=channel,
                                twilio_sid=f"SM{contact.id:032d}", body_enc=vault.encrypt("hi"), status="received",
                                segments=1, created_at=last_inbound, updated_at=last_inbound))
    return contact.id


def later(**delta):
    return utcnow() + timedelta(**delta)


# --- Sending -------------------------------------------------------------------------------------

def test_a_message_goes_through_the_official_client_with_a_status_callback(outbox_app, fake_twilio):
    message_id = queue(outbox_app)
    with outbox_app.app_context():
        outbox.send_after_commit([message_id])  # no Redis: the job runs here and now
    [sent] = fake_twilio.messages
    assert (sent["to"], sent["from"], sent["body"]) == (PARTNER, "+15005550006", REFERRAL)
    assert sent["status_callback"] == f"https://helpline.example.org/twilio/status?m={message_id}"
    stored = row(outbox_app, message_id)
    assert (stored.status, stored.twilio_sid, stored.attempts, stored.kind) == ("queued", sent["sid"], 1, "referral")


def test_status_callback_replayed_from_the_fake_moves_the_row_to_delivered(outbox_app, fake_twilio):
    message_id = queue(outbox_app)
    with outbox_app.app_context():
        tasks.send_message(message_id)
    client = outbox_app.test_client()
    assert fake_twilio.replay_status(client, fake_twilio.messages[0], "sent").status_code == 204
    assert fake_twilio.replay_status(client, fake_twilio.messages[0], "delivered").status_code == 204
    assert fake_twilio.replay_status(client, fake_twilio.messages[0], "sent").status_code == 204  # late, ignored
    assert row(outbox_app, message_id).status == "delivered"


def test_a_retried_job_for_an_already_sent_row_does_not_send_again(outbox_app, fake_twilio):
    message_id = queue(outbox_app)
    with outbox_app.app_context():
        assert tasks.send_message(message_id) == "sent"
        assert tasks.send_message(message_id) == "skipped"
        assert tasks.send_message(message_id, now=later(hours=2)) == "skipped"
    assert len(fake_twilio.messages) == 1
    assert row(outbox_app, message_id).attempts == 1


def test_a_message_another_worker_holds_is_left_alone(outbox_app, fake_twilio):
    message_id = queue(outbox_app)
    with outbox_app.app_context(), db.session() as session, session.begin():
        held = session.get(Message, message_id)
        held.status, held.lease_until, held.attempts = "claimed", later(seconds=60), 1
    with outbox_app.app_context():
        assert tasks.send_message(message_id) == "skipped"
    assert fake_twilio.creates == []


# --- Faults --------------------------------------------------------------------------------------

def test_the_api_fails_twice_then_succeeds_one_message_and_two_retries_recorded(outbox_app, fake_twilio, caplog):
    fake_twilio.fail_next(("status", 500), ("status", 429))
    message_id = queue(outbox_app)
    with outbox_app.app_context():
        assert tasks.send_message(message_id) == "retry"
        first = row(outbox_app, message_id)
        assert (first.status, first.attempts, first.last_error) == ("pending", 1, "Twilio answered HTTP 500 (error 20500)")
        assert first.next_attempt_at - first.updated_at == timedelta(seconds=15)
        assert tasks.sweep_outbox(now=first.next_attempt_at - timedelta(seconds=1))["queued"] == 0  # not yet due
        assert tasks.sweep_outbox(now=first.next_attempt_at)["queued"] == 1  # runs the send here (no Redis)
        second = row(outbox_app, message_id)
        assert (second.status, second.attempts) == ("pending", 2)
        assert second.next_attempt_at - second.updated_at == timedelta(seconds=30)  # backoff doubles
        assert tasks.sweep_outbox(now=later(hours=1))["queued"] == 1
    done = row(outbox_app, message_id)
    assert fake_twilio.creates == [500, 429, 201]
    assert len(fake_twilio.messages) == 1
    assert (done.status, done.attempts, done.twilio_sid) == ("queued", 3, fake_twilio.messages[0]["sid"])
    assert done.last_error == "Twilio answered HTTP 429 (error 20429)"  # why it took three attempts
    assert [r.getMessage() for r in caplog.records].count(f"message {message_id} (referral): attempt 1 failed "
                                                     f"(Twilio answered HTTP 500 (error 20500)); retry in 15 s") == 1
    assert sum("retry in" in r.getMessage() for r in caplog.records) == 2


@pytest.mark.parametrize("code", [21211, 30005, 30006, 21606])
def test_a_permanent_error_fails_at_once_and_visibly(outbox_app, fake_twilio, code):
    fake_twilio.fail_next(("twilio_error", code, 400))
    message_id = queue(outbox_app)
    with outbox_app.app_context():
        assert tasks.send_message(message_id) == "failed"
        assert tasks.sweep_outbox(now=later(days=1)) == {"queued": 0, "stalled": 0, "found_sent": 0}
    failed = row(outbox_app, message_id)
    assert (failed.status, failed.error_code, failed.next_attempt_at) == ("failed", str(code), None)
    assert failed.last_error.startswith(f"Twilio error {code}: ")
    assert PARTNER not in failed.last_error  # Twilio's own message quotes the number; ours never does
    assert fake_twilio.creates == [400] and fake_twilio.messages == []
    page = outbox_app.test_client().get("/simulator/outbox").get_data(as_text=True)
    assert 'class="failed">failed<' in page and f"Twilio error {code}" in page


def test_21610_marks_the_contact_opted_out_and_nothing_is_retried(outbox_app, fake_twilio):
    contact_id = add_contact(outbox_app)
    fake_twilio.fail_next(("twilio_error", 21610, 400))
    first = queue(outbox_app, to=HER, body="Your case has news.", kind="notice", contact_id=contact_id)
    with outbox_app.app_context():
        assert tasks.send_message(first) == "failed"
        with db.session() as session:
            assert session.get(Contact, contact_id).opted_out is True
        second = queue(outbox_app, to=HER, body="Another notice.", kind="notice", contact_id=contact_id)
        assert tasks.send_message(second) == "failed"  # not even tried: she said STOP
        assert tasks.sweep_outbox(now=later(days=1))["queued"] == 0
    assert fake_twilio.creates == [400]
    assert (row(outbox_app, first).status, row(outbox_app, first).error_code) == ("failed", "21610")
    assert row(outbox_app, second).last_error == "not sent: the recipient opted out (STOP)"


def test_a_timeout_before_twilio_accepted_is_retried_and_sent_once(database_url, fake_twilio):
    app = make_app(database_url, **{**fake_twilio.settings, "TWILIO_HTTP_TIMEOUT": 0.3})
    fake_twilio.fail_next(("timeout", 2))
    message_id = queue(app)
    with app.app_context():
        assert tasks.send_message(message_id) == "retry"
        assert row(app, message_id).last_error == "network error (ReadTimeout)"
        assert tasks.sweep_outbox(now=later(minutes=1))["queued"] == 1
    assert len(fake_twilio.messages) == 1
    assert row(app, message_id).status == "queued"
    app.extensions["db_engine"].dispose()


def test_a_response_lost_after_twilio_accepted_is_not_sent_again(database_url, fake_twilio):
    app = make_app(database_url, **{**fake_twilio.settings, "TWILIO_HTTP_TIMEOUT": 0.3})
    fake_twilio.fail_next(("accept_then_timeout", 2))
    message_id = queue(app)
    with app.app_context():
        assert tasks.send_message(message_id) == "retry"  # Twilio has it, but we could not know
        assert tasks.sweep_outbox(now=later(minutes=1))["queued"] == 1  # the retry asks Twilio first
    [sent] = fake_twilio.messages
    stored = row(app, message_id)
    assert (stored.status, stored.twilio_sid, stored.attempts) == ("sent", sent["sid"], 2)
    assert fake_twilio.create_requests == 1
    app.extensions["db_engine"].dispose()


def test_a_worker_that_died_before_reaching_twilio_is_replaced_by_the_sweeper(outbox_app, fake_twilio):
    message_id = queue(outbox_app)
    with outbox_app.app_context(), db.session() as session, session.begin():
        dead = session.get(Message, message_id)  # as a worker killed just after its claim leaves it
        dead.status, dead.lease_until, dead.attempts = "claimed", utcnow() + tasks.LEASE, 1
    with outbox_app.app_context():
        assert tasks.sweep_outbox(now=later(seconds=30))["stalled"] == 0  # the lease still holds
        assert tasks.sweep_outbox(now=later(minutes=2)) == {"queued": 1, "stalled": 1, "found_sent": 0}
    assert len(fake_twilio.messages) == 1
    assert (row(outbox_app, message_id).status, row(outbox_app, message_id).attempts) == ("queued", 2)


def test_without_redis_queueing_never_raises_and_the_sweep_command_sends_later(database_url, fake_twilio, caplog):
    app = make_app(database_url, **{**fake_twilio.settings, "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"})
    message_id = queue(app, now=utcnow() - timedelta(minutes=1))
    with app.app_context():
        outbox.send_after_commit([message_id])  # Redis is down: logged, not raised
    assert f"could not queue message {message_id} (ConnectionError)" in caplog.text
    assert row(app, message_id).status == "pending" and fake_twilio.messages == []
    app.extensions["redis"] = None  # as in `make run`: the command sends in-process
    result = app.test_cli_runner().invoke(args=["outbox", "sweep"])
    assert result.exit_code == 0, result.output
    assert "'queued': 1" in result.output
    assert len(fake_twilio.messages) == 1
    app.extensions["db_engine"].dispose()


# --- WhatsApp ------------------------------------------------------------------------------------

def test_whatsapp_inside_24_hours_is_free_text(outbox_app, fake_twilio):
    contact_id = add_contact(outbox_app, channel="whatsapp", last_inbound=utcnow() - timedelta(hours=23))
    message_id = queue(outbox_app, to=HER, channel="whatsapp", body="A counsellor replied.", kind="counsellor",
                       contact_id=contact_id)
    with outbox_app.app_context():
        assert tasks.send_message(message_id) == "sent"
    [sent] = fake_twilio.messages
    assert (sent["to"], sent["from"], sent["body"], sent["content_sid"]) == (
        f"whatsapp:{HER}", "whatsapp:+15005550007", "A counsellor replied.", None)


def test_whatsapp_after_24_hours_uses_the_template(database_url, fake_twilio):
    app = make_app(database_url, **fake_twilio.settings, TWILIO_WHATSAPP_TEMPLATE_SID="HX" + "a" * 32)
    contact_id = add_contact(app, channel="whatsapp", last_inbound=utcnow() - timedelta(hours=25))
    message_id = queue(app, to=HER, channel="whatsapp", body="A counsellor replied.", kind="counsellor",
                       contact_id=contact_id)
    with app.app_context():
        assert tasks.send_message(message_id) == "sent"
    [sent] = fake_twilio.messages
    assert (sent["to"], sent["content_sid"], sent["content_variables"]) == (f"whatsapp:{HER}", "HX" + "a" * 32, None)
    assert "counsellor" not in sent["body"]  # the free text was not sent
    app.extensions["db_engine"].dispose()


def test_whatsapp_outside_the_window_without_a_template_fails_visibly(outbox_app, fake_twilio):
    message_id = queue(outbox_app, to=PARTNER, channel="whatsapp")  # no inbound at all: the window is closed
    with outbox_app.app_context():
        assert tasks.send_message(message_id) == "failed"
    assert "TWILIO_WHATSAPP_TEMPLATE_SID is not set" in row(outbox_app, message_id).last_error
    assert fake_twilio.creates == []


# --- Development: no credentials -----------------------------------------------------------------

def test_without_credentials_sends_are_logged_and_shown_on_the_outbox_page(database_url, fake_twilio, caplog):
    app = make_app(database_url, **{**fake_twilio.settings, "TWILIO_ACCOUNT_SID": ""})
    caplog.set_level(logging.INFO)
    message_id = queue(app)
    with app.app_context():
        outbox.send_after_commit([message_id])
    assert row(app, message_id).status == "logged"
    assert fake_twilio.creates == []  # nothing on the network
    assert f"message {message_id} (referral) not sent: no Twilio credentials" in caplog.text
    assert REFERRAL not in caplog.text and PARTNER not in caplog.text
    page = app.test_client().get("/simulator/outbox")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert REFERRAL in text and "logged" in text and "•••••••321" in text and PARTNER not in text
    assert "Outbox" in app.test_client().get("/simulator/").get_data(as_text=True)  # linked
    app.extensions["db_engine"].dispose()


def test_the_outbox_page_hides_the_text_in_production_and_is_off_without_the_simulator(database_url):
    production = make_app(database_url, APP_ENV="production")
    queue(production)
    assert production.test_client().get("/simulator/outbox").headers["Location"] == "/console/login"  # staff only
    production.test_cli_runner().invoke(args=["users", "create", "--username", "amina", "--role", "counsellor",
                                              "--password", PASSWORD])
    page = Staff(production, "amina", base_url="https://helpline.example.org").get("/simulator/outbox")
    assert "referral" in page.get_data(as_text=True) and REFERRAL not in page.get_data(as_text=True)
    production.extensions["db_engine"].dispose()
    off = make_app(database_url, SIMULATOR_ENABLED=False)
    assert off.test_client().get("/simulator/outbox").status_code == 404
    off.extensions["db_engine"].dispose()


def test_the_text_and_the_number_never_reach_the_logs(database_url, fake_twilio, caplog):
    app = make_app(database_url, **{**fake_twilio.settings, "TWILIO_HTTP_TIMEOUT": 0.3})
    caplog.set_level(logging.DEBUG)
    fake_twilio.fail_next(("status", 503), ("twilio_error", 21211, 400), ("accept_then_timeout", 2))
    sent = queue(app)
    refused = queue(app, to=HER, body="Your case has news.", kind="notice")
    with app.app_context():
        tasks.send_message(sent)                   # 503
        tasks.send_message(refused)                # 21211, whose message quotes the number
        tasks.sweep_outbox(now=later(minutes=1))   # accepted, but the answer is lost
        tasks.sweep_outbox(now=later(hours=1))     # asks Twilio (a list by number) and finds it
    assert row(app, sent).status == "sent" and row(app, refused).status == "failed"
    logged = caplog.text
    for secret in (REFERRAL, "Your case has news", PARTNER, HER, PARTNER[1:], HER[1:], "K7MX4RTA"):
        assert secret not in logged
    assert f"message {sent} (referral)" in logged
    app.extensions["db_engine"].dispose()


def test_twilio_client_is_pointed_at_the_api_base_only_when_set():
    from twilio.http.http_client import TwilioHttpClient

    from bot.channels.twilio import RedirectedHttpClient, make_client

    plain = make_client({"TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "t", "TWILIO_HTTP_TIMEOUT": 15})
    assert type(plain.http_client) is TwilioHttpClient and plain.http_client.timeout == 15
    redirected = make_client({"TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "t", "TWILIO_HTTP_TIMEOUT": 2,
                              "TWILIO_API_BASE": "http://127.0.0.1:9/"})
    assert isinstance(redirected.http_client, RedirectedHttpClient)
    assert (redirected.http_client.base, redirected.http_client.timeout) == ("http://127.0.0.1:9", 2)


# --- With Redis and a real rq worker -------------------------------------------------------------

def work(connection) -> None:
    assert jobs.HelplineWorker(list(jobs.QUEUES), connection=connection).work(burst=True)


def run_scheduled_now(connection) -> int:
    """Move every job rq's scheduler holds (enqueue_in) onto its queue now, as the scheduler will when due."""
    moved = 0
    for name in jobs.QUEUES:
        queue = Queue(name, connection=connection)
        registry = queue.scheduled_job_registry
        for job_id in registry.get_jobs_to_schedule(timestamp=int(time.time()) + 7 * 24 * 3600):
            registry.remove(job_id)
            queue.enqueue_job(Job.fetch(job_id, connection=connection))
            moved += 1
    return moved


@pytest.fixture
def redis_app(database_url, redis_url, fake_twilio):
    app = make_app(database_url, REDIS_URL=redis_url, **fake_twilio.settings)
    yield app
    app.extensions["db_engine"].dispose()


@pytest.mark.redis
def test_with_rq_the_api_fails_twice_then_succeeds_through_scheduled_retries(redis_app, fake_twilio):
    fake_twilio.fail_next(("status", 500), ("status", 503))
    message_id = queue(redis_app)
    with redis_app.app_context():
        connection = jobs.redis()
        outbox.send_after_commit([message_id])
        assert Queue("high", connection=connection).count == 1 and fake_twilio.creates == []  # after commit, queued
        work(connection)
        registry = Queue("high", connection=connection).scheduled_job_registry
        [job_id] = registry.get_job_ids()
        wait = registry.get_scheduled_time(job_id) - utcnow()
        assert timedelta(seconds=10) < wait <= timedelta(seconds=15)
        assert row(redis_app, message_id).status == "pending"
        assert run_scheduled_now(connection) == 1
        work(connection)
        assert run_scheduled_now(connection) == 1
        work(connection)
        assert run_scheduled_now(connection) == 0
    assert fake_twilio.creates == [500, 503, 201] and len(fake_twilio.messages) == 1
    done = row(redis_app, message_id)
    assert (done.status, done.attempts, done.twilio_sid) == ("queued", 3, fake_twilio.messages[0]["sid"])


@pytest.mark.redis
def test_redis_down_when_the_case_is_created_the_sweeper_sends_it_once_redis_is_back(redis_app, fake_twilio, caplog):
    with redis_app.app_context():
        live = redis_app.extensions["redis"]
        redis_app.extensions["redis"] = Redis.from_url(f"redis://127.0.0.1:{free_port()}/0", socket_connect_timeout=1)
        message_id = queue(redis_app, now=utcnow() - timedelta(minutes=1))  # the referral, a minute ago
        outbox.send_after_commit([message_id])
        assert "the outbox sweeper will send it" in caplog.text
        assert row(redis_app, message_id).status == "pending"

        redis_app.extensions["redis"] = live  # Redis is back; the worker starts its periodic jobs
        assert "bot.tasks.sweep_outbox" in jobs.enqueue_periodic(live)
        work(live)
    assert len(fake_twilio.messages) == 1 and fake_twilio.messages[0]["body"] == REFERRAL
    assert row(redis_app, message_id).status == "queued"


WORKER = """
from bot import create_app
from bot.jobs import QUEUES, HelplineWorker
app = create_app()
with app.app_context():
    HelplineWorker(list(QUEUES), connection=app.extensions["redis"]).work(burst=True)
"""


@pytest.mark.redis
def test_a_worker_killed_mid_send_causes_no_duplicate(redis_app, fake_twilio):
    fake_twilio.fail_next(("accept_and_hold",))
    message_id = queue(redis_app)
    with redis_app.app_context():
        outbox.send_after_commit([message_id])
    settings = {name: str(redis_app.config[name]) for name in config.from_env({})  # what an env variable can say
                if isinstance(redis_app.config[name], (str, int, float))}
    worker = subprocess.Popen([sys.executable, "-c", WORKER], cwd=ROOT, env={**os.environ, **settings},
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert fake_twilio.holding.wait(timeout=60), "the worker never reached Twilio"
        os.kill(worker.pid, signal.SIGKILL)  # Twilio has accepted the message; the worker dies before the answer
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
        fake_twilio.release()
    assert row(redis_app, message_id).status == "claimed"

    with redis_app.app_context():
        assert tasks.sweep_outbox(now=later(seconds=30))["stalled"] == 0  # the dead worker's lease still holds
        assert tasks.sweep_outbox(now=later(minutes=2)) == {"queued": 0, "stalled": 1, "found_sent": 1}
        work(jobs.redis())
    [sent] = fake_twilio.messages
    stored = row(redis_app, message_id)
    assert (stored.status, stored.twilio_sid) == (MessageStatus.SENT.value, sent["sid"])
    assert fake_twilio.create_requests == 1
