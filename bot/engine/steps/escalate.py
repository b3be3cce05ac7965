"""`escalate: reason`: `say` that a counsellor is asked for; from now on her messages go to one."""
from bot.engine.events import Escalated
from bot.engine.steps.base import HOLD, Step, register


@register("escalate")
class Escalate(Step):
    required = ("escalate", "say")
    target_fields = ()

    def ends(self, state):
        return True

    def enter(self, turn, state):
        turn.say(state.spec["say"])
        turn.emit(Escalated(str(state.spec["escalate"])))
        return HOLD
