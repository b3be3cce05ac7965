"""`expect: long_text`: her own words over as many messages as she needs, until she sends DONE.

Each message is kept and acknowledged (`settings.texts.long_text_more`: "write more, or DONE");
the words of `answer.done` finish. With `skippable: true`, the words of `answer.skip` go on without it.
"""
from bot.engine.steps.base import INVALID, WAIT, Step, register
from bot.engine.textmatch import normalise

DONE_KEY, SKIP_KEY = "answer.done", "answer.skip"


@register("long_text")
class LongText(Step):
    required = ("say", "expect", "save")
    optional = ("next", "skippable")
    waits = True

    def enter(self, turn, state):
        turn.say(state.spec["say"])
        return WAIT

    def handle(self, turn, state, text):
        name, folded = state.spec["save"], normalise(text)
        written = turn.session.values.get(name, "")
        if folded in turn.flows.texts.words(DONE_KEY):
            if not written:
                return INVALID
            turn.save(name, written)
            return state.spec["next"]
        if not written and state.spec.get("skippable") and folded in turn.flows.texts.words(SKIP_KEY):
            return state.spec["next"]
        if not text.strip():
            return INVALID
        turn.session.values[name] = f"{written}\n{text}" if written else text
        turn.say(turn.flows.settings.texts["long_text_more"])
        return WAIT

    def hint_key(self, turn, state):
        return turn.flows.settings.texts.get("hint_text")

    def text_keys(self, state):
        keys = super().text_keys(state) + [(DONE_KEY, state.line_of("expect"))]
        return keys + ([(SKIP_KEY, state.line_of("skippable"))] if state.spec.get("skippable") else [])
