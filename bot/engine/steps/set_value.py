"""`set: {name: value}`: save values without asking, then go on."""
from bot.engine.steps.base import Step, register


@register("set")
class SetValue(Step):
    required = ("set",)
    optional = ("next",)

    def enter(self, turn, state):
        for name, value in state.spec["set"].items():
            turn.save(name, value)
        return state.spec["next"]

    def check(self, state, report):
        if not isinstance(state.spec.get("set"), dict) or not state.spec["set"]:
            report(state.line_of("set"), "'set' must map names to values")
