"""`branch: name` with `cases: {value: state}` and `default: state`: go by a saved value."""
from bot.engine.steps.base import Step, register


@register("branch")
class Branch(Step):
    required = ("branch", "cases", "default")
    target_fields = ("default",)

    def enter(self, turn, state):
        value = turn.session.values.get(state.spec["branch"])
        cases = state.spec["cases"]
        return cases.get(value if not isinstance(value, bool) else str(value).lower(), state.spec["default"])

    def targets(self, state):
        found = super().targets(state)
        cases = state.spec.get("cases")
        if isinstance(cases, dict):
            found += [(target, cases.line_of(value)) for value, target in cases.items() if isinstance(target, str)]
        return found

    def check(self, state, report):
        if not isinstance(state.spec.get("cases"), dict) or not state.spec["cases"]:
            report(state.line_of("cases"), "'cases' must map saved values to states")
