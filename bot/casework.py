"""What staff may see of cases and chats, decided in the database query and nowhere else.

A partner (a committee member or councillor) sees only cases referred to her directory entry
after the woman agreed, and only the answers she chose to share. Nobody on staff sees a phone
number: a woman is shown by a stable pseudonym. Reading a case or a chat is itself recorded.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session as DbSession

from bot.crypto import Vault
from bot.store import conversations as store
from bot.store.models import Case, CaseEvent, Chat, ChatEvent, Contact, DirectoryEntry, Message, Role, User

# The answers a partner does NOT see, by what she chose to share (report.refer). Any other choice
# ("reference": only the case number and its status) shows her no answer at all.
PARTNER_HIDDEN = {
    "everything": set(),       # every answer, her own words included
    "answers": {"narrative"},  # every answer but her own words
}
PRIVATE_ANSWERS = {"contact", "language"}
"""Never shown to partners whatever she shared: how the helpline may reach her."""
PARTNER_EVENTS = {"opened", "referral_agreed", "referral_queued", "status_changed"}


@dataclass(frozen=True)
class Entry:
    """One line of a timeline: when, who, what kind of thing, and its text (already decrypted)."""

    at: datetime
    actor: str
    kind: str
    text: str
    direction: str = ""  # "in" / "out" for messages, to style them


def is_partner(user: User) -> bool:
    return user.role == Role.PARTNER.value


def visible_cases(user: User) -> Select:
    """Cases this user may open, newest first. A partner's are filtered here, in SQL."""
    query = select(Case).order_by(Case.created_at.desc(), Case.id.desc())
    if is_partner(user):
        query = query.where(Case.directory_id == user.directory_id, Case.directory_id.is_not(None),
                            Case.shared_enc.is_not(None))
    return query


def find_case(db: DbSession, user: User, reference: str) -> Case | None:
    """The case, or None when it does not exist *or* this user may not see it (both a 404)."""
    return db.scalars(visible_cases(user).where(Case.reference == reference.strip().upper())).one_or_none()


def pseudonym(vault: Vault, contact_id: int | None) -> str:
    return vault.pseudonym(contact_id) if contact_id else "Guest (data deleted)"


def answers_for(vault: Vault, case: Case, user: User) -> dict:
    answers = vault.decrypt_json(case.answers_enc, {}) or {}
    if not is_partner(user):
        return answers
    hidden = PARTNER_HIDDEN.get(shared_choice(vault, case))
    if hidden is None:
        return {}
    return {name: value for name, value in answers.items() if name not in PRIVATE_ANSWERS | hidden}


def shared_choice(vault: Vault, case: Case) -> str:
    return (vault.decrypt_json(case.shared_enc, {}) or {}).get("share", "nothing yet")


def target_of(db: DbSession, case: Case) -> DirectoryEntry | None:
    return db.get(DirectoryEntry, case.directory_id) if case.directory_id else None


def timeline(db: DbSession, vault: Vault, case: Case, user: User) -> list[Entry]:
    """Everything that happened to the case, in order; for counsellors also her messages and chats."""
    entries = [Entry(e.created_at, e.actor, e.kind, describe(e.kind, vault.decrypt_json(e.detail_enc)))
               for e in db.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id))
               if not is_partner(user) or e.kind in PARTNER_EVENTS]
    if not is_partner(user) and case.contact_id:
        contact = db.get(Contact, case.contact_id)
        if contact is not None:
            entries += [entry for _, entry in message_entries(db, vault, contact)]
            entries += [Entry(e.created_at, e.actor, e.kind, describe(e.kind, vault.decrypt_json(e.detail_enc)))
                        for e in db.scalars(select(ChatEvent).join(Chat).where(Chat.contact_id == contact.id))]
    return sorted(entries, key=lambda entry: entry.at)


def message_entries(db: DbSession, vault: Vault, contact: Contact, after_id: int = 0) -> list[tuple[int, Entry]]:
    """Her messages and the answers she got (bot or counsellor), oldest first, each with its id."""
    rows = [m for m in store.conversation(db, contact) if m.id > after_id and m.kind != "referral"]
    return [(m.id, _message_entry(vault, m)) for m in rows]


def chat_events(db: DbSession, vault: Vault, chat: Chat) -> list[Entry]:
    return [Entry(e.created_at, e.actor, e.kind, describe(e.kind, vault.decrypt_json(e.detail_enc)))
            for e in db.scalars(select(ChatEvent).where(ChatEvent.chat_id == chat.id).order_by(ChatEvent.id))]


def describe(kind: str, detail: dict | None) -> str:
    """A trail event in a few words for the console (staff-facing, English)."""
    detail = detail or {}
    if kind == "note":
        return detail.get("text", "")
    if kind == "status_changed":
        return f"status {detail.get('from')} → {detail.get('to')}"
    if kind == "rerouted":
        to = detail.get("to", {})
        return f"re-routed to {to.get('route')}{' (' + to['target'] + ')' if to.get('target') else ''}: " \
               f"{detail.get('reason', '')}"
    if kind == "routed":
        return f"routed to {detail.get('route')} because {', '.join(detail.get('reasons', []))}"
    if kind == "referral_agreed":
        return f"she agreed to a referral, sharing: {detail.get('share')}"
    if kind == "queued":
        return f"asked for a counsellor ({detail.get('reason')})"
    if kind == "released":
        return f"back in the queue: {detail.get('why', '')}"
    extra = {k: v for k, v in detail.items() if k not in ("message",)}
    return json.dumps(extra, ensure_ascii=False) if extra else ""  # the console shows the kind beside it


def _message_entry(vault: Vault, message: Message) -> Entry:
    if message.direction == "in":
        actor = "her"
    else:
        actor = "counsellor" if message.kind == "counsellor" else "bot"
    return Entry(message.created_at, actor, "message", vault.decrypt(message.body_enc) or "", message.direction)
