"""Every message each state sends on arrival, in a given language, exactly as a phone gets it.

Used by `flows check` (SMS budgets, safe first lines) and by coordinators previewing a language.
Placeholders that only exist at run time (a case reference) get a sample value of typical length.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from bot.engine.events import Reply
from bot.engine.flowset import FlowSet, State
from bot.engine.session import Session
from bot.engine.steps import STEP_TYPES
from bot.engine.steps.pages import compose
from bot.engine.texts import placeholders

SAMPLE_VALUE = "K7M4PX9Q"  # as long as a case reference or a short answer
SILENT_KINDS = {"action", "set", "branch", "goto"}  # they send nothing (and actions may need the caller)


# Settings texts sent as messages of their own (the hints go on top of a question, pages texts under a part).
STANDALONE_SETTINGS_TEXTS = ("welcome_back", "stuck")


@dataclass(frozen=True)
class Preview:
    state: State | None  # None for a settings text
    key: str      # the locale key the message is built on (its budget and its place in the files)
    text: str
    asked_again: bool = False  # the question repeated after a wrong answer, with the hint on top


def sample_values(flows: FlowSet) -> dict:
    names = set()
    for language in flows.texts.languages:
        for entry in flows.texts.texts.get(language, {}).values():
            names |= placeholders(entry.value)
    return {name: SAMPLE_VALUE for name in names - set(flows.numbers)}


def state_messages(flows: FlowSet, state: State, language: str, values: dict | None = None) -> list[Preview]:
    """The messages `state` sends when she arrives (each part, for pages)."""
    from bot.engine.resume import Turn  # resume imports the steps; imported here to keep the order simple

    values = sample_values(flows) if values is None else values
    if state.kind in SILENT_KINDS:
        return []
    if state.kind == "pages":
        keys = state.spec["pages"]
        params = {**flows.numbers, **values}
        return [Preview(state, key, compose(flows, language, keys, index, flows.texts.render(language, key, params)))
                for index, key in enumerate(keys)]
    turn = Turn(flows, Session(language=language, values=dict(values)), datetime.now(timezone.utc))
    STEP_TYPES[state.kind].enter(turn, state)
    return [Preview(state, event.key, event.text) for event in turn.events if isinstance(event, Reply)]


def all_messages(flows: FlowSet, language: str) -> list[Preview]:
    """Every message of every state, and the texts settings say are sent outside the flows, in `language`."""
    values = sample_values(flows)
    settings = [Preview(None, flows.settings.texts[role], flows.texts.render(language, flows.settings.texts[role]))
                for role in STANDALONE_SETTINGS_TEXTS if role in flows.settings.texts]
    params = {**flows.numbers, **values}
    also = [Preview(None, key, flows.texts.render(language, key, params))
            for pattern, _ in flows.settings.also_sent for key in flows.texts.expand(pattern)]
    states = [state for flow in flows.flows.values() for state in flow.states.values()]
    return (settings + also + [preview for state in states for preview in state_messages(flows, state, language, values)]
            + [preview for state in states for preview in asked_again(flows, state, language, values)])


def asked_again(flows: FlowSet, state: State, language: str, values: dict | None = None) -> list[Preview]:
    """What she gets when her answer to `state` did not fit (nothing for states that do not wait)."""
    from bot.engine.resume import Turn

    if not STEP_TYPES[state.kind].waits:
        return []
    values = sample_values(flows) if values is None else values
    turn = Turn(flows, Session(language=language, values=dict(values)), datetime.now(timezone.utc))
    turn.reprompt(state)
    return [Preview(state, event.key, event.text, asked_again=True) for event in turn.events if isinstance(event, Reply)]
