"""`expect: pin`: she chooses a PIN of 4 to 6 digits (any digit script); saved under `save`."""
from bot.engine.steps.base import INVALID, WAIT, Step, register
from bot.engine.textmatch import normalise


@register("pin")
class Pin(Step):
    required = ("say", "expect", "save")
    optional = ("next",)
    waits = True

    def enter(self, turn, state):
        turn.say(state.spec["say"])
        return WAIT

    def handle(self, turn, state, text):
        digits = normalise(text).replace(" ", "")
        if not (digits.isdigit() and 4 <= len(digits) <= 6):
            return INVALID
        turn.session.values[state.spec["save"]] = digits  # not a ValueSaved event: a PIN is never echoed
        return state.spec["next"]

    def hint_key(self, turn, state):
        return turn.flows.settings.texts.get("hint_pin")
