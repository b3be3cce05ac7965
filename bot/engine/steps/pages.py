"""`pages: [key, key, ...]`: long content in numbered parts she reads one by one.

Each part is sent as "(2/5)", the text, then "1 More, 0 Menu" (the last: "1 Continue, 0 Menu");
even a single part has its "(1/1)" line.
1 shows the next part, and after the last goes to `next`. The "(2/5)" line comes first, so a
phone's notification preview never shows the content.
"""
from bot.engine.steps.base import INVALID, WAIT, Step, register
from bot.engine.textmatch import parse_choice

PAGE = "_page"  # the part she is reading, kept in the session while she reads


@register("pages")
class Pages(Step):
    required = ("pages",)
    optional = ("next",)
    waits = True

    def enter(self, turn, state):
        turn.session.values[PAGE] = 0
        self.show(turn, state, 0)
        return WAIT

    def show(self, turn, state, index: int) -> None:
        keys = state.spec["pages"]
        turn.send(compose(turn.flows, turn.language, keys, index, turn.text(keys[index])), keys[index])

    def handle(self, turn, state, text):
        if parse_choice(text) != 1:
            return INVALID
        index = turn.session.values.get(PAGE, 0) + 1
        if index >= len(state.spec["pages"]):
            turn.session.values.pop(PAGE, None)
            return state.spec["next"]
        turn.session.values[PAGE] = index
        self.show(turn, state, index)
        return WAIT

    def hint_key(self, turn, state):
        return turn.flows.settings.texts.get("hint_menu")

    def reprompt(self, turn, state):
        # Only what to reply, not the whole part again: it is still on her screen, and costs SMS.
        index = turn.session.values.get(PAGE, 0)
        last = index == len(state.spec["pages"]) - 1
        footer = turn.flows.settings.texts["pages_last" if last else "pages_more"]
        turn.say(footer)

    def text_keys(self, state):
        pages = state.spec.get("pages")
        if not isinstance(pages, list):
            return []
        return [(key, pages.line_of(i)) for i, key in enumerate(pages) if isinstance(key, str)]

    def check(self, state, report):
        pages = state.spec.get("pages")
        if not isinstance(pages, list) or not pages or not all(isinstance(k, str) for k in pages):
            report(state.line_of("pages"), "'pages' must be a list of locale keys")


def compose(flows, language: str, keys: list[str], index: int, text: str) -> str:
    """Part `index` of `keys` as she receives it: counter line, text, and what to reply."""
    footer = flows.settings.texts["pages_last" if index == len(keys) - 1 else "pages_more"]
    return "\n".join([f"({index + 1}/{len(keys)})", text, flows.texts.render(language, footer)])
