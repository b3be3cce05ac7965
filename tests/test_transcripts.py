"""Whole conversations as data: this one runner replays every tests/transcripts/*.yaml through the engine.

A transcript file:

    description: what the conversation shows     # optional prose for the reader (comments are lost on update)
    flows: flows                                  # optional, relative to the repo root (default: the shipped flows)
    locales: locales                              # optional, relative to the repo root (default: the shipped texts)
    route: {route: external_committee, reasons: [no_committee], target: key, name: Committee}
                                                  # optional: the routing decision case actions get
    cases: {K7M4PX9Q: {pin: "1234", status: new}} # optional: cases she may check by reference and PIN
    session:                                      # optional: her session before the first step
      flow: counsellor                            #   (any of flow, state, status, values, language,
      state: ask                                  #    attempts, opted_out; default: a new session)
      status: escalated
    steps:
      - send: "1"                                 # what she sends (always text: quote digits, yes and no)
        at: +90m                                  # optional: time since the previous step, in m, h or d
        expect:                                   # required: the events of this step, exactly as
          - reply: "Reply with a number: ..."     #   Event.as_dict() gives them; [] for none at all
        position: rights.topics                   # optional: her flow.state after the step
        status: active                            # optional: her session status after the step

The clock is frozen: the session starts last touched at 2026-01-01T09:00Z and each step comes 1 minute after
the previous one, unless its `at` says otherwise.

After a deliberate change to flows, texts or the engine, rewrite every expectation from the actual output with
    UPDATE_TRANSCRIPTS=1 .venv/bin/python -m pytest tests/test_transcripts.py
and read the diff before committing it: the rewritten files are the new promise.
"""
from __future__ import annotations

import os
import re
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path

import pytest
import yaml

from bot.engine import Session, Status, resume
from bot.engine.services import RouteDecision
from bot.flows import load
from tests.conftest import ROOT

TRANSCRIPTS = sorted((Path(__file__).parent / "transcripts").glob("*.yaml"))
UPDATE = os.environ.get("UPDATE_TRANSCRIPTS") == "1"
CLOCK_START = datetime(2026, 1, 1, 9, 0, tzinfo=timezone.utc)
DEFAULT_GAP = timedelta(minutes=1)
GAP = re.compile(r"^\+(\d+)([mhd])$")
UNITS = {"m": "minutes", "h": "hours", "d": "days"}
FILE_KEYS = {"description", "flows", "locales", "session", "steps", "route", "cases"}
STEP_KEYS = {"send", "at", "expect", "position", "status"}
SESSION_KEYS = {"flow", "state", "status", "values", "language", "attempts", "opted_out"}


@lru_cache(maxsize=None)
def flow_set(flows: str, locales: str):
    flowset, problems = load(str(ROOT / flows), str(ROOT / locales))
    errors = [str(p) for p in problems if p.severity == "error"]
    assert not errors, f"the flow set {flows} + {locales} has problems:\n" + "\n".join(errors)
    return flowset


def gap(step: dict, number: int) -> timedelta:
    if "at" not in step:
        return DEFAULT_GAP
    match = GAP.match(str(step["at"]))
    assert match, f"step {number}: 'at' must look like +90m, +2h or +1d, not {step['at']!r}"
    return timedelta(**{UNITS[match.group(2)]: int(match.group(1))})


def initial_session(fields: dict | None) -> Session:
    fields = dict(fields or {})
    unknown = set(fields) - SESSION_KEYS
    assert not unknown, f"unknown session fields {sorted(unknown)} (known: {sorted(SESSION_KEYS)})"
    if "status" in fields:
        fields["status"] = Status(fields["status"])
    return Session(**fields, updated_at=CLOCK_START)


class FakeServices:
    """Case services from the transcript: references REF00001, REF00002...; a fixed routing decision;
    cases to check with their PINs (three wrong PINs lock, as a stand-in for the real limit)."""

    def __init__(self, route: dict | None, cases: dict | None):
        self.decision = RouteDecision(route["route"], tuple(route.get("reasons", ())), route.get("target"),
                                      route.get("name")) if route else RouteDecision("internal", ("has_internal_route",))
        self.cases = {ref: dict(case, failures=0) for ref, case in (cases or {}).items()}
        self.issued = 0

    def new_reference(self) -> str:
        self.issued += 1
        return f"REF{self.issued:05d}"

    def route(self, answers: dict) -> RouteDecision:
        return self.decision

    def case_status(self, reference: str, pin: str) -> str:
        case = self.cases.get(reference)
        if case is None:
            return "wrong"
        if case["failures"] >= 3:
            return "locked"
        if str(case["pin"]) != pin:
            case["failures"] += 1
            return "wrong"
        return case["status"]


class _Dumper(yaml.SafeDumper):
    """Multi-line replies as literal blocks, so a rewritten transcript reads like the SMS she gets."""


def _represent_text(dumper, text):
    style = "|" if "\n" in text and not any(line != line.rstrip() for line in text.split("\n")) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_Dumper.add_representer(str, _represent_text)


def rewrite(path: Path, transcript: dict, actual_steps: list[dict]) -> None:
    transcript["steps"] = actual_steps
    path.write_text(yaml.dump(transcript, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=10_000),
                    encoding="utf-8")


@pytest.mark.parametrize("path", TRANSCRIPTS, ids=[p.stem for p in TRANSCRIPTS])
def test_transcript(path):
    transcript = yaml.safe_load(path.read_text(encoding="utf-8"))
    unknown = set(transcript) - FILE_KEYS
    assert not unknown, f"unknown keys {sorted(unknown)} (known: {sorted(FILE_KEYS)})"
    assert transcript.get("steps"), "a transcript needs steps"
    flows = flow_set(transcript.get("flows", "flows"), transcript.get("locales", "locales"))
    session = initial_session(transcript.get("session"))
    services = FakeServices(transcript.get("route"), transcript.get("cases"))
    now = CLOCK_START
    actual_steps = []

    for number, step in enumerate(transcript["steps"], start=1):
        unknown = set(step) - STEP_KEYS
        assert not unknown, f"step {number}: unknown keys {sorted(unknown)} (known: {sorted(STEP_KEYS)})"
        sent = step.get("send")
        assert isinstance(sent, str), f"step {number}: 'send' must be text (quote numbers, yes and no)"
        assert "expect" in step or UPDATE, f"step {number}: give 'expect' (use [] for no events)"
        now += gap(step, number)

        session, events = resume(flows, session, sent, now, services)
        actual = {"expect": [event.as_dict() for event in events],
                  "position": session.position, "status": session.status.value}

        if UPDATE:
            actual_steps.append({**{k: step[k] for k in ("send", "at") if k in step},
                                 **{k: actual[k] for k in ("expect", "position", "status")
                                    if k == "expect" or k in step}})
            continue
        for key in ("expect", "position", "status"):
            if key in step:
                assert actual[key] == step[key], f"step {number}: she sent {sent!r}; {key} differs"

    if UPDATE:
        rewrite(path, transcript, actual_steps)


def test_there_are_transcripts_to_replay():
    assert len(TRANSCRIPTS) >= 10
