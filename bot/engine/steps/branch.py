"""`branch: name` with `cases: {value: state}` and `default: state`: go by a saved value."""
from bot.engine.steps.base import Step, register


@register("branch")
class Branch(Step):
    required = ("branch", "cases", "default")
    target_fields = ("default",)

    def enter(self, turn, state):
        # Compared as text: a menu saves "1", while YAML reads the case key 1 as a number.
        value = _as_text(turn.session.values.get(state.spec["branch"]))
        cases = {_as_text(key): target for key, target in state.spec["cases"].items()}
        return cases.get(value, state.spec["default"])

    def targets(self, state):
        found = super().targets(state)
        cases = state.spec.get("cases")
        if isinstance(cases, dict):
            found += [(target, cases.line_of(value)) for value, target in cases.items() if isinstance(target, str)]
        return found

    def check(self, state, report):
        if not isinstance(state.spec.get("cases"), dict) or not state.spec["cases"]:
            report(state.line_of("cases"), "'cases' must map saved values to states")


def _as_text(value) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    return None if value is None else str(value)
