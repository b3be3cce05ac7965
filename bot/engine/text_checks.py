"""Checks of what she will read: SMS budgets, safe first lines, facts named, native review.

Each is measured on the message as sent (a menu with its options, a part of a long text with
its counter and footer), in every enabled language.
"""
from __future__ import annotations

from bot.engine.flowset import FlowSet
from bot.engine.preview import all_messages
from bot.engine.problems import Problem
from bot.engine.segments import count_segments
from bot.engine.textmatch import normalise

UNSAFE_WORDS_KEY = "safety.unsafe_words"
UNREVIEWED = "unreviewed"  # the severity of review problems: warnings, or errors with --strict


def check_texts(flows: FlowSet, known_facts: set[str] | None = None) -> list[Problem]:
    problems: list[Problem] = []
    catalogue = flows.texts
    for language in catalogue.languages:
        texts = catalogue.texts.get(language, {})
        unsafe = catalogue.words_of(language, UNSAFE_WORDS_KEY)
        seen = set()
        for preview in all_messages(flows, language):
            entry = texts.get(preview.key) or catalogue.texts[catalogue.default].get(preview.key)
            if entry is None or (preview.key, preview.text) in seen:
                continue
            seen.add((preview.key, preview.text))
            count = count_segments(preview.text)
            budget = catalogue.budget(preview.key)
            if count.segments > budget:
                problems.append(Problem(entry.path, entry.line,
                                        f"'{preview.key}' in '{language}' is {count.segments} SMS as sent"
                                        f"{' when asked again' if preview.asked_again else ''} "
                                        f"({count.encoding}, {count.units} units); its budget is {budget}"))
            first_line = set(normalise(preview.text.split("\n", 1)[0]).split())
            named = sorted(first_line & unsafe)
            if named:
                problems.append(Problem(entry.path, entry.line,
                                        f"the first line of '{preview.key}' in '{language}' says '{named[0]}': "
                                        f"a phone's notification preview would show it"))
        for key, entry in texts.items():
            if catalogue.review_status(language, key) != "reviewed":
                problems.append(Problem(entry.path, entry.line,
                                        f"'{key}' in '{language}' is {catalogue.review_status(language, key)} "
                                        f"by a native speaker", UNREVIEWED))
    problems += _check_facts(flows, known_facts)
    return problems


def _check_facts(flows: FlowSet, known_facts: set[str] | None) -> list[Problem]:
    """Texts about the law name their facts (# F-... above the key), and only facts that exist."""
    catalogue = flows.texts
    problems = []
    for key, entry in catalogue.texts.get(catalogue.default, {}).items():
        namespace = key.split(".", 1)[0]
        stated_as_page = any(key in state.spec.get("pages", ()) for flow in flows.flows.values()
                             for state in flow.states.values() if state.kind == "pages")
        if namespace in catalogue.law_namespaces and stated_as_page and not entry.facts:
            problems.append(Problem(entry.path, entry.line,
                                    f"'{key}' states the law but names no fact: add '# F-...' above it "
                                    f"(shared/law/FACTS.md)"))
        for fact in entry.facts:
            if known_facts is not None and fact not in known_facts:
                problems.append(Problem(entry.path, entry.line, f"'{key}' names {fact}, which FACTS.md does not have"))
    return problems
