"""What `flows check` says about the texts she reads: budgets, first lines, facts, native review."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from bot.engine.text_checks import UNREVIEWED
from bot.flows import load
from tests.conftest import ROOT

FACTS = str(ROOT.parent / "shared" / "law" / "FACTS.md")


@pytest.fixture
def shipped(tmp_path, monkeypatch):
    """A copy of the shipped flows and locales to break, with paths relative to it."""
    shutil.copytree(ROOT / "flows", tmp_path / "flows")
    shutil.copytree(ROOT / "locales", tmp_path / "locales")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def errors(facts_file: str | None = FACTS) -> list[str]:
    _, problems = load("flows", "locales", facts_file)
    return [str(p) for p in problems if p.severity == "error"]


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(path: Path, start: str) -> int:
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                if line.strip().startswith(start))


def test_the_shipped_texts_are_within_budget_safe_and_cite_their_facts(shipped):
    assert errors() == []


def test_an_over_long_text_is_reported_with_its_cost_as_sent(shipped):
    file = shipped / "locales" / "rights.en.yml"
    replace_in(file, 'informal_2: "', 'informal_2: "' + "Take your time. " * 30)
    [error] = errors()
    assert error.startswith(f"locales/rights.en.yml:{line_of(file, 'informal_2:')}: 'rights.informal_2' in 'en' "
                            "is 4 SMS as sent (GSM-7, ")
    assert error.endswith("units); its budget is 3")


def test_one_urdu_letter_makes_a_text_ucs2_and_over_budget(shipped):
    file = shipped / "locales" / "system.en.yml"
    replace_in(file, 'deleted: "Done.', 'deleted: "ٹھیک. Done. ' + "It is gone now. " * 8)
    [error] = errors()
    assert "'system.deleted' in 'en' is 3 SMS as sent (UCS-2" in error and error.endswith("its budget is 2")


def test_a_message_whose_first_line_names_the_subject_is_reported(shipped):
    file = shipped / "locales" / "main.en.yml"
    replace_in(file, 'menu: "Hello. Reply with a number:"', 'menu: "Harassment helpline. Reply with a number:"')
    assert errors() == [f"locales/main.en.yml:{line_of(file, 'menu:')}: the first line of 'main.menu' in 'en' "
                        "says 'harassment': a phone's notification preview would show it"]


def test_a_law_text_without_its_fact_is_reported(shipped):
    file = shipped / "locales" / "rights.en.yml"
    replace_in(file, "  # F-INF-2\n", "")
    assert errors() == [f"locales/rights.en.yml:{line_of(file, 'informal_2:')}: 'rights.informal_2' states the law "
                        "but names no fact: add '# F-...' above it (shared/law/FACTS.md)"]


def cited_facts_file(folder: Path) -> str:
    """A FACTS.md with exactly the facts the shipped texts cite (the real one lives outside the repo)."""
    cited = sorted(set(re.findall(r"#\s*(F-[A-Z]+-\d+)", "".join(
        p.read_text(encoding="utf-8") for p in (ROOT / "locales").glob("*.en.yml")))))
    file = folder / "FACTS.md"
    file.write_text("| id | fact |\n|---|---|\n" + "".join(f"| {fact} | ... |\n" for fact in cited), encoding="utf-8")
    return str(file)


def test_a_fact_that_facts_md_does_not_have_is_reported(shipped):
    facts = cited_facts_file(shipped)
    assert errors(facts) == []
    file = shipped / "locales" / "rights.en.yml"
    replace_in(file, "  # F-INF-2\n", "  # F-INF-9\n")
    assert errors(facts) == [f"locales/rights.en.yml:{line_of(file, 'informal_2:')}: 'rights.informal_2' names F-INF-9, "
                        "which FACTS.md does not have"]


def test_every_page_of_the_rights_and_the_code_names_a_fact_in_english(shipped):
    flowset, _ = load("flows", "locales", FACTS)
    pages = {key for flow in flowset.flows.values() for state in flow.states.values()
             if state.kind == "pages" for key in state.spec["pages"]}
    assert pages
    assert all(flowset.texts.texts["en"][key].facts for key in pages)


def test_review_status_follows_the_wording_it_saw(shipped):
    flowset, problems = load("flows", "locales")
    entry = flowset.texts.texts["en"]["main.menu"]
    assert flowset.texts.review_status("en", "main.menu") == "unreviewed"
    assert any(p.severity == UNREVIEWED and "'main.menu' in 'en'" in p.message for p in problems)
    (shipped / "locales" / "reviews" / "en.yaml").write_text(
        f'reviewed:\n  main.menu: {{fingerprint: "{entry.fingerprint}", by: "A. Reviewer"}}\n', encoding="utf-8")
    flowset, problems = load("flows", "locales")
    assert flowset.texts.review_status("en", "main.menu") == "reviewed"
    assert not any("'main.menu' in 'en'" in p.message for p in problems)
    replace_in(shipped / "locales" / "main.en.yml", "Hello.", "Hi.")
    flowset, _ = load("flows", "locales")
    assert flowset.texts.review_status("en", "main.menu") == "changed"


def test_flows_check_strict_fails_on_unreviewed_texts(runner):
    default = runner.invoke(args=["flows", "check"])
    assert default.exit_code == 0, default.output
    assert "texts are not yet reviewed by a native speaker" in default.output
    strict = runner.invoke(args=["flows", "check", "--strict"])
    assert strict.exit_code == 1
    assert "'main.menu' in 'en' is unreviewed by a native speaker" in strict.output


def test_flows_texts_lists_every_key_by_language_with_segments_and_review(runner):
    result = runner.invoke(args=["flows", "texts"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    header = lines[1].split()
    assert header[:3] == ["key", "budget", "en"]
    row = next(line.split() for line in lines if line.startswith("rights.what_1 "))
    assert row[1] == "3" and row[2].isdigit() and row[3] == "U"


def test_numbers_and_references_read_left_to_right_inside_arabic_script():
    from bot.engine.texts import LRM, Catalogue, Text
    texts = {"en": {"language.name": Text("English", "x", 1), "t": Text("Call %{n} about %{ref}", "x", 2)},
             "ur": {"language.name": Text("اردو", "y", 1), "t": Text("%{n} پر فون کریں، حوالہ %{ref}", "y", 2)}}
    catalogue = Catalogue(("en", "ur"), texts)
    params = {"n": "1099", "ref": "+92 300 1234567"}
    assert catalogue.render("en", "t", params) == "Call 1099 about +92 300 1234567"
    # Plain digits read correctly on their own; a value with spaces, + or letters is held left-to-right.
    assert catalogue.render("ur", "t", params) == f"1099 پر فون کریں، حوالہ {LRM}+92 300 1234567{LRM}"
    assert catalogue.is_rtl("ur") and not catalogue.is_rtl("en")
