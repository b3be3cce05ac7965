"""A numbered menu: `say` a prompt, list the options, take a number (any digit script) or a label.

Options are a list of {label, value?, next?}; `menu: languages` lists the enabled languages,
each named in its own language. The chosen value is saved under `save` when given.
"""
from bot.engine.steps.base import INVALID, WAIT, Step, register
from bot.engine.textmatch import normalise, parse_choice

LANGUAGE_NAME_KEY = "language.name"


@register("menu")
class Menu(Step):
    required = ("say", "menu")
    optional = ("save", "next")
    waits = True

    def options(self, turn, state):
        """[(label text, value, next ref or None)] in the order shown."""
        menu = state.spec["menu"]
        if menu == "languages":
            return [(turn.flows.texts.render(lang, LANGUAGE_NAME_KEY), lang, None)
                    for lang in turn.flows.texts.languages]
        return [(turn.text(option["label"]), option.get("value", str(index)), option.get("next"))
                for index, option in enumerate(menu, start=1)]

    def enter(self, turn, state):
        turn.send(f"{turn.text(state.spec['say'])}\n{self.reminder(turn, state)}", state.spec["say"])
        return WAIT

    def reminder(self, turn, state):
        """The numbered options."""
        return "\n".join(f"{number}. {label}" for number, (label, _, _) in enumerate(self.options(turn, state), 1))

    def handle(self, turn, state, text):
        options = self.options(turn, state)
        number = parse_choice(text)
        chosen = None
        if number is not None and 1 <= number <= len(options):
            chosen = options[number - 1]
        else:
            folded = normalise(text)
            chosen = next((o for o in options if folded and normalise(o[0]) == folded), None)
        if chosen is None:
            return INVALID
        _, value, target = chosen
        if "save" in state.spec:
            turn.save(state.spec["save"], value)
        return target or state.spec["next"]

    def hint_key(self, turn, state):
        return turn.flows.settings.texts.get("hint_menu")

    def targets(self, state):
        found = super().targets(state)
        menu = state.spec.get("menu")
        if isinstance(menu, list):
            for index, option in enumerate(menu):
                if isinstance(option, dict) and isinstance(option.get("next"), str):
                    found.append((option["next"], option.line_of("next")))
        return found

    def text_keys(self, state):
        keys = super().text_keys(state)
        menu = state.spec.get("menu")
        if menu == "languages":
            keys.append((LANGUAGE_NAME_KEY, state.line_of("menu")))
        elif isinstance(menu, list):
            keys += [(o["label"], o.line_of("label")) for o in menu
                     if isinstance(o, dict) and isinstance(o.get("label"), str)]
        return keys

    def check(self, state, report):
        menu = state.spec.get("menu")
        if menu == "languages":
            if "next" not in state.spec:
                report(state.line, "a language menu needs 'next'")
            return
        if not isinstance(menu, list) or not menu:
            report(state.line_of("menu"), "'menu' must be a list of options or the word 'languages'")
            return
        if len(menu) > 9:
            report(state.line_of("menu"), f"a menu has at most 9 options (found {len(menu)})")
        for index, option in enumerate(menu):
            line = menu.line_of(index) if hasattr(menu, "line_of") else state.line
            if not isinstance(option, dict) or not isinstance(option.get("label"), str):
                report(line, "each menu option needs a 'label' (a locale key)")
                continue
            unknown = set(option) - {"label", "value", "next"}
            if unknown:
                report(line, f"unknown field '{sorted(unknown)[0]}' in menu option (known: label, value, next)")
            if "next" not in option and "next" not in state.spec:
                report(line, f"option '{option['label']}' has no 'next' and the state has none")
