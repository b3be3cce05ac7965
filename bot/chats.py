"""The counsellors' queue: chats the bot escalated, each held by at most one counsellor.

A chat opens when the engine escalates her conversation (she asked for a counsellor, said she is
in danger, or her case needs one). While it is open the bot stays quiet and her messages wait for
the counsellor. A counsellor claims it (one only: the claim is a conditional update), replies
through the outbox, adds private notes, and hands her back to the bot or closes the chat. Nobody
free in time, or outside the hours, and the bot tells her and gives the helplines; a held chat the
counsellor stops answering goes back to the queue. Every step is a ChatEvent in the append-only trail.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import Session as DbSession

from bot import outbox
from bot.crypto import Vault
from bot.engine import Status
from bot.engine import events as ev
from bot.store.models import Chat, ChatEvent, ChatStatus, Contact, ConversationSession, User

log = logging.getLogger(__name__)

ALERT = "A chat is waiting for a counsellor: {link}"
"""The SMS to on-duty counsellors (COUNSELLOR_ALERT_NUMBERS): staff-facing, nothing about her."""
TEMPLATE_NOTE = "(WhatsApp template: a request that she writes again)"
"""What the conversation shows for a template sent after WhatsApp's 24-hour window closed."""


class ChatError(Exception):
    """Something a counsellor cannot do to this chat now; the message says why, for the console."""


def add_event(db: DbSession, vault: Vault, chat: Chat, kind: str, actor: str, now: datetime,
              detail: dict | None = None) -> ChatEvent:
    event = ChatEvent(chat_id=chat.id, kind=kind, actor=actor, created_at=now,
                      detail_enc=vault.encrypt_json(detail) if detail else None)
    db.add(event)
    return event


def open_chat(db: DbSession, contact_id: int) -> Chat | None:
    return db.scalars(select(Chat).where(Chat.contact_id == contact_id, Chat.status != ChatStatus.CLOSED.value)
                      .order_by(Chat.id.desc())).first()


def within_hours(config, now: datetime) -> bool:
    start, end = config["COUNSELLOR_HOURS"]
    local = now.astimezone(ZoneInfo(config["COUNSELLOR_TIMEZONE"]))
    minute = local.hour * 60 + local.minute
    return start <= minute < end if start <= end else (minute >= start or minute < end)


def on_turn(db: DbSession, vault: Vault, contact: Contact, was_escalated: bool, session_status: Status,
            events: list, now: datetime) -> tuple[list[str], list[int]]:
    """Keep the queue in step with her conversation after a turn of the engine.

    Returns texts to add to the bot's reply (how long she may wait) and outbox ids to send after commit.
    A conversation that neither was nor is with a counsellor costs nothing here (no query).
    """
    escalated = next((e for e in events if isinstance(e, ev.Escalated)), None)
    if escalated is None and not was_escalated and session_status != Status.ESCALATED:
        return [], []
    chat = open_chat(db, contact.id)
    extra, queued = [], []
    if chat is None and session_status == Status.ESCALATED:
        # Also a conversation escalated before there was a queue: nobody would ever see it otherwise.
        reason = escalated.reason if escalated is not None else "asked"
        chat = Chat(contact_id=contact.id, reason=reason, status=ChatStatus.WAITING.value, created_at=now,
                    updated_at=now)
        db.add(chat)
        db.flush()
        add_event(db, vault, chat, "queued", "her", now, {"reason": reason})
        log.info("chat %s queued for a counsellor (%s)", chat.id, reason)
        queued += _alert_counsellors(db, vault, now)
    if chat is not None and escalated is not None:
        config = current_app.config
        if within_hours(config, now):
            extra.append(_text(contact, "counsellor.expected_wait", minutes=config["COUNSELLOR_WAIT_MINUTES"]))
        else:
            extra.append(_text(contact, "counsellor.after_hours"))
            chat.told_waiting_at = now
    elif chat is not None and session_status != Status.ESCALATED:
        _close(db, vault, chat, "she_left", "her", now)
    elif chat is not None and any(isinstance(e, ev.HeldForCounsellor) for e in events):
        chat.updated_at = now  # the queue shows the chats with new messages first
    return extra, queued


def claim(db: DbSession, vault: Vault, chat_id: int, user: User, now: datetime) -> Chat:
    """The chat is hers to answer; raises ChatError naming who has it when someone was quicker."""
    won = db.execute(update(Chat).where(Chat.id == chat_id, Chat.status == ChatStatus.WAITING.value)
                     .values(status=ChatStatus.HELD.value, counsellor_id=user.id, claimed_at=now,
                             last_reply_at=None, updated_at=now)).rowcount == 1
    chat = db.get(Chat, chat_id, populate_existing=True)
    if chat is None:
        raise ChatError("This chat no longer exists.")
    if not won:
        if chat.status == ChatStatus.HELD.value:
            holder = db.get(User, chat.counsellor_id) if chat.counsellor_id else None
            raise ChatError(f"{holder.username if holder else 'Another counsellor'} already has this chat.")
        raise ChatError("This chat is closed.")
    add_event(db, vault, chat, "claimed", user.username, now)
    return chat


def reply(db: DbSession, vault: Vault, chat: Chat, user: User, text: str, now: datetime) -> int:
    """Queue the counsellor's message to her; returns the outbox id to send after commit."""
    contact = _held_by(db, chat, user)
    text = text.strip()
    if not text:
        raise ChatError("Write a message first.")
    if contact.channel == "whatsapp" and not outbox.whatsapp_window_open(db, contact.id, now):
        raise ChatError("Her last WhatsApp message is more than 24 hours old: WhatsApp allows only an approved "
                        "template now. Send the template to ask her to write again.")
    return _send(db, vault, chat, user, contact, text, now, "replied")


def send_template(db: DbSession, vault: Vault, chat: Chat, user: User, now: datetime) -> int:
    """After WhatsApp's 24-hour window: the configured template, which asks her to write again."""
    contact = _held_by(db, chat, user)
    if contact.channel != "whatsapp" or outbox.whatsapp_window_open(db, contact.id, now):
        raise ChatError("No template is needed: write your message.")
    if not current_app.config["TWILIO_WHATSAPP_TEMPLATE_SID"] and current_app.config["TWILIO_ACCOUNT_SID"]:
        raise ChatError("No WhatsApp template is configured (TWILIO_WHATSAPP_TEMPLATE_SID).")
    return _send(db, vault, chat, user, contact, TEMPLATE_NOTE, now, "template_sent")


def note(db: DbSession, vault: Vault, chat: Chat, user: User, text: str, now: datetime) -> None:
    """A private note on the chat, for counsellors only (never sent to her)."""
    if not text.strip():
        raise ChatError("Write a note first.")
    add_event(db, vault, chat, "note", user.username, now, {"text": text.strip()})


def hand_back(db: DbSession, vault: Vault, chat: Chat, user: User, now: datetime, *, close: bool) -> list[int]:
    """The bot takes over again at the menu (or the chat is closed); she is told in one neutral line."""
    contact = _held_by(db, chat, user)
    _close(db, vault, chat, "closed" if close else "handed_back", user.username, now)
    row = db.scalars(select(ConversationSession).where(ConversationSession.contact_id == contact.id)).one_or_none()
    if row is not None and row.status == Status.ESCALATED.value:
        flow, state = current_app.extensions["flows"].settings.entry.split(".", 1)
        row.flow, row.state, row.status, row.values_enc, row.attempts = flow, state, Status.ACTIVE.value, None, 0
        row.updated_at = now
    if contact.opted_out:
        return []
    key = "counsellor.closed" if close else "counsellor.handed_back"
    return [_queue_to_her(db, vault, contact, _text(contact, key), now)]


def sweep(db: DbSession, vault: Vault, now: datetime) -> list[int]:
    """Tell women nobody has answered in time (once), and return idle held chats to the queue.

    Runs from the worker's schedule and whenever the console's queue is looked at.
    """
    config, queued = current_app.config, []
    late = now - timedelta(minutes=config["COUNSELLOR_WAIT_MINUTES"])
    for chat in db.scalars(select(Chat).where(Chat.status == ChatStatus.WAITING.value, Chat.told_waiting_at.is_(None),
                                              Chat.created_at < late).with_for_update(skip_locked=True)):
        chat.told_waiting_at = now
        contact = db.get(Contact, chat.contact_id)
        add_event(db, vault, chat, "told_nobody_free", "bot", now)
        if not contact.opted_out:
            queued.append(_queue_to_her(db, vault, contact, _text(contact, "counsellor.nobody_free"), now))
    idle = now - timedelta(minutes=config["COUNSELLOR_IDLE_MINUTES"])
    for chat in db.scalars(select(Chat).where(Chat.status == ChatStatus.HELD.value).with_for_update(skip_locked=True)):
        if max(chat.last_reply_at or chat.claimed_at, chat.claimed_at) < idle:
            holder = db.get(User, chat.counsellor_id) if chat.counsellor_id else None
            chat.status, chat.counsellor_id, chat.updated_at = ChatStatus.WAITING.value, None, now
            add_event(db, vault, chat, "released", "system", now,
                      {"from": holder.username if holder else None, "why": "no reply in time"})
            log.info("chat %s back in the queue: no reply from its counsellor in time", chat.id)
    return queued


def _held_by(db: DbSession, chat: Chat, user: User) -> Contact:
    if chat.status != ChatStatus.HELD.value or chat.counsellor_id != user.id:
        raise ChatError("Claim this chat first: only the counsellor who holds it can act on it.")
    return db.get(Contact, chat.contact_id)


def _send(db, vault, chat, user, contact, text, now, kind) -> int:
    if contact.opted_out:
        raise ChatError("She sent STOP: no message can be sent to her until she sends START.")
    message_id = _queue_to_her(db, vault, contact, text, now)
    chat.last_reply_at = chat.updated_at = now
    add_event(db, vault, chat, kind, user.username, now, {"message": message_id})
    return message_id


def _queue_to_her(db, vault, contact: Contact, text: str, now: datetime) -> int:
    return outbox.queue_message(db, vault, to=vault.decrypt(contact.phone_enc), channel=contact.channel, body=text,
                                kind="counsellor", now=now, contact_id=contact.id).id


def _close(db, vault, chat: Chat, kind: str, actor: str, now: datetime) -> None:
    chat.status, chat.closed_at, chat.updated_at = ChatStatus.CLOSED.value, now, now
    add_event(db, vault, chat, kind, actor, now)


def _alert_counsellors(db, vault, now: datetime) -> list[int]:
    link = f"{current_app.config['PUBLIC_BASE_URL']}/console/"
    return [outbox.queue_message(db, vault, to=number, channel="sms", body=ALERT.format(link=link),
                                 kind="alert", now=now).id
            for number in current_app.config["COUNSELLOR_ALERT_NUMBERS"]]


def _text(contact: Contact, key: str, **params) -> str:
    flows = current_app.extensions["flows"]
    language = contact.language if contact.language in flows.texts.languages else flows.texts.default
    return flows.texts.render(language, key, {**flows.numbers, **params})
