"""`end: true`: optionally `say` a last text; her next message starts again at the entry."""
from bot.engine.steps.base import END, Step, register


@register("end")
class End(Step):
    required = ("end",)
    optional = ("say",)

    def check(self, state, report):
        if state.spec.get("end") is not True:
            report(state.line_of("end"), "'end' must be true")

    def ends(self, state):
        return True

    def enter(self, turn, state):
        if "say" in state.spec:
            turn.say(state.spec["say"])
        return END
