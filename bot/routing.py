"""Who a case goes to, and why.

The rules are data (flows/routing/rules.yaml, edited by coordinators); this module reads and
checks them, and `decide()` applies them to her answers and the directory of committees and
councillors. Every rule that matches adds its reason; the first one that matches gives the route.
Then a target is chosen from the directory, adding a reason whenever it has to fall back.

Pure: no Flask, database or network. Directory entries are anything with the attributes of
bot.store.models.DirectoryEntry (key, name, kind, province, district, languages, active).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from bot.engine.loader import display_path
from bot.engine.problems import Problem
from bot.engine.textmatch import normalise
from bot.engine.yamlfile import LineDict, LineList, YamlProblem, load_yaml_text

SPEC_VERSION = 1
RULES_FILE = Path("routing") / "rules.yaml"
"""The rules' place inside FLOWS_DIR: a subfolder, because every flows/*.yaml is read as a flow."""
SHIPPED_RULES = Path(__file__).resolve().parent.parent / "flows" / RULES_FILE

ROUTES = ("counsellor_urgent", "external_committee", "councillor", "internal")
SKIPPED = "skip"
LANGUAGES = ("en", "ur", "ps", "bal", "ur-Latn")
PROVINCES = ("punjab", "sindh", "kp", "balochistan", "islamabad", "other")
ANSWERS: dict[str, tuple[str, ...] | None] = {
    "danger": ("yes", "no"),
    "sector": ("government", "private", "ngo", "education", "domestic", "other"),
    "province": PROVINCES,
    "district": None,  # free text, as she typed it
    "accused": ("boss", "senior", "colleague", "client", "other"),
    "accused_controls_job": ("yes", "no", "unsure"),
    "committee": ("yes", "no", "unsure"),
    "accused_on_committee": ("yes", "no", "unsure"),
    "prefers": ("committee", "councillor", "either"),
    "language": LANGUAGES,
}
"""The intake answers a rule may test, and the values each can have (None: any text)."""

RULE_FIELDS = ("id", "when", "route", "reason")
NAME = re.compile(r"^[a-z][a-z0-9_]*$")

# Reasons decide() adds when it has to fall back from the rule's first choice of target.
NATIONAL_FALLBACK = "national_committee_fallback"
NO_COMMITTEE_IN_PROVINCE = "no_committee_in_province"
NO_COMMITTEE_CONFIGURED = "no_committee_configured"
NO_COUNCILLOR_IN_DISTRICT = "no_councillor_in_district"


class RoutingError(Exception):
    """The routing rules cannot be used as loaded; the problems say why."""


@dataclass(frozen=True)
class Condition:
    """Every `fields` answer is one of its values, and at least one of `any` holds (when given)."""

    fields: tuple[tuple[str, frozenset], ...] = ()
    any: tuple["Condition", ...] = ()

    def holds(self, answers: dict) -> bool:
        """True when her answers meet the condition; a skipped or absent answer meets nothing."""
        for name, values in self.fields:
            answer = answers.get(name)
            if answer is None or answer == SKIPPED or normalise(str(answer)) not in values:
                return False
        return not self.any or any(alternative.holds(answers) for alternative in self.any)


@dataclass(frozen=True)
class Rule:
    id: str
    route: str
    reason: str
    when: Condition | None  # None only for the default rule
    line: int = 0


@dataclass(frozen=True)
class Rules:
    """The ordered rules of one file, and the default (its last rule, used when no other matches)."""

    rules: tuple[Rule, ...]
    default: Rule
    path: str = ""


@dataclass(frozen=True)
class Decision:
    """The route, the directory entry chosen (or None), and every reason, in the order they arose."""

    route: str
    target: object | None
    reasons: list[str] = field(default_factory=list)

    @property
    def target_key(self) -> str | None:
        return getattr(self.target, "key", None)

    @property
    def target_name(self) -> str | None:
        return getattr(self.target, "name", None)


# --- Reading the rules ----------------------------------------------------------------------

class _Reader:
    def __init__(self, path: str):
        self.path = path
        self.problems: list[Problem] = []

    def report(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.path, line, message))

    def rules(self, data) -> Rules | None:
        if not isinstance(data, LineDict):
            self.report(1, "the file must be a mapping (key: value lines)")
            return None
        version = data.get("spec_version")
        if version is None:
            self.report(data.line, "missing 'spec_version' (use spec_version: 1)")
        elif version != SPEC_VERSION:
            self.report(data.line_of("spec_version"),
                        f"unsupported spec_version {version!r} (this helpline reads {SPEC_VERSION})")
            return None
        for key in data:
            if key not in ("spec_version", "rules"):
                self.report(data.line_of(key),
                            f"unknown field '{key}' in the routing file (known: spec_version, rules)")
        items = data.get("rules")
        if not isinstance(items, LineList) or not items:
            self.report(data.line_of("rules"), "'rules' must be a list of {id, when, route, reason}, "
                                               "ending with the default rule (no 'when')")
            return None
        rules, seen = [], {}
        for index, item in enumerate(items):
            rule = self.rule(item, items.line_of(index), last=index == len(items) - 1)
            if rule is None:
                continue
            if rule.id in seen and rule.id != "?":
                self.report(rule.line, f"rule '{rule.id}' is defined twice (first on line {seen[rule.id]})")
            seen.setdefault(rule.id, rule.line)
            rules.append(rule)
        if self.problems:
            return None
        return Rules(tuple(rules[:-1]), rules[-1], self.path)

    def rule(self, item, line: int, last: bool) -> Rule | None:
        if not isinstance(item, LineDict):
            self.report(line, "a rule must be a mapping {id, when, route, reason}")
            return None
        rule_id = item.get("id")
        if not isinstance(rule_id, str) or not NAME.match(rule_id):
            self.report(item.line_of("id"), "a rule needs an 'id': a lower-case name like accused_is_boss")
            rule_id = "?"
        where = f"rule '{rule_id}'"
        for key in item:
            if key not in RULE_FIELDS:
                self.report(item.line_of(key), f"unknown field '{key}' in {where} (known: {', '.join(RULE_FIELDS)})")
        route = item.get("route")
        if route not in ROUTES:
            shown = f"unknown route '{route}'" if route is not None else "missing 'route'"
            self.report(item.line_of("route"), f"{shown} in {where} (known: {', '.join(ROUTES)})")
        reason = item.get("reason")
        if not isinstance(reason, str) or not NAME.match(reason):
            self.report(item.line_of("reason"),
                        f"{where}: 'reason' must be a short snake_case code like no_committee")
        when = None
        if "when" in item and item["when"] not in (None, {}):
            when = self.condition(item["when"], item.line_of("when"), where)
            if last:
                self.report(item.line_of("when"), f"the last rule ('{rule_id}') is the default, used when no "
                                                  "other rule matches: it must have no 'when'")
        elif not last:
            self.report(item.line, f"{where} has no 'when': only the last rule (the default) may leave it out")
        return Rule(rule_id, route, reason, when, item.line)

    def condition(self, spec, line: int, where: str) -> Condition:
        if not isinstance(spec, LineDict):
            self.report(line, f"'when' in {where} must map answers to values, like {{committee: no}}")
            return Condition()
        fields, alternatives = [], []
        for name, value in spec.items():
            name_line = spec.line_of(name)
            if name == "any":
                if not isinstance(value, LineList) or not value:
                    self.report(name_line, f"'any' in {where} must be a list of conditions, like [{{accused: boss}}]")
                    continue
                alternatives += [self.condition(choice, value.line_of(i), where) for i, choice in enumerate(value)]
                continue
            if name not in ANSWERS:
                self.report(name_line, f"unknown answer field '{name}' in {where} (known: {', '.join(ANSWERS)})")
                continue
            values = list(value) if isinstance(value, list) else [value]
            if not values:
                self.report(name_line, f"'{name}' in {where} lists no values")
            allowed = ANSWERS[name]
            for each in values:
                if not isinstance(each, str) or not each.strip():
                    self.report(name_line, f"'{name}' in {where} must be a word or a list of words, not {each!r}")
                elif allowed is not None and each not in allowed:
                    self.report(name_line, f"unknown value '{each}' for '{name}' in {where} "
                                           f"(known: {', '.join(allowed)})")
            fields.append((name, frozenset(normalise(v) for v in values if isinstance(v, str))))
        return Condition(tuple(fields), tuple(alternatives))


def load_rules(path: str | Path) -> tuple[Rules | None, list[Problem]]:
    """The rules in the file at `path`, or None, and every problem found (as path:line: message)."""
    shown = display_path(Path(path))
    reader = _Reader(shown)
    try:
        data = load_yaml_text(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None, [Problem(shown, 1, "missing: the routing rules file is not there")]
    except UnicodeDecodeError:
        return None, [Problem(shown, 1, "the file is not UTF-8 text")]
    except YamlProblem as problem:
        return None, [Problem(shown, problem.line, problem.message)]
    return reader.rules(data), reader.problems


def check_routing(path: str | Path) -> list[Problem]:
    """Every problem in the routing rules at `path`, in file order (empty when they can be used)."""
    return sorted(load_rules(path)[1])


@lru_cache(maxsize=None)
def shipped_rules() -> Rules:
    """The rules shipped in flows/routing/rules.yaml; raises RoutingError if they have problems."""
    rules, problems = load_rules(SHIPPED_RULES)
    if rules is None:
        raise RoutingError("; ".join(str(p) for p in problems))
    return rules


# --- Deciding -------------------------------------------------------------------------------

def matching_rules(rules: Rules, answers: dict) -> list[Rule]:
    """The rules her answers meet, in priority order; the default alone when none does."""
    matched = [rule for rule in rules.rules if rule.when.holds(answers)]
    return matched or [rules.default]


def decide(answers: dict, directory_entries, rules: Rules | None = None) -> Decision:
    """Where a case with these answers goes, to whom in `directory_entries`, and every reason why.

    `rules` defaults to the shipped rules; the app passes the ones it loaded from FLOWS_DIR.
    """
    matched = matching_rules(rules or shipped_rules(), answers)
    route, reasons = matched[0].route, [rule.reason for rule in matched]
    entries = [entry for entry in directory_entries if entry.active]
    if route == "councillor":
        councillor = _councillor(answers, entries)
        if councillor is not None:
            return Decision("councillor", councillor, reasons)
        reasons.append(NO_COUNCILLOR_IN_DISTRICT)
        route = "external_committee"
    if route == "external_committee":
        return _external(answers, entries, reasons)
    return Decision(route, None, reasons)


def _external(answers: dict, entries: list, reasons: list[str]) -> Decision:
    """Her province's external committee, else the national one, else her district's councillor."""
    province = _answer(answers, "province")
    committee = _choose([e for e in entries if e.kind == "external_committee" and province
                         and e.province == province], answers)
    if committee is not None:
        return Decision("external_committee", committee, reasons)
    national = _choose([e for e in entries if e.kind == "national_committee"], answers)
    if national is not None:
        return Decision("external_committee", national, reasons + [NATIONAL_FALLBACK])
    councillor = _councillor(answers, entries)
    if councillor is not None:
        return Decision("councillor", councillor, reasons + [NO_COMMITTEE_IN_PROVINCE])
    # Nobody to refer her to: staff see the case and this reason, and find someone.
    return Decision("external_committee", None, reasons + [NO_COMMITTEE_CONFIGURED])


def _councillor(answers: dict, entries: list):
    province, district = _answer(answers, "province"), _answer(answers, "district")
    if not province or not district:
        return None
    wanted = normalise(district)
    return _choose([e for e in entries if e.kind == "councillor" and e.province == province
                    and wanted in district_spellings(e.district)], answers)


def _choose(candidates: list, answers: dict):
    """The candidate who speaks her language, else any; ties by key, so the choice is repeatable."""
    language = _spoken(_answer(answers, "language"))
    ranked = sorted(candidates, key=lambda e: (language not in map(_spoken, entry_languages(e)), e.key))
    return ranked[0] if ranked else None


def _answer(answers: dict, name: str) -> str | None:
    value = answers.get(name)
    return None if value in (None, SKIPPED, "") else str(value)


def _spoken(language: str | None) -> str | None:
    """The spoken language of a code: Roman Urdu (ur-Latn) is Urdu to a partner who talks with her."""
    return language.split("-")[0] if language else None


def district_spellings(district: str | None) -> set[str]:
    """The folded spellings of a directory entry's district: 'Quetta, کوئٹہ' gives both."""
    return {normalise(part) for part in re.split(r"[,،]", district or "") if normalise(part)}


def entry_languages(entry) -> tuple[str, ...]:
    """An entry's language codes, whether stored as 'ur,bal' (database) or a list (file)."""
    languages = entry.languages or ()
    if isinstance(languages, str):
        languages = languages.split(",")
    return tuple(code.strip() for code in languages if code.strip())
