"""`expect: long_text`: her own words over as many messages as she needs, until she sends DONE.

Each message is kept and acknowledged (`settings.texts.long_text_more`: "write more, or DONE");
the words of `answer.done` finish. With `skippable: true`, the words of `answer.skip` go on without it.
"""
from bot.engine.steps.base import INVALID, WAIT, register
from bot.engine.steps.free_text import SKIP_KEY, FreeText
from bot.engine.textmatch import normalise

DONE_KEY = "answer.done"


@register("long_text")
class LongText(FreeText):
    """Like a free text answer (same fields, same skip), kept across several messages."""

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

    def text_keys(self, state):
        return super().text_keys(state) + [(DONE_KEY, state.line_of("expect"))]
