"""Cases: what the report flow's events become in the database, and the services the engine asks for.

A case is written in the same transaction as the message that completed her report. Her answers
and what she agreed to share are encrypted; the PIN is stored only as a slow salted hash; every
change is an event in the append-only trail.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from bot import outbox, routing
from bot.crypto import Vault
from bot.engine import events as ev
from bot.engine.services import RouteDecision
from bot.store.models import Case, CaseEvent, CaseStatus, Contact, DirectoryEntry

# No look-alikes: no 0/O/Q/D, 1/I/L, 2/Z, 5/S, 8/B, 6/G, U/V.
REFERENCE_ALPHABET = "ACEFHJKMNPRTWXY3479"
REFERENCE_LENGTH = 8
PIN_TRIES = 5                       # wrong PINs in a row before the case is locked...
PIN_LOCK = timedelta(hours=24)      # ...for this long
PIN_ITERATIONS = 200_000


class CaseError(Exception):
    """A change staff asked for that cannot be made; the message says why."""


ROUTES = routing.ROUTES


def hash_pin(pin: str) -> str:
    salt = secrets.token_hex(16)
    digest = hashlib.pbkdf2_hmac("sha256", pin.encode(), bytes.fromhex(salt), PIN_ITERATIONS).hex()
    return f"pbkdf2_sha256${PIN_ITERATIONS}${salt}${digest}"


def pin_matches(pin: str, stored: str | None) -> bool:
    if not stored:
        return False
    _, iterations, salt, digest = stored.split("$")
    candidate = hashlib.pbkdf2_hmac("sha256", pin.encode(), bytes.fromhex(salt), int(iterations)).hex()
    return hmac.compare_digest(candidate, digest)


def add_event(db: DbSession, vault: Vault, case: Case, kind: str, actor: str, now: datetime,
              detail: dict | None = None) -> CaseEvent:
    event = CaseEvent(case_id=case.id, kind=kind, actor=actor, created_at=now,
                      detail_enc=vault.encrypt_json(detail) if detail else None)
    db.add(event)
    return event


class CaseServices:
    """What the engine's case actions ask of the caller, answered from the database (see engine/services.py)."""

    def __init__(self, db: DbSession, vault: Vault, now: datetime, router):
        self.db, self.vault, self.now, self.router = db, vault, now, router

    def new_reference(self) -> str:
        while True:
            reference = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))
            if self.db.scalar(select(Case.id).where(Case.reference == reference)) is None:
                return reference

    def route(self, answers: dict) -> RouteDecision:
        return self.router(self.db, answers)

    def case_status(self, reference: str, pin: str) -> str:
        case = self.db.scalars(select(Case).where(Case.reference == reference).with_for_update()).one_or_none()
        if case is None:
            return "wrong"
        if case.pin_locked_until and case.pin_locked_until > self.now:
            return "locked"
        if not pin_matches(pin, case.pin_hash):
            case.pin_failures += 1
            if case.pin_failures >= PIN_TRIES:
                case.pin_locked_until, case.pin_failures = self.now + PIN_LOCK, 0
            add_event(self.db, self.vault, case, "status_check_failed", "her", self.now)
            return "wrong"
        case.pin_failures, case.pin_locked_until = 0, None
        add_event(self.db, self.vault, case, "status_checked", "her", self.now)
        return case.status


def apply_case_events(db: DbSession, vault: Vault, contact: Contact | None, events: list, now: datetime,
                      on_referred) -> None:
    """Store what the report and check flows did. `on_referred(case)` queues the partner's notification."""
    for event in events:
        if isinstance(event, ev.CaseOpened):
            case = Case(reference=event.reference, contact_id=contact.id if contact else None,
                        status=CaseStatus.NEW.value, language=event.answers.get("language"),
                        answers_enc=vault.encrypt_json(event.answers), route=event.route,
                        route_reasons=json.dumps(list(event.reasons)),
                        pin_hash=hash_pin(event.pin) if event.pin else None,
                        created_at=now, updated_at=now)
            case.directory_id = _directory_id(db, event.target_key)
            db.add(case)
            db.flush()
            add_event(db, vault, case, "opened", "her", now)
            add_event(db, vault, case, "routed", "system", now,
                      {"route": event.route, "reasons": list(event.reasons), "target": event.target_key})
        elif isinstance(event, ev.CaseReferred):
            case = db.scalars(select(Case).where(Case.reference == event.reference)).one()
            case.shared_enc = vault.encrypt_json({"share": event.share})
            case.status, case.updated_at = CaseStatus.REFERRED.value, now
            add_event(db, vault, case, "referral_agreed", "her", now, {"share": event.share})
            on_referred(case)


def route_case(db: DbSession, answers: dict) -> RouteDecision:
    """The routing rules (loaded at start-up) over today's active directory."""
    entries = db.scalars(select(DirectoryEntry).where(DirectoryEntry.active.is_(True))).all()
    decision = routing.decide(answers, entries, current_app.extensions.get("routing_rules"))
    return RouteDecision(decision.route, tuple(decision.reasons), decision.target_key, decision.target_name)


def notify_partner(db: DbSession, vault: Vault, case: Case, now: datetime):
    """Queue the referral SMS to the committee or councillor: the reference and a console link, nothing else."""
    entry = db.get(DirectoryEntry, case.directory_id) if case.directory_id else None
    if entry is None:
        add_event(db, vault, case, "referral_not_sent", "system", now, {"why": "no directory entry"})
        return None
    flows = current_app.extensions["flows"]
    languages = [code.strip() for code in entry.languages.split(",") if code.strip() in flows.texts.languages]
    link = f"{current_app.config['PUBLIC_BASE_URL']}/console/cases/{case.reference}"
    body = flows.texts.render(languages[0] if languages else flows.texts.default, "report.partner_referral",
                              {"reference": case.reference, "link": link})
    message = outbox.queue_message(db, vault, to=entry.phone, channel="sms", body=body, kind="referral",
                                   now=now, case_id=case.id)
    add_event(db, vault, case, "referral_queued", "system", now, {"to": entry.key, "message": message.id})
    return message


def reroute(db: DbSession, vault: Vault, case: Case, route: str, target_key: str | None, reason: str, actor: str,
            now: datetime) -> None:
    """Staff override the routing decision; the reason stays in the trail (reason code staff_override)."""
    if route not in ROUTES:
        raise CaseError(f"unknown route '{route}' (known: {', '.join(ROUTES)})")
    if not reason.strip():
        raise CaseError("give the reason for the override")
    target = None
    if target_key:
        target = db.scalars(select(DirectoryEntry).where(DirectoryEntry.key == target_key)).one_or_none()
        if target is None:
            raise CaseError(f"no directory entry {target_key}")
    before = {"route": case.route, "target": case.directory_id}
    case.route, case.directory_id, case.updated_at = route, target.id if target else None, now
    case.route_reasons = json.dumps(json.loads(case.route_reasons or "[]") + ["staff_override"])
    add_event(db, vault, case, "rerouted", actor, now,
              {"from": before, "to": {"route": route, "target": target_key}, "reason": reason.strip()})


def set_status(db: DbSession, vault: Vault, case: Case, status: str, actor: str, now: datetime) -> None:
    if status not in {s.value for s in CaseStatus}:
        raise CaseError(f"unknown status '{status}'")
    if status != case.status:
        add_event(db, vault, case, "status_changed", actor, now, {"from": case.status, "to": status})
        case.status, case.updated_at = status, now


def erase_cases(db: DbSession, contact: Contact) -> None:
    """She asked to delete her data: her cases and their trails go too."""
    for case in db.scalars(select(Case).where(Case.contact_id == contact.id)):
        db.delete(case)
    db.flush()


def _directory_id(db: DbSession, key: str | None) -> int | None:
    return None if key is None else db.scalar(select(DirectoryEntry.id).where(DirectoryEntry.key == key))
