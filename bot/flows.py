"""The app's flow set: loaded and validated at start-up from FLOWS_DIR and LOCALES_DIR."""
from __future__ import annotations

import logging
import re
from pathlib import Path

from flask import Flask

from bot import routing
from bot.engine import FlowSet, Problem, load_flowset, validate
from bot.i18n import load_catalogue

log = logging.getLogger(__name__)


FACT_ROW = re.compile(r"^\|\s*(F-[A-Z]+-\d+)\s*\|", re.MULTILINE)


def known_facts(facts_file: str | None) -> set[str] | None:
    """The fact ids of FACTS.md, or None when the file is not there (the check is then skipped)."""
    if not facts_file or not Path(facts_file).is_file():
        return None
    return set(FACT_ROW.findall(Path(facts_file).read_text(encoding="utf-8")))


def load(flows_dir: str, locales_dir: str, facts_file: str | None = None) -> tuple[FlowSet, list[Problem]]:
    """The flow set in `flows_dir` with the texts in `locales_dir`, and every problem found."""
    catalogue, text_problems = load_catalogue(locales_dir)
    flowset = load_flowset(flows_dir, catalogue, text_problems)
    rules_file = Path(flows_dir) / routing.RULES_FILE
    routing_problems = routing.check_routing(rules_file) if rules_file.exists() else []
    return flowset, sorted(validate(flowset, known_facts(facts_file)) + routing_problems)


def init_app(app: Flask) -> None:
    """Load the flows once. With errors the app still starts (to report them) but answers 503."""
    flowset, problems = load(app.config["FLOWS_DIR"], app.config["LOCALES_DIR"], app.config["FACTS_FILE"])
    errors = [p for p in problems if p.severity == "error"]
    for problem in errors:
        log.error("flow problem: %s", problem)
    rules, _ = routing.load_rules(Path(app.config["FLOWS_DIR"]) / routing.RULES_FILE)
    app.extensions["flows"] = None if errors else flowset
    app.extensions["routing_rules"] = rules
