"""What every step type has in common, and its registry by name."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.engine.flowset import State
    from bot.engine.resume import Turn

STEP_TYPES: dict[str, "Step"] = {}


class Outcome:
    """What a step tells the engine to do next (besides going to a state, given as its ref)."""

    def __init__(self, name: str):
        self.name = name

    def __repr__(self):
        return f"<{self.name}>"


WAIT = Outcome("wait")        # stay here until she answers
END = Outcome("end")          # the conversation is over
HOLD = Outcome("hold")        # a counsellor takes over
INVALID = Outcome("invalid")  # her answer does not fit: re-prompt


def register(name: str):
    """Class decorator: make a step type available to flows as `name`."""

    def add(cls):
        cls.name = name
        STEP_TYPES[name] = cls()
        return cls

    return add


class Step:
    """A step type. Subclasses list their fields and implement `enter` (and `handle` if they wait)."""

    name = ""
    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    target_fields: tuple[str, ...] = ("next",)   # fields naming a state to go to
    waits = False

    def targets(self, state: "State") -> list[tuple[str, int]]:
        """(ref, line) of every state this one can lead to."""
        found = []
        for name in self.target_fields:
            value = state.spec.get(name)
            if isinstance(value, str):
                found.append((value, state.line_of(name)))
        return found

    def text_keys(self, state: "State") -> list[tuple[str, int]]:
        """(locale key, line) of every text this state uses."""
        say = state.spec.get("say")
        return [(say, state.line_of("say"))] if isinstance(say, str) else []

    def check(self, state: "State", report) -> None:
        """Extra checks of this type's fields; `report(line, message)` records a problem."""

    def ends(self, state: "State") -> bool:
        """True when stopping here is intended (no `next` needed)."""
        return False

    def enter(self, turn: "Turn", state: "State"):
        raise NotImplementedError

    def handle(self, turn: "Turn", state: "State", text: str):
        raise NotImplementedError(f"{self.name} does not take input")

    def hint_key(self, turn: "Turn", state: "State") -> str | None:
        return None

    def reminder(self, turn: "Turn", state: "State") -> str | None:
        """What to repeat under the hint when the whole question with it would cost too many SMS."""
        return None

    def reprompt(self, turn: "Turn", state: "State") -> None:
        """Ask again after an answer that did not fit (by default: the question as on arrival)."""
        self.enter(turn, state)
