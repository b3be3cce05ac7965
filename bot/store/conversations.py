"""Queries for contacts, their sessions and messages. Callers own the transaction."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session as DbSession

from bot.crypto import Vault
from bot.engine import Session, Status
from bot.store.models import Contact, ConversationSession, Message


def lock_contact(db: DbSession, vault: Vault, e164: str, channel: str, now: datetime) -> Contact:
    """Her contact row, created if new, locked until the transaction ends.

    The insert-if-missing cannot fail on a race (ON CONFLICT DO NOTHING), and the lock makes a
    second message from the same number wait until the first is fully handled.
    """
    phone_hash = vault.phone_hash(e164)
    dialect = postgresql if db.get_bind().dialect.name == "postgresql" else sqlite
    db.execute(
        dialect.insert(Contact)
        .values(phone_hash=phone_hash, phone_enc=vault.encrypt(e164), channel=channel,
                opted_out=False, created_at=now, last_seen_at=now)
        .on_conflict_do_nothing(index_elements=["phone_hash"])
    )
    contact = db.scalars(
        select(Contact).where(Contact.phone_hash == phone_hash).with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    contact.channel = channel
    contact.last_seen_at = now
    return contact


def find_contact(db: DbSession, vault: Vault, e164: str) -> Contact | None:
    return db.scalars(select(Contact).where(Contact.phone_hash == vault.phone_hash(e164))).one_or_none()


def find_inbound(db: DbSession, sid: str) -> Message | None:
    return db.scalars(select(Message).where(Message.twilio_sid == sid, Message.direction == "in")).one_or_none()


def replies_to(db: DbSession, message: Message) -> list[Message]:
    return list(db.scalars(select(Message).where(Message.reply_to_id == message.id).order_by(Message.id)))


def load_session(db: DbSession, vault: Vault, contact: Contact) -> Session:
    row = db.scalars(select(ConversationSession).where(ConversationSession.contact_id == contact.id)).one_or_none()
    if row is None:
        return Session(language=contact.language, opted_out=contact.opted_out)
    return Session(flow=row.flow, state=row.state, status=Status(row.status),
                   values=vault.decrypt_json(row.values_enc, {}), language=contact.language,
                   attempts=row.attempts, opted_out=contact.opted_out, updated_at=row.updated_at)


def save_session(db: DbSession, vault: Vault, contact: Contact, session: Session, now: datetime) -> None:
    row = db.scalars(select(ConversationSession).where(ConversationSession.contact_id == contact.id)).one_or_none()
    if row is None:
        row = ConversationSession(contact_id=contact.id, started_at=now)
        db.add(row)
    row.flow, row.state, row.status = session.flow, session.state, session.status.value
    row.values_enc = vault.encrypt_json(session.values) if session.values else None
    row.attempts = session.attempts
    row.updated_at = now
    contact.language = session.language
    contact.opted_out = session.opted_out


def erase_contact(db: DbSession, contact: Contact) -> None:
    """Everything stored about her: messages, session, and the contact itself."""
    db.execute(delete(Message).where(Message.contact_id == contact.id))
    db.execute(delete(ConversationSession).where(ConversationSession.contact_id == contact.id))
    db.delete(contact)
    db.flush()


def conversation(db: DbSession, contact: Contact, limit: int = 200) -> list[Message]:
    """Her latest messages, oldest first."""
    rows = db.scalars(select(Message).where(Message.contact_id == contact.id)
                      .order_by(Message.id.desc()).limit(limit))
    return list(reversed(list(rows)))
