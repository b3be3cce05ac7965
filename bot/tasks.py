"""rq jobs. They run inside the app context (worker.py pushes it, or in-process without Redis)."""
from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone

from flask import current_app
from redis.exceptions import RedisError
from sqlalchemy import and_, delete, exists, func, or_, select

from bot import chats, jobs, outbox
from bot.channels import twilio
from bot.conversation import utcnow
from bot.store import db
from bot.store.models import STATUS_RANK, Contact, ConversationSession, Direction, Message, MessageStatus

log = logging.getLogger(__name__)


def purge_old_conversations() -> dict:
    """Delete messages and sessions older than RETENTION_DAYS, and contacts left with nothing.

    A contact who opted out is kept (only her hashed number and the flag), so STOP is honoured.
    """
    cutoff = utcnow() - timedelta(days=current_app.config["RETENTION_DAYS"])
    with db.session() as session, session.begin():
        old = Message.created_at < cutoff
        # Counted first: deleting a message also deletes its replies (ON DELETE CASCADE), which
        # rowcount would not include.
        messages = session.scalar(select(func.count()).select_from(Message).where(old))
        session.execute(delete(Message).where(old))
        sessions = session.execute(delete(ConversationSession).where(ConversationSession.updated_at < cutoff)).rowcount
        contacts = session.execute(delete(Contact).where(and_(
            Contact.last_seen_at < cutoff,
            Contact.opted_out.is_(False),
            ~exists(select(Message.id).where(Message.contact_id == Contact.id)),
            ~exists(select(ConversationSession.id).where(ConversationSession.contact_id == Contact.id)),
        ))).rowcount
    result = {"messages": messages, "sessions": sessions, "contacts": contacts}
    log.info("purged conversations older than %s days: %s", current_app.config["RETENTION_DAYS"], result)
    return result


# --- The outbox (bot/outbox.py writes it) ---------------------------------------------------------
#
# A message goes pending -> claimed (one worker holds a lease while it calls Twilio) -> the status
# Twilio gave (queued, then the status callbacks move it on), or back to pending with a later
# next_attempt_at, or failed. A row whose lease ran out belonged to a worker that died: before it is
# sent again, Twilio is asked whether it already went, so a send is never duplicated.

LEASE = timedelta(seconds=60)
"""How long a claim lasts: well above TWILIO_HTTP_TIMEOUT, so a slow but live worker is not taken for dead."""
MAX_ATTEMPTS = 8
"""Sends tried before a message is failed for good (about 30 minutes of backoff in all)."""
FIRST_RETRY, LAST_RETRY = 15, 3600
"""Backoff in seconds: 15 s after the first failure, doubling, at most an hour."""
SWEEP_GRACE = timedelta(seconds=30)
"""A pending row this old with no retry time lost its job (Redis was down, or lost it)."""
SWEEP_BATCH = 500


@dataclass(frozen=True)
class _Send:
    """What a claim read from the row, so Twilio is called outside the transaction."""

    id: int
    kind: str
    to: str
    from_: str
    body: str
    template_sid: str | None   # WhatsApp outside the 24-hour window: this template instead of the body
    status_callback: str | None
    created_at: datetime
    attempts: int = 0
    lease_until: datetime | None = None

    def params(self) -> dict:
        params = {"to": self.to, "from_": self.from_}
        if self.status_callback:
            params["status_callback"] = self.status_callback
        if self.template_sid:
            # The template's own approved text, with no variables: nothing personal reaches the template system.
            params["content_sid"] = self.template_sid
        else:
            params["body"] = self.body
        return params


def send_message(message_id: int, now: datetime | None = None) -> str:
    """Send one outbox message through Twilio, at most once; returns what happened.

    Safe to run twice, or on two workers at once: only the job that claims the row sends it, and
    a retry first asks Twilio whether an earlier attempt went through after all.
    """
    now = now or utcnow()
    config = current_app.config
    with db.session() as session, session.begin():
        row = _locked(session, message_id)
        if row is None or not _claimable(row, now):
            return "skipped"
        if not (config["TWILIO_ACCOUNT_SID"] and config["TWILIO_AUTH_TOKEN"]):
            row.status, row.updated_at = MessageStatus.LOGGED.value, now
            log.info("message %s (%s) not sent: no Twilio credentials; it is on /simulator/outbox", row.id, row.kind)
            return "logged"
        send, problem = _prepare(session, row, now)
        if problem:
            _fail(row, None, problem, now)
            log.error("message %s (%s) failed: %s", row.id, row.kind, problem)
            return "failed"
        row.status, row.attempts, row.lease_until = MessageStatus.CLAIMED.value, row.attempts + 1, now + LEASE
        row.updated_at = now
        send = replace(send, attempts=row.attempts, lease_until=row.lease_until)
    client = twilio.make_client(config)
    try:
        sent = _already_sent(client, send) if send.attempts > 1 else None
        if sent is None:
            sent = client.messages.create(**send.params())
        else:
            log.info("message %s (%s) had reached Twilio on an earlier attempt: not sent again", send.id, send.kind)
    except twilio.SEND_ERRORS as error:
        return _after_failure(send, twilio.classify(error), now)
    _record_sent(send.id, sent.sid, sent.status, now)
    log.info("message %s (%s) accepted by Twilio (%s), attempt %d", send.id, send.kind, sent.status, send.attempts)
    return "sent"


def sweep_outbox(now: datetime | None = None) -> dict:
    """Queue outbox messages whose job was lost or whose retry is due; recover those a dead worker held.

    For a message claimed by a worker that died (its lease ran out), Twilio is asked first whether
    it went; if it did, its SID and status are recorded instead of sending it again. Runs every
    minute on the worker (jobs.PERIODIC), or now with `flask --app app outbox sweep`.
    """
    now = now or utcnow()
    with db.session() as session:
        due = list(session.scalars(select(Message.id).where(
            Message.direction == Direction.OUT.value, Message.status == MessageStatus.PENDING.value,
            or_(Message.next_attempt_at <= now,
                and_(Message.next_attempt_at.is_(None), Message.created_at <= now - SWEEP_GRACE)),
        ).order_by(Message.id).limit(SWEEP_BATCH)))
        stalled = list(session.scalars(select(Message.id).where(
            Message.status == MessageStatus.CLAIMED.value, Message.lease_until <= now,
        ).order_by(Message.id).limit(SWEEP_BATCH)))
    found = 0
    for message_id in stalled:
        outcome = _recover(message_id, now)
        found += outcome == "found"
        if outcome == "requeue":
            due.append(message_id)
    queued = 0
    for message_id in due:
        try:
            jobs.enqueue("bot.tasks.send_message", message_id, queue="high")
        except RedisError as error:
            log.warning("outbox sweep: Redis unavailable (%s); %d messages wait for the next sweep",
                        type(error).__name__, len(due) - queued)
            break
        queued += 1
    result = {"queued": queued, "stalled": len(stalled), "found_sent": found}
    if due or stalled:
        log.info("outbox sweep: %s", result)
    return result


def sweep_chats(now: datetime | None = None) -> dict:
    """The counsellors' queue's clock (bot.chats.sweep): tell women nobody is free yet, release idle chats.

    Runs every minute on the worker (jobs.PERIODIC), and whenever a counsellor's queue page refreshes.
    """
    now = now or utcnow()
    with db.session() as session, session.begin():
        queued = chats.sweep(session, current_app.extensions["vault"], now)
    outbox.send_after_commit(queued)
    return {"told": len(queued)}


def _locked(session, message_id: int) -> Message | None:
    return session.scalars(select(Message).where(Message.id == message_id, Message.direction == Direction.OUT.value)
                           .with_for_update().execution_options(populate_existing=True)).one_or_none()


def _claimable(row: Message, now: datetime) -> bool:
    if row.status == MessageStatus.PENDING.value:
        return True
    return row.status == MessageStatus.CLAIMED.value and (row.lease_until is None or row.lease_until <= now)


def _prepare(session, row: Message, now: datetime) -> tuple[_Send | None, str | None]:
    """The send for `row`, or why it cannot be sent at all (said in last_error; no retry helps)."""
    config, vault = current_app.config, current_app.extensions["vault"]
    contact = session.get(Contact, row.contact_id) if row.contact_id else None
    if contact is not None and contact.opted_out:
        return None, "not sent: the recipient opted out (STOP)"
    to = vault.decrypt(row.to_enc) or (vault.decrypt(contact.phone_enc) if contact else None)
    if not to:
        return None, "not sent: no recipient"
    template = None
    if row.channel == "whatsapp":
        sender, name = config["TWILIO_WHATSAPP_FROM"], "TWILIO_WHATSAPP_FROM"
        to, sender = _whatsapp(to), _whatsapp(sender) if sender else sender
        if row.contact_id is None or not outbox.whatsapp_window_open(session, row.contact_id, now):
            template = config["TWILIO_WHATSAPP_TEMPLATE_SID"] or None
            if template is None:
                return None, "not sent: WhatsApp's 24-hour window is closed and TWILIO_WHATSAPP_TEMPLATE_SID is not set"
    else:
        sender, name = config["TWILIO_SMS_FROM"], "TWILIO_SMS_FROM"
    if not sender:
        return None, f"not sent: {name} is not set"
    # Twilio needs an absolute URL; without PUBLIC_BASE_URL the status simply stays as Twilio first gave it.
    callback = f"{config['PUBLIC_BASE_URL']}/twilio/status?m={row.id}" if config["PUBLIC_BASE_URL"] else None
    return _Send(row.id, row.kind, to, sender, vault.decrypt(row.body_enc) or "", template, callback,
                 row.created_at, row.attempts, row.lease_until), None


def _whatsapp(address: str) -> str:
    return address if address.startswith("whatsapp:") else f"whatsapp:{address}"


def _already_sent(client, send: _Send):
    """The message Twilio holds for this send from an earlier attempt, or None.

    Looked for from a minute before the row was written (any claim came later), to the same
    number, with the same text (for a template, any message we have not recorded for another row).
    """
    # twilio formats the time as UTC without converting it, and PostgreSQL answers in its session's zone.
    since = (send.created_at - timedelta(minutes=1)).astimezone(timezone.utc)
    with db.session() as session:
        for candidate in client.messages.list(to=send.to, date_sent_after=since, limit=50):
            if send.template_sid is None and candidate.body != send.body:
                continue
            if session.scalar(select(Message.id).where(Message.twilio_sid == candidate.sid)) is None:
                return candidate
    return None


def _record_sent(message_id: int, sid: str, status: str | None, now: datetime) -> None:
    with db.session() as session, session.begin():
        row = _locked(session, message_id)
        if row is None:
            log.info("message %s reached Twilio but was erased meanwhile", message_id)
            return
        row.twilio_sid = row.twilio_sid or sid
        status = status if status in STATUS_RANK else MessageStatus.QUEUED.value
        if row.status in (MessageStatus.PENDING.value, MessageStatus.CLAIMED.value):
            row.status, row.error_code = status, None  # last_error stays: it says why it took several attempts
        elif STATUS_RANK[status] > STATUS_RANK.get(row.status, 0):
            row.status = status  # a status callback came first (it finds the row by ?m=<id>): never move back
        row.lease_until, row.next_attempt_at, row.updated_at = None, None, now


def _after_failure(send: _Send, failure: twilio.SendFailure, now: datetime) -> str:
    with db.session() as session, session.begin():
        row = _locked(session, send.id)
        if row is None or row.status != MessageStatus.CLAIMED.value or row.lease_until != send.lease_until:
            return "superseded"  # erased, moved on by a status callback, or taken over by the sweeper
        if failure.opted_out and row.contact_id:
            session.get(Contact, row.contact_id).opted_out = True
        if not failure.retry or row.attempts >= MAX_ATTEMPTS:
            reason = failure.reason if not failure.retry else f"gave up after {row.attempts} attempts: {failure.reason}"
            _fail(row, failure.code, reason, now)
            log.error("message %s (%s) failed: %s", send.id, send.kind, reason)
            return "failed"
        delay = timedelta(seconds=min(FIRST_RETRY * 2 ** (row.attempts - 1), LAST_RETRY))
        row.status, row.lease_until, row.next_attempt_at = MessageStatus.PENDING.value, None, now + delay
        row.last_error, row.error_code, row.updated_at = failure.reason, failure.code, now
    log.warning("message %s (%s): attempt %d failed (%s); retry in %d s", send.id, send.kind, send.attempts,
                failure.reason, delay.total_seconds())
    try:
        jobs.enqueue_in(delay, "bot.tasks.send_message", send.id, queue="high")
    except RedisError as error:
        log.warning("could not schedule message %s (%s); the outbox sweeper will retry it", send.id,
                    type(error).__name__)
    return "retry"


def _fail(row: Message, code: str | None, reason: str, now: datetime) -> None:
    row.status, row.error_code, row.last_error = MessageStatus.FAILED.value, code, reason[:200]
    row.lease_until, row.next_attempt_at, row.updated_at = None, None, now


def _recover(message_id: int, now: datetime) -> str | None:
    """For a claim whose lease ran out: "found" if Twilio has the message, "requeue" to send it, None to wait."""
    config = current_app.config
    with db.session() as session, session.begin():
        row = _locked(session, message_id)
        if row is None or row.status != MessageStatus.CLAIMED.value or not row.lease_until or row.lease_until > now:
            return None
        send, problem = _prepare(session, row, now)
        if problem or not (config["TWILIO_ACCOUNT_SID"] and config["TWILIO_AUTH_TOKEN"]):
            row.status, row.lease_until = MessageStatus.PENDING.value, None  # send_message says why, visibly
            return "requeue"
        row.lease_until = now + LEASE  # the sweeper's claim while it asks Twilio
        send = replace(send, lease_until=row.lease_until)
    try:
        sent = _already_sent(twilio.make_client(config), send)
    except twilio.SEND_ERRORS as error:
        log.warning("outbox sweep: could not ask Twilio about message %s (%s): %s; asking again next sweep",
                    send.id, send.kind, type(error).__name__)
        return None
    if sent is not None:
        _record_sent(send.id, sent.sid, sent.status, now)
        log.info("message %s (%s) had reached Twilio before its worker stopped: not sent again", send.id, send.kind)
        return "found"
    with db.session() as session, session.begin():
        row = _locked(session, send.id)
        if row is None or row.status != MessageStatus.CLAIMED.value or row.lease_until != send.lease_until:
            return None
        row.status, row.lease_until, row.next_attempt_at, row.updated_at = MessageStatus.PENDING.value, None, None, now
    return "requeue"
