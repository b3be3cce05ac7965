"""Actions a flow can run with `do: name`. Each changes the session and reports events; none does I/O."""
from __future__ import annotations

from typing import Callable

from bot.engine.events import (CaseChecked, CaseOpened, CaseReferred, DataErased, LanguageChanged, OptedIn,
                               OptedOut, SessionCleared)

# What the report flow saves that is not an answer to keep in the case.
NOT_ANSWERS = {"pin", "reference", "route", "target", "share", "case_status", "check_reference", "check_pin"}

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


@action("open_case")
def open_case(turn) -> None:
    """Record her report: a new reference, the routing decision, then the answers leave the session.

    After this the session keeps only what the rest of the flow shows her: the reference, the
    route and the name of whom it would go to. Skipped questions ("skip") are not answers.
    """
    values = turn.session.values
    answers = {name: value for name, value in values.items()
               if not name.startswith("_") and name not in NOT_ANSWERS and value != "skip"}
    answers["language"] = turn.language
    decision = turn.services.route(answers)
    reference = turn.services.new_reference()
    turn.emit(CaseOpened(reference, answers, values.get("pin"), decision.route, tuple(decision.reasons),
                         decision.target_key))
    values.clear()
    # A referral needs someone to refer to: with nobody in the directory for her, a counsellor follows up.
    route = decision.route
    if route in ("external_committee", "councillor") and not decision.target_name:
        route = "counsellor_urgent"
    values.update(reference=reference, route=route, target=decision.target_name or "")


@action("refer_case")
def refer_case(turn) -> None:
    """She agreed to be referred and chose what is shared (saved as `share` by the flow)."""
    turn.emit(CaseReferred(turn.session.values["reference"], turn.session.values.get("share", "reference")))


@action("check_case")
def check_case(turn) -> None:
    """Her case's status from its reference and PIN; the reference and PIN leave the session at once."""
    reference = "".join(turn.session.values.pop("check_reference", "").split()).upper()
    result = turn.services.case_status(reference, turn.session.values.pop("check_pin", ""))
    turn.session.values["case_status"] = result
    turn.emit(CaseChecked(reference, result))
