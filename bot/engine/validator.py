"""The meaning of a loaded flow set: links, reachability, texts in every language, keywords.

`validate(flows)` returns every problem at once (shape problems from loading first), sorted by
file and line, so a coordinator fixes them in one pass.
"""
from __future__ import annotations

from collections import deque

from bot.engine.flowset import FlowSet, State
from bot.engine.loader import OPTIONAL_TEXTS
from bot.engine.problems import Problem
from bot.engine.steps import STEP_TYPES
from bot.engine.steps.free_text import SKIP_KEY
from bot.engine.steps.long_text import DONE_KEY
from bot.engine.steps.yes_no import NO_KEY, YES_KEY
from bot.engine.text_checks import check_texts
from bot.engine.textmatch import normalise
from bot.engine.texts import placeholders

# Her safety depends on these keywords existing.
REQUIRED_KEYWORDS = ("menu", "language", "counsellor", "quick_exit", "stop", "start", "delete")
# Words she types to answer; a keyword is matched first, so it would take any of these words away.
ANSWER_KEYS = (YES_KEY, NO_KEY, SKIP_KEY, DONE_KEY)


def validate(flows: FlowSet, known_facts: set[str] | None = None) -> list[Problem]:
    """Every problem in `flows`, shape and meaning, sorted by path and line.

    `known_facts` are the fact ids of shared/law/FACTS.md; texts may name only these.
    """
    problems = list(flows.load_problems)

    def report(path, line, message, severity="error"):
        problems.append(Problem(path, line, message, severity))

    used_keys: list[tuple[str, str, int]] = []  # (key, path, line)
    for flow in flows.flows.values():
        if flow.start and flow.start not in flow.states:
            report(flow.path, flow.start_line, f"start state '{flow.start}' is not in flow '{flow.name}'")
        for state in flow.states.values():
            _check_state(flows, state, report, used_keys)
    _check_settings(flows, report, used_keys)
    _check_keywords(flows, report, used_keys)
    _check_reachable(flows, report)
    _check_loops(flows, report)
    _check_texts(flows, report, used_keys)
    # Measuring messages needs sound flows and settings; a text's own problems (in a .yml locale
    # file: a missing translation, a placeholder) do not stop it.
    if not any(p.severity == "error" and not p.path.endswith(".yml") for p in problems):
        problems += check_texts(flows, known_facts)
    return sorted(set(problems))


def _check_state(flows: FlowSet, state: State, report, used_keys) -> None:
    step = STEP_TYPES[state.kind]
    step.check(state, lambda line, message: report(state.path, line, f"state '{state.id}': {message}"))
    targets = step.targets(state)
    for ref, line in targets:
        if not flows.has_state(ref, state.flow):
            report(state.path, line, f"state '{state.id}' goes to unknown state '{ref}'")
    if not targets and not step.ends(state):
        report(state.path, state.line, f"state '{state.id}' is a dead end: give it 'next' or 'end: true'")
    for key, line in step.text_keys(state):
        used_keys.append((key, state.path, line))


def _check_settings(flows: FlowSet, report, used_keys) -> None:
    settings = flows.settings
    if not flows.has_state(settings.entry):
        report(settings.path, settings.key_lines.get("entry", settings.line),
               f"entry '{settings.entry}' is not a state (write it as flow.state)")
    if settings.first_contact and not flows.has_state(settings.first_contact):
        report(settings.path, settings.key_lines.get("first_contact", settings.line),
               f"first_contact '{settings.first_contact}' is not a state (write it as flow.state)")
    kinds = {state.kind for flow in flows.flows.values() for state in flow.states.values()}
    for kind, roles in OPTIONAL_TEXTS.items():
        for role in roles if kind in kinds else ():
            if not isinstance(settings.texts.get(role), str):
                report(settings.path, settings.key_lines.get("texts", settings.line),
                       f"settings 'texts' needs '{role}' (a locale key): a flow has {kind}")
    for role, key in settings.texts.items():
        if isinstance(key, str):
            used_keys.append((key, settings.path, settings.key_lines.get(f"texts.{role}", settings.line)))
    for pattern, line in settings.also_sent:
        if not pattern.endswith(".*"):
            used_keys.append((pattern, settings.path, line))
        elif not flows.texts.expand(pattern):
            report(settings.path, line, f"'also_sent' names '{pattern}', but no locale key starts with '{pattern[:-1]}'")


def _check_keywords(flows: FlowSet, report, used_keys) -> None:
    seen_ids = {}
    owner_of_word: dict[str, str] = {}
    for keyword in flows.keywords:
        if keyword.id in seen_ids:
            report(keyword.path, keyword.line, f"keyword '{keyword.id}' is defined twice")
        seen_ids[keyword.id] = keyword
        if not flows.has_state(keyword.go):
            report(keyword.path, keyword.line, f"keyword '{keyword.id}' goes to unknown state '{keyword.go}'")
        used_keys.append((keyword.words, keyword.path, keyword.line))
        for language in flows.texts.languages:
            entry = flows.texts.texts.get(language, {}).get(keyword.words)
            if not entry:
                continue
            for word in (normalise(w) for w in entry.value.split(",")):
                if not word:
                    report(entry.path, entry.line, f"keyword '{keyword.id}' has an empty word")
                elif word.isdigit() and word != "0":
                    report(entry.path, entry.line,
                           f"keyword word '{word}' would hide menu choice {word}; use 0 or a word")
                elif owner_of_word.get(word, keyword.id) != keyword.id:
                    report(entry.path, entry.line,
                           f"word '{word}' is a keyword of both '{owner_of_word[word]}' and '{keyword.id}'")
                else:
                    owner_of_word[word] = keyword.id
    _check_answer_words(flows, owner_of_word, report)
    if flows.flows:
        path = flows.keywords_path
        for required in REQUIRED_KEYWORDS:
            if required not in seen_ids:
                report(path, 1, f"keyword '{required}' is required (it works from any state)")


def _check_answer_words(flows: FlowSet, owner_of_word: dict[str, str], report) -> None:
    for key in ANSWER_KEYS:
        for language in flows.texts.languages:
            entry = flows.texts.texts.get(language, {}).get(key)
            for word in (normalise(w) for w in entry.value.split(",")) if entry else ():
                if word in owner_of_word:
                    report(entry.path, entry.line, f"'{word}' in {key} is also a word of the keyword "
                                                   f"'{owner_of_word[word]}', which is matched first: she "
                                                   "could never give this answer")


def _check_reachable(flows: FlowSet, report) -> None:
    roots = [flows.settings.entry, flows.settings.first_contact or ""] + [k.go for k in flows.keywords]
    roots += [f"{f.name}.{f.start}" for f in flows.flows.values() if f.start]
    seen: set[str] = set()
    queue = deque(r for r in roots if flows.has_state(r))
    while queue:
        state = flows.resolve(queue.popleft())
        if state.ref in seen:
            continue
        seen.add(state.ref)
        for ref, _ in STEP_TYPES[state.kind].targets(state):
            if flows.has_state(ref, state.flow):
                queue.append(flows.resolve(ref, state.flow).ref)
    for flow in flows.flows.values():
        for state in flow.states.values():
            if state.ref not in seen:
                report(state.path, state.line, f"state '{state.id}' is unreachable from '{flow.start}'")


def _check_loops(flows: FlowSet, report) -> None:
    """States that pass her on without waiting must not lead back to themselves."""
    def passes_on(state: State) -> bool:
        step = STEP_TYPES[state.kind]
        return not step.waits and not step.ends(state)

    def next_states(state: State) -> list[State]:
        return [flows.resolve(ref, state.flow) for ref, _ in STEP_TYPES[state.kind].targets(state)
                if flows.has_state(ref, state.flow)]

    done: set[str] = set()
    for flow in flows.flows.values():
        for first in flow.states.values():
            if first.ref in done or not passes_on(first):
                continue
            path, on_path = [first], {first.ref: 0}
            stack = [iter(next_states(first))]
            while stack:
                following = next(stack[-1], None)
                if following is None:
                    done.add(path.pop().ref)
                    on_path = {state.ref: index for index, state in enumerate(path)}
                    stack.pop()
                elif following.ref in on_path:
                    loop = path[on_path[following.ref]:] + [following]
                    report(following.path, following.line,
                           "loop without waiting for an answer: " + " -> ".join(s.ref for s in loop))
                elif following.ref not in done and passes_on(following):
                    path.append(following)
                    on_path[following.ref] = len(path) - 1
                    stack.append(iter(next_states(following)))


def _check_texts(flows: FlowSet, report, used_keys) -> None:
    catalogue = flows.texts
    default = catalogue.texts.get(catalogue.default, {})
    for key, path, line in used_keys:
        if key not in default:
            report(path, line, f"unknown locale key '{key}' (not in {catalogue.default})")
    for language in catalogue.languages[1:]:
        texts = catalogue.texts.get(language, {})
        for key, entry in default.items():
            other = texts.get(key)
            if other is None:
                report(entry.path, entry.line, f"'{key}' is missing in '{language}'")
                continue
            expected, found = placeholders(entry.value), placeholders(other.value)
            if expected != found:
                report(other.path, other.line,
                       f"'{key}' has placeholders {_names(found)} in '{language}' "
                       f"but {_names(expected)} in '{catalogue.default}'")
        for key, entry in texts.items():
            if key not in default:
                report(entry.path, entry.line, f"'{key}' is not in '{catalogue.default}' (unused?)", "warning")


def _names(names: set[str]) -> str:
    return "{" + ", ".join(f"%{{{n}}}" for n in sorted(names)) + "}" if names else "none"
