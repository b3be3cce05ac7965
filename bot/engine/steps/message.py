"""`say` a text, then go on to `next` without waiting."""
from bot.engine.steps.base import Step, register


@register("message")
class Message(Step):
    required = ("say",)
    optional = ("next",)

    def enter(self, turn, state):
        turn.say(state.spec["say"])
        return state.spec["next"]
