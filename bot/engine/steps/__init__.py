"""Step types, one small file each, registered by name. `kind_of` tells a state's type."""
from bot.engine.steps import (action, branch, end, escalate, free_text, goto, long_text, menu,  # noqa: F401
                              message, pages, pin, set_value, yes_no)
from bot.engine.steps.base import END, HOLD, INVALID, STEP_TYPES, WAIT, Outcome, Step

# A state's type is named by the one field only that type has; a plain `say` + `next` is a message.
TYPE_FIELDS = {"menu": "menu", "pages": "pages", "branch": "branch", "set": "set", "goto": "goto",
               "do": "action", "escalate": "escalate", "end": "end"}


def kind_of(spec: dict) -> tuple[str | None, str | None]:
    """(type name, None) or (None, problem) for a state's mapping."""
    found = [kind for field, kind in TYPE_FIELDS.items() if field in spec]
    if "expect" in spec:
        found.append(str(spec["expect"]))
    if len(found) > 1:
        return None, f"a state has one type, found {' and '.join(found)}"
    kind = found[0] if found else "message"
    if kind not in STEP_TYPES:
        return None, f"unknown type: '{kind}' (known: {', '.join(sorted(STEP_TYPES))})"
    return kind, None


__all__ = ["END", "HOLD", "INVALID", "STEP_TYPES", "WAIT", "Outcome", "Step", "kind_of"]
