"""`goto: flow.state`: continue in another flow (or another state of this one)."""
from bot.engine.steps.base import Step, register


@register("goto")
class Goto(Step):
    required = ("goto",)
    target_fields = ("goto",)

    def enter(self, turn, state):
        return state.spec["goto"]
