"""Actions a flow can run with `do: name`. Each changes the session and reports events; none does I/O."""
from __future__ import annotations

from typing import Callable

from bot.engine.events import DataErased, LanguageChanged, OptedIn, OptedOut, SessionCleared

ACTIONS: dict[str, Callable] = {}


def action(name: str):
    """Decorator: make `fn(turn)` available to flows as `do: name`."""

    def add(fn):
        ACTIONS[name] = fn
        return fn

    return add


@action("set_language")
def set_language(turn) -> None:
    """Use the language saved as `language` (by a language menu) from now on."""
    language = turn.session.values.pop("language", None)
    if language in turn.flows.texts.languages:
        turn.session.language = language
        turn.emit(LanguageChanged(language))


@action("opt_out")
def opt_out(turn) -> None:
    """STOP: no more messages until she sends START."""
    turn.session.opted_out = True
    turn.emit(OptedOut())


@action("opt_in")
def opt_in(turn) -> None:
    turn.session.opted_out = False
    turn.emit(OptedIn())


@action("quick_exit")
def quick_exit(turn) -> None:
    """Forget the conversation at once: saved values go, her next message starts afresh."""
    turn.session.values.clear()
    turn.emit(SessionCleared())


@action("erase_data")
def erase_data(turn) -> None:
    """She confirmed DELETE: the caller erases every stored message and record of hers."""
    turn.session.values.clear()
    turn.emit(DataErased())
