"""The engine's one window onto the world: what a flow's actions may ask of the caller.

The engine imports no database, web or messaging code. When an action needs something only
the caller has (a new unique case reference, the routing decision over today's directory, a
case's status behind its PIN), the caller passes an object with these methods to `resume`.
Everything they return is recorded in events, so a turn can be replayed from its events;
tests pass a fake.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class RouteDecision:
    route: str                    # counsellor_urgent | external_committee | councillor | internal
    reasons: tuple[str, ...]
    target_key: str | None = None  # the directory entry chosen, if any
    target_name: str | None = None


class Services(Protocol):
    def new_reference(self) -> str:
        """A case reference no other case has."""

    def route(self, answers: dict) -> RouteDecision:
        """Where a case with these answers goes, and why."""

    def case_status(self, reference: str, pin: str) -> str:
        """The case's status, or 'wrong' (bad reference or PIN) or 'locked' (too many wrong PINs)."""


@dataclass
class NoServices:
    """For flow sets without cases: any action that needs the caller fails loudly."""

    calls: list = field(default_factory=list)

    def new_reference(self) -> str:
        raise RuntimeError("this flow needs case services: pass them to resume()")

    def route(self, answers: dict) -> RouteDecision:
        raise RuntimeError("this flow needs case services: pass them to resume()")

    def case_status(self, reference: str, pin: str) -> str:
        raise RuntimeError("this flow needs case services: pass them to resume()")
