"""`expect: text`: she answers in her own words; saved under `save`.

With `skippable: true`, the words of `answer.skip` go on without saving anything.
"""
from bot.engine.steps.base import INVALID, WAIT, Step, register
from bot.engine.textmatch import normalise

SKIP_KEY = "answer.skip"


@register("text")
class FreeText(Step):
    required = ("say", "expect", "save")
    optional = ("next", "skippable")
    waits = True

    def enter(self, turn, state):
        turn.say(state.spec["say"])
        return WAIT

    def handle(self, turn, state, text):
        if not text.strip():
            return INVALID
        if state.spec.get("skippable") and normalise(text) in turn.flows.texts.words(SKIP_KEY):
            return state.spec["next"]
        turn.save(state.spec["save"], text)
        return state.spec["next"]

    def text_keys(self, state):
        keys = super().text_keys(state)
        return keys + ([(SKIP_KEY, state.line_of("skippable"))] if state.spec.get("skippable") else [])

    def hint_key(self, turn, state):
        return turn.flows.settings.texts.get("hint_text")
