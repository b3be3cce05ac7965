"""Load flow files, keywords and settings from a folder, keeping the line of everything.

Shape problems (bad YAML, missing or unknown fields, wrong types) are collected, not raised,
so `flows check` can show them all at once; the validator adds problems of meaning.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

from bot.engine.flowset import Flow, FlowSet, Keyword, Settings, State
from bot.engine.problems import Problem
from bot.engine.steps import STEP_TYPES, kind_of
from bot.engine.texts import Catalogue
from bot.engine.yamlfile import LineDict, LineList, YamlProblem, load_yaml_text

SPEC_VERSION = 1
NAME = re.compile(r"^[a-z][a-z0-9_]*$")
SETTINGS_FILE, KEYWORDS_FILE, NUMBERS_FILE = "settings.yaml", "keywords.yaml", "numbers.yaml"
SETTINGS_TEXTS = ("welcome_back", "stuck", "hint_menu", "hint_yes_no", "hint_text")
PAGES_TEXTS = ("pages_more", "pages_last")  # needed when a flow has `pages`
OPTIONAL_TEXTS = {"pages": PAGES_TEXTS, "long_text": ("long_text_more",), "pin": ("hint_pin",)}
"""Settings texts a flow set needs only when a flow uses that step type."""


def display_path(path: Path) -> str:
    """The path as a person would type it: relative to the working folder when inside it."""
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)
    return str(Path(path).resolve()) if relative.startswith("..") else relative


class _Reader:
    def __init__(self):
        self.problems: list[Problem] = []

    def report(self, path: str, line: int, message: str) -> None:
        self.problems.append(Problem(path, line, message))

    def read(self, path: Path):
        shown = display_path(path)
        try:
            data = load_yaml_text(path.read_text(encoding="utf-8"))
        except YamlProblem as problem:
            self.report(shown, problem.line, problem.message)
            return shown, None
        except UnicodeDecodeError:
            self.report(shown, 1, "the file is not UTF-8 text")
            return shown, None
        if not isinstance(data, LineDict):
            self.report(shown, 1, "the file must be a mapping (key: value lines)")
            return shown, None
        return shown, data

    def check_version(self, path: str, data: LineDict) -> bool:
        version = data.get("spec_version")
        if version is None:
            self.report(path, data.line, "missing 'spec_version' (use spec_version: 1)")
            return False
        if version != SPEC_VERSION:
            self.report(path, data.line_of("spec_version"),
                        f"unsupported spec_version {version!r} (this engine reads {SPEC_VERSION})")
            return False
        return True

    def unknown_fields(self, path: str, data: LineDict, known: tuple, where: str) -> None:
        for key in data:
            if key not in known:
                self.report(path, data.line_of(key),
                            f"unknown field '{key}' in {where} (known: {', '.join(known)})")

    def flow(self, file: Path) -> Flow | None:
        path, data = self.read(file)
        if data is None or not self.check_version(path, data):
            return None
        self.unknown_fields(path, data, ("spec_version", "flow", "start", "states"), "a flow")
        name = data.get("flow")
        if not isinstance(name, str) or not NAME.match(name):
            self.report(path, data.line_of("flow"), "'flow' must be a lower-case name like report_intake")
            return None
        if name != file.stem:
            self.report(path, data.line_of("flow"), f"flow '{name}' must be in a file named {name}.yaml")
        states_data = data.get("states")
        if not isinstance(states_data, LineDict) or not states_data:
            self.report(path, data.line_of("states"), "'states' must map state ids to states")
            return None
        states = {}
        for state_id, spec in states_data.items():
            line = states_data.line_of(state_id)
            state = self.state(path, name, state_id, spec, line)
            if state:
                states[state_id] = state
        start = data.get("start")
        if not isinstance(start, str):
            self.report(path, data.line, "missing 'start' (the first state of the flow)")
            start = ""
        return Flow(name, start, states, path, data.line, data.line_of("start"))

    def state(self, path: str, flow: str, state_id, spec, line: int) -> State | None:
        if not isinstance(state_id, str) or not NAME.match(state_id):
            self.report(path, line, f"state id '{state_id}' must be a lower-case name like ask_province")
            return None
        if not isinstance(spec, LineDict):
            self.report(path, line, f"state '{state_id}' must be a mapping of fields")
            return None
        kind, problem = kind_of(spec)
        if problem:
            self.report(path, line, f"state '{state_id}': {problem}")
            return None
        step = STEP_TYPES[kind]
        known = step.required + step.optional
        for key in spec:
            if key not in known:
                self.report(path, spec.line_of(key),
                            f"unknown field '{key}' in {kind} state '{state_id}' (known: {', '.join(known)})")
        for key in step.required:
            if key not in spec:
                self.report(path, line, f"{kind} state '{state_id}' needs '{key}'")
        for key in ("say", "next", "save", "goto", "do", "branch", "default"):
            if key in spec and not isinstance(spec[key], str):
                self.report(path, spec.line_of(key), f"'{key}' must be a single name")
        return State(flow, state_id, kind, spec, path, line)

    def settings(self, file: Path) -> Settings:
        path, data = self.read(file)
        if data is None or not self.check_version(path, data):
            return Settings(path=path)
        self.unknown_fields(path, data, ("spec_version", "entry", "first_contact", "idle_minutes", "max_attempts",
                                         "texts", "also_sent"), "settings")
        also_sent = data.get("also_sent", [])
        if not isinstance(also_sent, LineList) and also_sent != []:
            self.report(path, data.line_of("also_sent"), "'also_sent' must be a list of locale keys (or namespace.*)")
            also_sent = []
        for index, key in enumerate(also_sent):
            if not isinstance(key, str):
                self.report(path, also_sent.line_of(index), "'also_sent' must be a list of locale keys (or namespace.*)")
        texts = data.get("texts")
        if not isinstance(texts, LineDict):
            self.report(path, data.line_of("texts"), f"'texts' must name a locale key for: {', '.join(SETTINGS_TEXTS)}")
            texts = LineDict()
            texts.line, texts.key_lines = data.line, {}
        known = SETTINGS_TEXTS + tuple(role for roles in OPTIONAL_TEXTS.values() for role in roles)
        for role in set(texts) - set(known):
            self.report(path, texts.line_of(role), f"unknown text '{role}' in settings (known: {', '.join(known)})")
        for role in SETTINGS_TEXTS:
            if not isinstance(texts.get(role), str):
                self.report(path, texts.line, f"settings 'texts' needs '{role}' (a locale key)")
        for number in ("idle_minutes", "max_attempts"):
            value = data.get(number, 1)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                self.report(path, data.line_of(number), f"'{number}' must be a whole number of at least 1")
        entry = data.get("entry")
        if not isinstance(entry, str):
            self.report(path, data.line, "missing 'entry' (where a conversation starts, as flow.state)")
        first_contact = data.get("first_contact")
        if first_contact is not None and not isinstance(first_contact, str):
            self.report(path, data.line_of("first_contact"), "'first_contact' must be a state, as flow.state")
        return Settings(entry=entry if isinstance(entry, str) else "main.menu",
                        first_contact=first_contact if isinstance(first_contact, str) else None,
                        idle_minutes=data.get("idle_minutes", 60) if isinstance(data.get("idle_minutes"), int) else 60,
                        max_attempts=data.get("max_attempts", 3) if isinstance(data.get("max_attempts"), int) else 3,
                        texts=dict(texts), path=path, line=data.line,
                        also_sent=tuple((key, also_sent.line_of(i)) for i, key in enumerate(also_sent)
                                        if isinstance(key, str)),
                        key_lines={**data.key_lines, **{f"texts.{k}": v for k, v in texts.key_lines.items()}})

    def numbers(self, file: Path) -> dict:
        path, data = self.read(file)
        if data is None or not self.check_version(path, data):
            return {}
        self.unknown_fields(path, data, ("spec_version", "numbers"), "numbers")
        numbers = data.get("numbers")
        if not isinstance(numbers, LineDict):
            self.report(path, data.line_of("numbers"), "'numbers' must map names to phone numbers")
            return {}
        found = {}
        for name, number in numbers.items():
            if not isinstance(number, str) or not number.replace("+", "", 1).isdigit():
                self.report(path, numbers.line_of(name), f"number '{name}' must be digits in quotes, like \"1099\"")
            else:
                found[name] = number
        return found

    def keywords(self, file: Path) -> list[Keyword]:
        path, data = self.read(file)
        if data is None or not self.check_version(path, data):
            return []
        self.unknown_fields(path, data, ("spec_version", "keywords"), "keywords")
        items = data.get("keywords")
        if not isinstance(items, list):
            self.report(path, data.line_of("keywords"), "'keywords' must be a list of {id, words, go}")
            return []
        found = []
        for index, item in enumerate(items):
            line = items.line_of(index)
            if not isinstance(item, LineDict):
                self.report(path, line, "each keyword must be a mapping {id, words, go}")
                continue
            self.unknown_fields(path, item, ("id", "words", "go", "while_opted_out"), "a keyword")
            if not all(isinstance(item.get(k), str) for k in ("id", "words", "go")):
                self.report(path, line, "a keyword needs 'id', 'words' (a locale key) and 'go' (flow.state)")
                continue
            if not isinstance(item.get("while_opted_out", False), bool):
                self.report(path, item.line_of("while_opted_out"), "'while_opted_out' must be true or false")
            found.append(Keyword(item["id"], item["words"], item["go"], path, line,
                                 item.get("while_opted_out") is True))
        return found


def load_flowset(flows_dir: str | Path, texts: Catalogue, extra_problems: list[Problem] | None = None) -> FlowSet:
    """Read every `*.yaml` in `flows_dir`; problems are kept in `load_problems`, never raised."""
    reader = _Reader()
    folder = Path(flows_dir)
    flows: dict[str, Flow] = {}
    settings, keywords, numbers = None, [], {}
    for file in sorted(folder.glob("*.yaml")):
        if file.name == SETTINGS_FILE:
            settings = reader.settings(file)
        elif file.name == KEYWORDS_FILE:
            keywords = reader.keywords(file)
        elif file.name == NUMBERS_FILE:
            numbers = reader.numbers(file)
        else:
            flow = reader.flow(file)
            if flow:
                if flow.name in flows:
                    reader.report(flow.path, flow.line, f"flow '{flow.name}' is defined twice")
                flows[flow.name] = flow
    if settings is None:
        reader.report(display_path(folder / SETTINGS_FILE), 1, "missing: every flow set needs settings.yaml")
        settings = Settings(path=display_path(folder / SETTINGS_FILE))
    keywords_path = display_path(folder / KEYWORDS_FILE)
    if not (folder / KEYWORDS_FILE).exists():
        reader.report(keywords_path, 1, "missing: every flow set needs keywords.yaml")
    if not flows:
        reader.report(display_path(folder), 1, "no flow files (*.yaml) found")
    return FlowSet(flows, texts, keywords, settings, (extra_problems or []) + reader.problems, keywords_path,
                   numbers)
