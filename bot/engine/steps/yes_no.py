"""`expect: yes_no`: a question answered yes or no (1/2 or the words of `answer.yes` / `answer.no`)."""
from bot.engine.steps.base import INVALID, WAIT, Step, register
from bot.engine.textmatch import normalise, parse_choice

YES_KEY, NO_KEY = "answer.yes", "answer.no"


@register("yes_no")
class YesNo(Step):
    required = ("say", "expect", "on")
    optional = ("save",)
    target_fields = ()
    waits = True

    def enter(self, turn, state):
        turn.say(state.spec["say"])
        return WAIT

    def handle(self, turn, state, text):
        number = parse_choice(text)
        folded = normalise(text)
        if number == 1 or folded in turn.flows.texts.words(YES_KEY):
            answer = "yes"
        elif number == 2 or folded in turn.flows.texts.words(NO_KEY):
            answer = "no"
        else:
            return INVALID
        if "save" in state.spec:
            turn.save(state.spec["save"], answer)
        return state.spec["on"][answer]

    def hint_key(self, turn, state):
        return turn.flows.settings.texts.get("hint_yes_no")

    def targets(self, state):
        on = state.spec.get("on")
        if not isinstance(on, dict):
            return []
        return [(on[k], on.line_of(k)) for k in ("yes", "no") if isinstance(on.get(k), str)]

    def text_keys(self, state):
        return super().text_keys(state) + [(YES_KEY, state.line_of("expect")), (NO_KEY, state.line_of("expect"))]

    def check(self, state, report):
        on = state.spec.get("on")
        if not isinstance(on, dict) or set(on) != {"yes", "no"}:
            report(state.line_of("on"), "'on' must name a state for 'yes' and for 'no'")
