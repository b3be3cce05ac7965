"""The outbox: messages the helpline sends on its own (not as a webhook reply), never lost.

A message is a `pending` row of `messages`, written in the caller's transaction together with the
change that caused it (a referral, a counsellor's reply...). Once that transaction has committed,
`send_after_commit` queues the send job (bot.tasks.send_message); if Redis is down then, the row
waits and the sweeper (bot.tasks.sweep_outbox) queues it later.

    with db.session() as session, session.begin():
        ...
        message = outbox.queue_message(session, vault, to=number, channel="sms", body=text,
                                       kind="referral", now=now, case_id=case.id)
    outbox.send_after_commit([message.id])
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from redis.exceptions import RedisError
from sqlalchemy import func, select
from sqlalchemy.orm import Session as DbSession

from bot import jobs
from bot.crypto import Vault
from bot.engine.segments import count_segments
from bot.store.models import Direction, Message, MessageStatus

log = logging.getLogger(__name__)

WHATSAPP_WINDOW = timedelta(hours=24)
"""WhatsApp allows free text only this long after her last message; later, only an approved template."""


def queue_message(db_session: DbSession, vault: Vault, *, to: str, channel: str, body: str, kind: str,
                  now: datetime, contact_id: int | None = None, case_id: int | None = None) -> Message:
    """Add a pending outbound message to `to` (E.164) in the caller's transaction; does not commit.

    `kind` says what it is (notice, referral, alert, counsellor) on the outbox page and in logs,
    which never show the text or the number. `contact_id` is set only when the recipient is that
    contact (her): Twilio's 21610 (she replied STOP) marks it opted out. A partner's message has none.
    """
    message = Message(contact_id=contact_id, case_id=case_id, direction=Direction.OUT.value, channel=channel,
                      to_enc=vault.encrypt(to), body_enc=vault.encrypt(body), kind=kind,
                      status=MessageStatus.PENDING.value, segments=count_segments(body).segments,
                      attempts=0, created_at=now, updated_at=now)
    db_session.add(message)
    db_session.flush()  # for its id
    return message


def send_after_commit(message_ids: list[int]) -> None:
    """Queue the send job of each message; call it after the transaction that wrote them has committed.

    Never raises when Redis is unavailable: the rows are safe in the database and the sweeper
    queues them once Redis is back. Without REDIS_URL the sends run here and now.
    """
    for message_id in message_ids:
        try:
            jobs.enqueue("bot.tasks.send_message", message_id, queue="high")
        except RedisError as error:
            log.warning("could not queue message %s (%s); the outbox sweeper will send it",
                        message_id, type(error).__name__)


def whatsapp_window_open(db_session: DbSession, contact_id: int, now: datetime) -> bool:
    """True while free text may reach her on WhatsApp: her last WhatsApp message is under 24 hours old."""
    last_inbound = db_session.scalar(select(func.max(Message.created_at)).where(
        Message.contact_id == contact_id, Message.direction == Direction.IN.value, Message.channel == "whatsapp"))
    return last_inbound is not None and last_inbound >= now - WHATSAPP_WINDOW
