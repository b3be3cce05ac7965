"""Handle one inbound message end to end: lock her contact, run the engine, store it all, reply.

Used by the Twilio webhook, the web simulator and `flask chat`, so each sees exactly what a
phone would. Everything is written in one transaction before the reply is returned.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timezone

from flask import current_app

from bot import cases, chats, outbox
from bot.engine import events as ev
from bot.engine import Status, resume
from bot.engine.textmatch import clean_inbound
from bot.engine.segments import count_segments
from bot.store import conversations as store
from bot.store import db
from bot.store.models import Direction, Message, MessageStatus

log = logging.getLogger(__name__)

# A message longer than this is cut before it is stored (Twilio's own limit is 1,600).
MAX_BODY = 4000


@dataclass(frozen=True)
class Inbound:
    phone: str            # E.164
    channel: str          # sms | whatsapp
    body: str
    sid: str              # Twilio's MessageSid (or a simulator id)
    received_at: datetime


@dataclass(frozen=True)
class Outbound:
    id: int
    text: str
    segments: int


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def handle_inbound(message: Inbound) -> list[Outbound]:
    """Store her message, advance her conversation and return the replies to send.

    A message whose sid was already handled returns the replies stored then, without advancing.
    """
    started = time.perf_counter()
    vault = current_app.extensions["vault"]
    flows = current_app.extensions["flows"]
    body = clean_inbound(message.body)[:MAX_BODY]  # no control characters are stored
    with db.session() as session, session.begin():
        replayed = _replay(session, vault, message.sid)  # before the contact: she may have been erased
        if replayed is not None:
            return replayed
        contact = store.lock_contact(session, vault, message.phone, message.channel, message.received_at)
        replayed = _replay(session, vault, message.sid)  # the same sid may have been handled while we waited
        if replayed is not None:
            return replayed

        state = store.load_session(session, vault, contact)
        services = cases.CaseServices(session, vault, message.received_at, cases.route_case)
        new_state, events = resume(flows, state, body, message.received_at, services)
        referrals = []
        cases.apply_case_events(session, vault, contact, events, message.received_at,
                                lambda case: referrals.append(cases.notify_partner(session, vault, case,
                                                                                   message.received_at)))
        erased = any(isinstance(e, ev.DataErased) for e in events)
        chat_messages: list[int] = []
        if erased:
            cases.erase_cases(session, contact)
            store.erase_contact(session, contact)
            contact = None
        else:
            store.save_session(session, vault, contact, new_state, message.received_at)
            waiting_texts, chat_messages = chats.on_turn(session, vault, contact, state.status == Status.ESCALATED,
                                                         new_state.status, events, message.received_at)
            events = events + [ev.Reply(text, "counsellor.wait") for text in waiting_texts]

        inbound = Message(contact_id=contact.id if contact else None, direction=Direction.IN.value,
                          channel=message.channel, twilio_sid=message.sid,
                          body_enc=None if erased else vault.encrypt(body),
                          status=MessageStatus.RECEIVED.value, segments=count_segments(body).segments,
                          created_at=message.received_at, updated_at=message.received_at)
        session.add(inbound)
        session.flush()
        replies = [Message(contact_id=inbound.contact_id, direction=Direction.OUT.value, channel=message.channel,
                           body_enc=vault.encrypt(e.text), status=MessageStatus.REPLIED.value,
                           segments=count_segments(e.text).segments, reply_to_id=inbound.id,
                           created_at=message.received_at, updated_at=message.received_at)
                   for e in events if isinstance(e, ev.Reply)]
        session.add_all(replies)
        session.flush()
        result = [_outbound(vault, m) for m in replies]
        queued = [m.id for m in referrals if m is not None] + chat_messages
    outbox.send_after_commit(queued)
    log.info("inbound message %s handled: %d replies, events=%s, %.1f ms", inbound.id, len(result),
             ",".join(sorted({type(e).__name__ for e in events})), (time.perf_counter() - started) * 1000)
    return result


def _replay(session, vault, sid: str) -> list[Outbound] | None:
    seen = store.find_inbound(session, sid)
    if seen is None:
        return None
    log.info("inbound message %s is a retry: its stored replies are sent again", seen.id)
    return [_outbound(vault, m) for m in store.replies_to(session, seen)]


def _outbound(vault, row: Message) -> Outbound:
    return Outbound(row.id, vault.decrypt(row.body_enc) or "", row.segments)
