"""Where one woman is in her conversation: the only state the engine keeps between messages."""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum


class Status(str, Enum):
    """Stored as plain strings."""

    NEW = "new"              # no conversation yet, or it was cleared
    ACTIVE = "active"        # waiting for her answer at `flow.state`
    ENDED = "ended"          # the flow ended; her next message starts again at the entry
    ESCALATED = "escalated"  # a counsellor is asked for; the bot stays quiet


@dataclass
class Session:
    """Her conversation state; values are what the flows saved (answers, choices)."""

    flow: str | None = None
    state: str | None = None
    status: Status = Status.NEW
    values: dict = field(default_factory=dict)
    language: str | None = None
    attempts: int = 0
    opted_out: bool = False
    updated_at: datetime | None = None

    @property
    def position(self) -> str | None:
        return f"{self.flow}.{self.state}" if self.flow and self.state else None

    def copy(self) -> "Session":
        return copy.deepcopy(self)

    def to_dict(self) -> dict:
        return {
            "flow": self.flow, "state": self.state, "status": self.status.value,
            "values": self.values, "language": self.language, "attempts": self.attempts,
            "opted_out": self.opted_out,
        }
