"""What a turn of the conversation produced. The caller sends, stores and acts on these."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Event:
    """Base of every event; `as_dict()` is the form used in transcripts."""

    def as_dict(self) -> dict:
        raise NotImplementedError


@dataclass(frozen=True)
class Reply(Event):
    """A message to send to her, already rendered in her language."""

    text: str
    key: str

    def as_dict(self):
        return {"reply": self.text}


@dataclass(frozen=True)
class ValueSaved(Event):
    name: str
    value: object

    def as_dict(self):
        return {"saved": {self.name: self.value}}


@dataclass(frozen=True)
class Escalated(Event):
    """She asked for a counsellor (or the flow decided she needs one)."""

    reason: str

    def as_dict(self):
        return {"escalated": self.reason}


@dataclass(frozen=True)
class HeldForCounsellor(Event):
    """Her message is for the counsellor; the bot does not answer it."""

    def as_dict(self):
        return {"held_for_counsellor": True}


@dataclass(frozen=True)
class OptedOut(Event):
    def as_dict(self):
        return {"opted_out": True}


@dataclass(frozen=True)
class OptedIn(Event):
    def as_dict(self):
        return {"opted_in": True}


@dataclass(frozen=True)
class DataErased(Event):
    """She confirmed DELETE: the caller erases everything stored about her."""

    def as_dict(self):
        return {"erase_data": True}


@dataclass(frozen=True)
class SessionCleared(Event):
    """Quick exit: the conversation and its saved values are gone."""

    def as_dict(self):
        return {"session_cleared": True}


@dataclass(frozen=True)
class LanguageChanged(Event):
    language: str

    def as_dict(self):
        return {"language": self.language}


@dataclass(frozen=True)
class FlowEnded(Event):
    flow: str

    def as_dict(self):
        return {"ended": self.flow}


@dataclass(frozen=True)
class CaseOpened(Event):
    """She consented and answered: the caller stores the case (answers encrypted, PIN hashed)."""

    reference: str
    answers: dict
    pin: str | None
    route: str
    reasons: tuple
    target_key: str | None

    def as_dict(self):
        return {"case_opened": {"reference": self.reference, "answers": self.answers, "pin": self.pin,
                                "route": self.route, "reasons": list(self.reasons), "target": self.target_key}}


@dataclass(frozen=True)
class CaseReferred(Event):
    """She agreed to a referral and chose what is shared (everything, answers, reference)."""

    reference: str
    share: str

    def as_dict(self):
        return {"case_referred": {"reference": self.reference, "share": self.share}}


@dataclass(frozen=True)
class CaseChecked(Event):
    """She asked for a case's status with its reference and PIN (the caller counted wrong PINs)."""

    reference: str
    result: str

    def as_dict(self):
        return {"case_checked": {"reference": self.reference, "result": self.result}}
