"""Tables. Phone numbers, message bodies and saved values are stored encrypted (`*_enc`)."""
from __future__ import annotations

from datetime import datetime, timezone
from enum import Enum

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes on every database (SQLite would give back naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime: pass an aware UTC datetime")
        return value.astimezone(timezone.utc) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        # SQLite gives back naive times (stored as UTC); PostgreSQL gives the session's zone.
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime()}


class Direction(str, Enum):
    IN = "in"
    OUT = "out"


class MessageStatus(str, Enum):
    """Delivery status; Twilio's callbacks may only move it forward (see STATUS_RANK)."""

    RECEIVED = "received"    # inbound, stored
    REPLIED = "replied"      # outbound, handed to Twilio in the webhook's TwiML reply
    PENDING = "pending"      # outbound, in the outbox, waiting for the send job
    CLAIMED = "claimed"      # a worker holds it (until lease_until) and is calling Twilio
    LOGGED = "logged"        # no Twilio credentials (development): written to the log and the outbox page
    ACCEPTED = "accepted"
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    UNDELIVERED = "undelivered"
    FAILED = "failed"
    READ = "read"


STATUS_RANK = {"received": 0, "replied": 0, "pending": 0, "claimed": 0, "logged": 4, "accepted": 1, "scheduled": 1, "queued": 1, "sending": 2, "sent": 3,
               "delivered": 4, "undelivered": 4, "failed": 4, "read": 5}


class Contact(Base):
    """A woman who has written to the helpline, found by a keyed hash of her E.164 number."""

    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone_hash: Mapped[str] = mapped_column(String(64), unique=True)
    phone_enc: Mapped[str] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(String(16))  # the channel she last used: sms | whatsapp
    language: Mapped[str | None] = mapped_column(String(16))
    opted_out: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]


class ConversationSession(Base):
    """Where her conversation stands (one row per contact)."""

    __tablename__ = "sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), unique=True)
    flow: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    values_enc: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Message(Base):
    """One message in or out. `twilio_sid` is unique: a retried webhook is recognised by it."""

    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"), index=True)
    direction: Mapped[str] = mapped_column(String(3))
    channel: Mapped[str] = mapped_column(String(16))
    twilio_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    body_enc: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    segments: Mapped[int] = mapped_column(Integer, default=0)
    reply_to_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), index=True)
    error_code: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(index=True)
    updated_at: Mapped[datetime]

    # Outbound messages sent through Twilio's API (not as a webhook reply) are this table's outbox:
    # status "pending" rows are sent by the bot.tasks.send_message job; see bot/outbox.py.
    to_enc: Mapped[str | None] = mapped_column(Text)  # the recipient when not a contact (a partner's number)
    kind: Mapped[str] = mapped_column(String(16), default="reply")  # reply | notice | referral | alert | counsellor
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(index=True)
    lease_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(200))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"), index=True)


class CaseStatus(str, Enum):
    NEW = "new"
    REFERRED = "referred"
    IN_PROGRESS = "in_progress"
    CLOSED = "closed"


class Case(Base):
    """An initial report she made, with her consent. Answers are encrypted; only the status is told by SMS."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=CaseStatus.NEW.value)
    language: Mapped[str | None] = mapped_column(String(16))
    answers_enc: Mapped[str | None] = mapped_column(Text)
    route: Mapped[str | None] = mapped_column(String(32))        # counsellor_urgent | external_committee | councillor | internal
    route_reasons: Mapped[str | None] = mapped_column(Text)      # JSON list of short reason codes
    directory_id: Mapped[int | None] = mapped_column(ForeignKey("directory_entries.id", ondelete="SET NULL"))
    shared_enc: Mapped[str | None] = mapped_column(Text)         # the fields she agreed to share with the partner
    pin_hash: Mapped[str | None] = mapped_column(String(200))
    pin_failures: Mapped[int] = mapped_column(Integer, default=0)
    pin_locked_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(index=True)
    updated_at: Mapped[datetime]


class CaseEvent(Base):
    """The append-only trail of a case: what happened, who did it, when (never updated)."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(64))   # "her", "bot", "system" or a staff username
    detail_enc: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]


class DirectoryEntry(Base):
    """A committee or councillor cases can be referred to (loaded with `flask directory load`)."""

    __tablename__ = "directory_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)   # the entry's id in the YAML file
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))              # external_committee | national_committee | councillor
    province: Mapped[str | None] = mapped_column(String(32))   # None for the national committee
    district: Mapped[str | None] = mapped_column(String(64))
    languages: Mapped[str] = mapped_column(String(100))        # comma-separated codes: ur,bal
    phone: Mapped[str] = mapped_column(String(32))             # E.164, a partner's work number
    active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime]


class Role(str, Enum):
    """What a staff member may do in the console."""

    COUNSELLOR = "counsellor"    # the chat queue and case work
    COORDINATOR = "coordinator"  # as a counsellor, plus the directory and flows
    ADMIN = "admin"              # everything, including accounts
    PARTNER = "partner"          # a committee member or councillor: only the cases referred to her entry


class User(Base):
    """A staff member who logs in to the console. The password is kept only as an Argon2 hash."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    directory_id: Mapped[int | None] = mapped_column(ForeignKey("directory_entries.id", ondelete="SET NULL"))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]
    last_login_at: Mapped[datetime | None]


class LoginFailure(Base):
    """A failed login, kept for a while to slow down password guessing (by username and by address)."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), index=True)  # keyed hash of "user:name" or "ip:address"
    created_at: Mapped[datetime] = mapped_column(index=True)


class ChatStatus(str, Enum):
    WAITING = "waiting"  # in the queue for a counsellor
    HELD = "held"        # a counsellor has claimed it: her messages go to that counsellor
    CLOSED = "closed"    # handed back to the bot, closed by the counsellor, or she left


class Chat(Base):
    """A conversation escalated to a counsellor: in the queue, held by one counsellor, or closed."""

    __tablename__ = "chats"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(32))               # asked, danger_now, case_follow_up...
    status: Mapped[str] = mapped_column(String(16), index=True)
    counsellor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    claimed_at: Mapped[datetime | None]
    last_reply_at: Mapped[datetime | None]      # the counsellor's last reply
    told_waiting_at: Mapped[datetime | None]    # when the bot told her nobody was free yet
    closed_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]


class ChatEvent(Base):
    """The append-only trail of a chat: claims, notes, replies, hand-backs, views (never updated)."""

    __tablename__ = "chat_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[int] = mapped_column(ForeignKey("chats.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(64))   # "her", "bot", "system" or a staff username
    detail_enc: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
