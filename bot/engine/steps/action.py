"""`do: name`: run a registered action (see bot/engine/actions.py), then go to `next`."""
from bot.engine.actions import ACTIONS
from bot.engine.steps.base import Step, register


@register("action")
class Action(Step):
    required = ("do",)
    optional = ("next",)

    def enter(self, turn, state):
        ACTIONS[state.spec["do"]](turn)
        return state.spec["next"]

    def check(self, state, report):
        name = state.spec.get("do")
        if name not in ACTIONS:
            known = ", ".join(sorted(ACTIONS))
            report(state.line_of("do"), f"unknown action '{name}' (known: {known})")
