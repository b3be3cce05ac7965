"""`expect: text`: she answers in her own words; saved under `save`."""
from bot.engine.steps.base import INVALID, WAIT, Step, register


@register("text")
class FreeText(Step):
    required = ("say", "expect", "save")
    optional = ("next",)
    waits = True

    def enter(self, turn, state):
        turn.say(state.spec["say"])
        return WAIT

    def handle(self, turn, state, text):
        if not text.strip():
            return INVALID
        turn.save(state.spec["save"], text)
        return state.spec["next"]

    def hint_key(self, turn, state):
        return turn.flows.settings.texts.get("hint_text")
