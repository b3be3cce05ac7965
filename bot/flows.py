"""The app's flow set: loaded and validated at start-up from FLOWS_DIR and LOCALES_DIR."""
from __future__ import annotations

import logging

from flask import Flask

from bot.engine import FlowSet, Problem, load_flowset, validate
from bot.i18n import load_catalogue

log = logging.getLogger(__name__)


def load(flows_dir: str, locales_dir: str) -> tuple[FlowSet, list[Problem]]:
    """The flow set in `flows_dir` with the texts in `locales_dir`, and every problem found."""
    catalogue, text_problems = load_catalogue(locales_dir)
    flowset = load_flowset(flows_dir, catalogue, text_problems)
    return flowset, validate(flowset)


def init_app(app: Flask) -> None:
    """Load the flows once. With errors the app still starts (to report them) but answers 503."""
    flowset, problems = load(app.config["FLOWS_DIR"], app.config["LOCALES_DIR"])
    errors = [p for p in problems if p.severity == "error"]
    for problem in errors:
        log.error("flow problem: %s", problem)
    app.extensions["flows"] = None if errors else flowset
