"""Routing: the shipped rules (flows/routing/rules.yaml) applied to her answers and the sample directory.

Each row of ROWS is one woman's answers, the directory in force, and the exact decision: the route,
the directory entry chosen, and every reason in order. Broken rule files are fixtures in
tests/routing_broken/, each with the exact problems `check_routing` must report.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from bot import routing
from bot.directory import Entry, load_directory_file
from bot.routing import check_routing, decide, load_rules
from tests.conftest import ROOT

SAMPLE, _ = load_directory_file(ROOT / "flows" / "directory" / "sample.yaml")


def without(*keys: str) -> list[Entry]:
    return [entry for entry in SAMPLE if entry.key not in keys]


def inactive(*keys: str) -> list[Entry]:
    return [replace(entry, active=False) if entry.key in keys else entry for entry in SAMPLE]


COMMITTEES = ("sample_national_committee", "sample_punjab_committee", "sample_sindh_committee",
              "sample_kp_committee", "sample_balochistan_committee")
LAHORE_URDU = Entry("lahore_urdu", "Lahore Urdu (fictional)", "councillor", "punjab", "Lahore", "ur", "+12025550120")
LAHORE_ENGLISH = Entry("lahore_english", "Lahore English (fictional)", "councillor", "punjab", "Lahore", "en",
                       "+12025550121")


@dataclass
class Row:
    answers: dict
    directory: list
    route: str
    target: str | None
    reasons: list[str]


ROWS = {
    # The seven situations of the issue.
    "government_employee_whose_acr_the_accused_writes_in_quetta": Row(
        {"danger": "no", "sector": "government", "province": "balochistan", "district": "Quetta",
         "accused": "senior", "accused_controls_job": "yes", "committee": "yes", "accused_on_committee": "no",
         "prefers": "committee", "language": "ur"},
        SAMPLE, "external_committee", "sample_balochistan_committee",
        ["government_chain_of_command", "accused_writes_acr"]),
    "private_employee_harassed_by_a_colleague_with_a_working_committee": Row(
        {"danger": "no", "sector": "private", "province": "sindh", "district": "Karachi", "accused": "colleague",
         "accused_controls_job": "no", "committee": "yes", "accused_on_committee": "no", "language": "en"},
        SAMPLE, "internal", None, ["has_internal_route"]),
    "no_committee": Row(
        {"danger": "no", "sector": "ngo", "province": "punjab", "district": "Multan", "accused": "colleague",
         "accused_controls_job": "no", "committee": "no", "prefers": "either", "language": "ur-Latn"},
        SAMPLE, "external_committee", "sample_punjab_committee", ["no_committee"]),
    "accused_on_the_committee": Row(
        {"danger": "no", "sector": "education", "province": "kp", "accused": "senior",
         "accused_controls_job": "no", "committee": "yes", "accused_on_committee": "yes", "language": "ps"},
        SAMPLE, "external_committee", "sample_kp_committee", ["accused_on_committee"]),
    "danger_now_goes_to_a_counsellor_whatever_else_is_true": Row(
        {"danger": "yes", "sector": "private", "province": "punjab", "accused": "boss", "committee": "no"},
        SAMPLE, "counsellor_urgent", None, ["danger_now", "accused_is_boss", "no_committee"]),
    "prefers_a_councillor": Row(
        {"danger": "no", "sector": "private", "province": "balochistan", "district": "  QUETTA ", "accused": "boss",
         "prefers": "councillor", "language": "bal"},
        SAMPLE, "councillor", "sample_quetta_councillor", ["prefers_councillor", "accused_is_boss"]),
    "province_with_no_committee_configured_falls_back_to_the_national_one": Row(
        {"danger": "no", "sector": "private", "province": "islamabad", "accused": "boss", "language": "en"},
        SAMPLE, "external_committee", "sample_national_committee", ["accused_is_boss", "national_committee_fallback"]),

    # Every other rule and fallback.
    "danger_now_alone": Row({"danger": "yes"}, SAMPLE, "counsellor_urgent", None, ["danger_now"]),
    "government_employee_whose_boss_is_the_accused": Row(
        {"sector": "government", "province": "sindh", "accused": "boss"},
        SAMPLE, "external_committee", "sample_sindh_committee", ["government_chain_of_command", "accused_is_boss"]),
    "private_employee_whose_boss_is_the_accused": Row(
        {"sector": "private", "province": "sindh", "accused": "boss", "committee": "yes"},
        SAMPLE, "external_committee", "sample_sindh_committee", ["accused_is_boss"]),
    "private_employee_whose_review_the_accused_writes": Row(
        {"sector": "private", "province": "punjab", "accused": "client", "accused_controls_job": "yes"},
        SAMPLE, "external_committee", "sample_punjab_committee", ["accused_writes_acr"]),
    "prefers_a_councillor_written_in_urdu_with_arabic_letter_variants": Row(
        {"province": "balochistan", "district": "كوئٹه", "committee": "no", "prefers": "councillor"},
        SAMPLE, "councillor", "sample_quetta_councillor", ["prefers_councillor", "no_committee"]),
    "prefers_a_councillor_but_none_serves_her_district": Row(
        {"province": "punjab", "district": "Multan", "accused": "boss", "prefers": "councillor"},
        SAMPLE, "external_committee", "sample_punjab_committee",
        ["prefers_councillor", "accused_is_boss", "no_councillor_in_district"]),
    "prefers_a_councillor_with_a_safe_internal_route": Row(
        {"province": "punjab", "district": "Lahore", "accused": "colleague", "committee": "yes",
         "prefers": "councillor"},
        SAMPLE, "internal", None, ["has_internal_route"]),
    "a_councillor_of_another_province_with_the_same_district_name_is_not_hers": Row(
        {"province": "sindh", "district": "Lahore", "accused": "boss", "prefers": "councillor"},
        SAMPLE, "external_committee", "sample_sindh_committee",
        ["prefers_councillor", "accused_is_boss", "no_councillor_in_district"]),
    "councillor_who_speaks_her_language_is_preferred": Row(
        {"province": "punjab", "district": "lahore", "accused": "boss", "prefers": "councillor", "language": "en"},
        [LAHORE_URDU, LAHORE_ENGLISH], "councillor", "lahore_english", ["prefers_councillor", "accused_is_boss"]),
    "roman_urdu_speaks_with_an_urdu_councillor": Row(
        {"province": "punjab", "district": "lahore", "accused": "boss", "prefers": "councillor",
         "language": "ur-Latn"},
        [LAHORE_ENGLISH, LAHORE_URDU], "councillor", "lahore_urdu", ["prefers_councillor", "accused_is_boss"]),
    "inactive_committee_is_passed_over": Row(
        {"province": "balochistan", "committee": "no"},
        inactive("sample_balochistan_committee"), "external_committee", "sample_national_committee",
        ["no_committee", "national_committee_fallback"]),
    "no_committee_in_province_or_nationally_but_a_councillor_serves_her_district": Row(
        {"province": "kp", "district": "peshawar", "accused_on_committee": "yes", "prefers": "committee"},
        without(*COMMITTEES), "councillor", "sample_peshawar_councillor",
        ["accused_on_committee", "no_committee_in_province"]),
    "nobody_configured_leaves_the_case_for_staff": Row(
        {"province": "kp", "district": "Bannu", "accused": "boss"},
        [], "external_committee", None, ["accused_is_boss", "no_committee_configured"]),
    "province_skipped_goes_to_the_national_committee": Row(
        {"province": "skip", "accused": "boss"},
        SAMPLE, "external_committee", "sample_national_committee", ["accused_is_boss", "national_committee_fallback"]),
    "skipped_and_unsure_answers_fit_no_rule": Row(
        {"danger": "skip", "accused": "skip", "accused_controls_job": "unsure", "committee": "unsure",
         "accused_on_committee": "unsure"},
        SAMPLE, "internal", None, ["has_internal_route"]),
    "no_answers_at_all": Row({}, SAMPLE, "internal", None, ["has_internal_route"]),
}


@pytest.mark.parametrize("row", ROWS.values(), ids=ROWS.keys())
def test_routing_decision(row):
    decision = decide(row.answers, row.directory)
    assert (decision.route, decision.target_key, decision.reasons) == (row.route, row.target, row.reasons)


def test_every_rule_and_fallback_reason_is_in_the_table():
    rules = routing.shipped_rules()
    reasons = {rule.reason for rule in rules.rules + (rules.default,)}
    reasons |= {routing.NATIONAL_FALLBACK, routing.NO_COMMITTEE_IN_PROVINCE, routing.NO_COMMITTEE_CONFIGURED,
                routing.NO_COUNCILLOR_IN_DISTRICT}
    covered = {reason for row in ROWS.values() for reason in row.reasons}
    assert reasons - covered == set()


def test_decision_names_the_entry_for_the_flow_to_show():
    decision = decide({"province": "punjab", "committee": "no"}, SAMPLE)
    assert decision.target_name == "Sample Punjab External Committee (fictional)"


def test_rules_passed_in_replace_the_shipped_ones(tmp_path):
    file = tmp_path / "rules.yaml"
    file.write_text("spec_version: 1\nrules:\n"
                    "  - {id: domestic, when: {sector: domestic}, route: councillor, reason: domestic_worker}\n"
                    "  - {id: default, route: internal, reason: has_internal_route}\n", encoding="utf-8")
    rules, problems = load_rules(file)
    assert problems == []
    decision = decide({"sector": "domestic", "province": "kp", "district": "Peshawar"}, SAMPLE, rules)
    assert (decision.route, decision.target_key, decision.reasons) == (
        "councillor", "sample_peshawar_councillor", ["domestic_worker"])


def test_directory_rows_from_the_database_work_too():
    # The table stores languages as "ur,bal"; decide() takes any object with the attributes.
    @dataclass
    class Stored:
        key: str
        name: str
        kind: str
        province: str | None
        district: str | None
        languages: str
        phone: str
        active: bool

    rows = [Stored("b", "B", "councillor", "punjab", "Lahore, لاہور", "ur", "+12025550130", True),
            Stored("a", "A", "councillor", "punjab", "Lahore, لاہور", "bal,en", "+12025550131", True)]
    decision = decide({"province": "punjab", "district": "لاہور", "accused": "boss", "prefers": "councillor",
                       "language": "ur"}, rows)
    assert decision.target_key == "b"


# --- The rules file -----------------------------------------------------------------------------

BROKEN_DIR = Path(__file__).parent / "routing_broken"
BROKEN = sorted(p for p in BROKEN_DIR.iterdir() if p.is_dir())


def test_the_shipped_rules_have_no_problems():
    assert check_routing(routing.SHIPPED_RULES) == []


@pytest.mark.parametrize("case", BROKEN, ids=[p.name for p in BROKEN])
def test_broken_rules_report_exactly_their_problems(case, monkeypatch):
    monkeypatch.chdir(case)
    expected = [line for line in (case / "expected.txt").read_text(encoding="utf-8").splitlines()
                if line.strip() and not line.startswith("#")]
    assert expected, "an empty expected.txt would pass for a file that is not broken"
    assert [str(problem) for problem in check_routing("rules.yaml")] == expected


def test_broken_rules_cannot_be_used(monkeypatch):
    monkeypatch.chdir(BROKEN_DIR / "unknown_route")
    rules, problems = load_rules("rules.yaml")
    assert rules is None and problems


def test_a_missing_rules_file_is_reported(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert [str(p) for p in check_routing("rules.yaml")] == [
        "rules.yaml:1: missing: the routing rules file is not there"]
