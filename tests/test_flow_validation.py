"""Broken flow sets are fixtures: each folder in tests/flows_broken/ holds one defect and the exact lines
`flows check` must print for it.

A case folder is self-contained: `flows/` (settings, keywords, flow files), `locales/` (languages.yaml and
texts) and `expected.txt`, the problems as `path:line: message`, paths relative to the case folder. Lines
starting with `#` in expected.txt explain the case and are not compared. Every case is `_valid` (the smallest
correct flow set, in English and Urdu) with one defect, so each line it expects is caused by that defect.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot import create_app
from bot.engine.text_checks import UNREVIEWED
from bot.flows import load
from tests.conftest import ROOT, app_config

CASES_DIR = Path(__file__).parent / "flows_broken"
VALID = CASES_DIR / "_valid"
BROKEN = sorted(p for p in CASES_DIR.iterdir() if p.is_dir() and not p.name.startswith("_"))


def expected_lines(case: Path) -> list[str]:
    lines = (case / "expected.txt").read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip() and not line.startswith("#")]


def problems_in(folder: Path, monkeypatch) -> list[str]:
    """Every problem but native-review status (tests/test_text_checks.py covers that)."""
    monkeypatch.chdir(folder)
    _, problems = load("flows", "locales")
    return [str(p) for p in problems if p.severity != UNREVIEWED]


def without_review_summary(output: str) -> list[str]:
    return [line for line in output.splitlines() if "reviewed by a native speaker" not in line]


def test_the_base_every_broken_case_derives_from_is_valid(monkeypatch):
    assert problems_in(VALID, monkeypatch) == []


def test_the_shipped_flows_have_no_problems(monkeypatch):
    assert problems_in(ROOT, monkeypatch) == []


@pytest.mark.parametrize("case", BROKEN, ids=[p.name for p in BROKEN])
def test_broken_flow_set_reports_exactly_its_problems(case, monkeypatch):
    assert problems_in(case, monkeypatch) == expected_lines(case)


@pytest.mark.parametrize("case", BROKEN, ids=[p.name for p in BROKEN])
def test_every_broken_case_expects_at_least_one_problem(case):
    # An empty expected.txt would make a case pass for a flow set that is not broken at all.
    assert expected_lines(case)


def test_there_are_broken_cases_to_check():
    assert len(BROKEN) >= 20


def test_required_keywords_are_reported_against_keywords_yaml_when_it_cannot_be_read(tmp_path, monkeypatch):
    case = tmp_path / "case"
    shutil.copytree(VALID, case)
    keywords = case / "flows" / "keywords.yaml"
    keywords.write_text(keywords.read_text(encoding="utf-8").replace("spec_version: 1", "spec_version: 2"),
                        encoding="utf-8")
    required = [line for line in problems_in(case, monkeypatch) if "is required" in line]
    assert required and all(line.startswith("flows/keywords.yaml:") for line in required)


def test_a_missing_keywords_file_is_reported(tmp_path, monkeypatch):
    case = tmp_path / "case"
    shutil.copytree(VALID, case)
    (case / "flows" / "keywords.yaml").unlink()
    assert "flows/keywords.yaml:1: missing: every flow set needs keywords.yaml" in problems_in(case, monkeypatch)


# --- flask --app app flows check --------------------------------------------------------------

@pytest.fixture
def cli(tmp_path):
    app = create_app(app_config(f"sqlite:///{tmp_path / 'helpline.db'}"))
    yield app.test_cli_runner()
    app.extensions["db_engine"].dispose()


def flows_check(cli, folder: Path, monkeypatch, *options: str):
    monkeypatch.chdir(folder)
    return cli.invoke(args=["flows", "check", "--flows-dir", "flows", "--locales-dir", "locales", *options])


def test_flows_check_prints_every_problem_and_fails_on_a_broken_set(cli, monkeypatch):
    case = CASES_DIR / "several_defects_in_two_files"
    result = flows_check(cli, case, monkeypatch)
    assert result.exit_code == 1
    assert result.stdout.splitlines() == expected_lines(case)


def test_flows_check_passes_the_shipped_flows(cli, monkeypatch):
    result = flows_check(cli, ROOT, monkeypatch)
    assert result.exit_code == 0, result.output
    assert without_review_summary(result.stdout) == []
    assert "0 errors" in result.stderr


def test_flows_check_shows_a_warning_but_passes(cli, monkeypatch):
    case = CASES_DIR / "key_only_in_second_language_is_a_warning"
    result = flows_check(cli, case, monkeypatch)
    assert result.exit_code == 0
    assert without_review_summary(result.stdout) == expected_lines(case)


def test_flows_check_strict_fails_on_a_warning(cli, monkeypatch):
    result = flows_check(cli, CASES_DIR / "key_only_in_second_language_is_a_warning", monkeypatch, "--strict")
    assert result.exit_code == 1
