"""The directory of committees and councillors: the YAML file, `directory load` and `directory list`."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select

from bot.directory import load_directory_file, sync_directory
from bot.store import db
from bot.store.models import DirectoryEntry
from tests.conftest import ROOT

SAMPLE = ROOT / "flows" / "directory" / "sample.yaml"
NOW = datetime(2024, 5, 1, 9, 0, tzinfo=timezone.utc)

BROKEN = """\
spec_version: 1
entries:
  - id: national
    name: National (fictional)
    kind: national_committee
    province: punjab
    languages: [en]
    phone: "+1 202 555 0100"
  - id: Quetta Councillor
    name: Quetta (fictional)
    kind: councillor
    province: baluchistan
    languages: [ur, urdu]
    phone: "555"
    active: yes
  - id: sindh
    kind: committee
    province: sindh
    district: Karachi
    languages: ur
    phone: "+1 202 555 0102"
    email: sindh@example.org
  - id: sindh
    name: Sindh again (fictional)
    kind: external_committee
    province: sindh
    languages: [ur]
    phone: "+1 202 555 0103"
"""

BROKEN_PROBLEMS = [
    "{path}:6: entry 'national': a national committee has no province",
    "{path}:9: an entry needs an 'id': lower-case letters, digits, _ or -, at most 64 characters",
    "{path}:9: entry '?': a councillor needs a 'district' (spellings separated by commas)",
    "{path}:12: entry '?' unknown province 'baluchistan' (known: punjab, sindh, kp, balochistan, islamabad)",
    "{path}:13: entry '?': unknown language 'urdu' (known: en, ur, ps, bal, ur-Latn)",
    "{path}:14: entry '?': 'phone' is not a phone number (not a possible phone number); write it as +92...",
    "{path}:15: entry '?': 'active' must be true or false",
    "{path}:16: entry 'sindh' needs a 'name' (at most 200 characters)",
    "{path}:17: entry 'sindh': 'kind' must be one of external_committee, national_committee, councillor",
    "{path}:19: entry 'sindh': only councillors have a 'district'",
    "{path}:20: entry 'sindh': 'languages' must be a list of codes, like [ur, bal]",
    "{path}:22: unknown field 'email' in entry 'sindh' (known: id, name, kind, province, district, languages, "
    "phone, active)",
    "{path}:23: entry 'sindh' is listed twice (first on line 16)",
]


def stored(app) -> dict[str, DirectoryEntry]:
    with app.app_context(), db.session() as session:
        return {row.key: row for row in session.scalars(select(DirectoryEntry))}


def test_the_sample_directory_is_valid_and_plainly_fictional():
    entries, problems = load_directory_file(SAMPLE)
    assert problems == []
    by_key = {entry.key: entry for entry in entries}
    assert {entry.kind for entry in entries} == {"national_committee", "external_committee", "councillor"}
    assert sorted(e.province for e in entries if e.kind == "external_committee") == [
        "balochistan", "kp", "punjab", "sindh"]  # none for Islamabad: it falls back to the national committee
    assert by_key["sample_national_committee"].province is None
    quetta = by_key["sample_quetta_councillor"]
    assert (quetta.province, quetta.district, quetta.languages) == ("balochistan", "Quetta, کوئٹہ", "ur,bal,ps")
    assert all("(fictional)" in entry.name for entry in entries)
    # North American 555-0100..0199 numbers are reserved for fiction.
    assert all(entry.phone.startswith("+1") and 100 <= int(entry.phone[-4:]) <= 199 and entry.phone[-7:-4] == "555"
               for entry in entries)
    assert all(entry.active for entry in entries)


def test_a_broken_file_reports_every_problem_with_its_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "directory.yaml").write_text(BROKEN, encoding="utf-8")
    _, problems = load_directory_file("directory.yaml")
    assert [str(p) for p in sorted(problems)] == [line.format(path="directory.yaml") for line in BROKEN_PROBLEMS]


def test_a_file_that_is_not_yaml_is_reported_with_its_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "directory.yaml").write_text("spec_version: 1\nentries:\n  - id: [a\n", encoding="utf-8")
    _, problems = load_directory_file("directory.yaml")
    assert [str(p) for p in problems] == ["directory.yaml:4: YAML syntax: expected ',' or ']', but got '<stream end>'"]


def test_load_adds_the_sample_and_list_shows_it(runner, app):
    result = runner.invoke(args=["directory", "load", str(SAMPLE)])
    assert result.exit_code == 0, result.output
    assert "added sample_quetta_councillor" in result.output
    assert result.output.splitlines()[-1] == "8 added, 0 updated, 0 deactivated, 0 unchanged"
    assert stored(app)["sample_quetta_councillor"].phone == "+12025550110"

    listing = runner.invoke(args=["directory", "list"])
    assert listing.exit_code == 0, listing.output
    lines = listing.output.splitlines()
    assert lines[0].split() == ["id", "kind", "province", "district", "languages", "phone", "active", "name"]
    quetta = next(line for line in lines if line.startswith("sample_quetta_councillor"))
    assert quetta.split()[:7] == ["sample_quetta_councillor", "councillor", "balochistan", "Quetta,", "کوئٹہ",
                                  "ur,bal,ps", "+12025550110"]
    assert len(lines) == 9
    assert [line.split()[0] for line in lines[1:3]] == ["sample_national_committee", "sample_balochistan_committee"]


def test_loading_the_same_file_again_changes_nothing(runner):
    runner.invoke(args=["directory", "load", str(SAMPLE)])
    result = runner.invoke(args=["directory", "load", str(SAMPLE)])
    assert result.output.splitlines() == ["0 added, 0 updated, 0 deactivated, 8 unchanged"]


def test_reload_updates_changed_entries_and_deactivates_removed_ones(runner, app, tmp_path):
    runner.invoke(args=["directory", "load", str(SAMPLE)])
    text = SAMPLE.read_text(encoding="utf-8")
    start = text.index("  - id: sample_lahore_councillor")
    end = text.index("  - id: sample_peshawar_councillor")
    edited = (text[:start] + text[end:]).replace('"+1 202 555 0104"', '"+1 202 555 0105"')
    smaller = tmp_path / "directory.yaml"
    smaller.write_text(edited, encoding="utf-8")

    result = runner.invoke(args=["directory", "load", str(smaller)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "updated sample_balochistan_committee: phone",
        "deactivated sample_lahore_councillor (not in the file; kept for the cases that point to it)",
        "0 added, 1 updated, 1 deactivated, 6 unchanged",
    ]
    rows = stored(app)
    assert len(rows) == 8  # never deleted: cases may point to it
    assert rows["sample_lahore_councillor"].active is False
    assert rows["sample_balochistan_committee"].phone == "+12025550105"

    back = runner.invoke(args=["directory", "load", str(SAMPLE)])
    assert back.output.splitlines()[:2] == ["updated sample_balochistan_committee: phone",
                                            "updated sample_lahore_councillor: active"]
    assert stored(app)["sample_lahore_councillor"].active is True


def test_a_broken_file_writes_nothing_and_exits_1(runner, app, tmp_path, monkeypatch):
    runner.invoke(args=["directory", "load", str(SAMPLE)])
    monkeypatch.chdir(tmp_path)
    (tmp_path / "directory.yaml").write_text(BROKEN, encoding="utf-8")
    before = {key: (row.name, row.phone, row.active, row.updated_at) for key, row in stored(app).items()}

    result = runner.invoke(args=["directory", "load", "directory.yaml"])
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [line.format(path="directory.yaml") for line in BROKEN_PROBLEMS]
    assert "13 problems: nothing was loaded" in result.stderr
    assert {key: (row.name, row.phone, row.active, row.updated_at) for key, row in stored(app).items()} == before


def test_an_entry_marked_inactive_in_the_file_is_stored_inactive(app, tmp_path):
    file = tmp_path / "directory.yaml"
    file.write_text("spec_version: 1\nentries:\n  - {id: paused, name: Paused (fictional), kind: national_committee,"
                    " languages: [ur], phone: '+1 202 555 0150', active: false}\n", encoding="utf-8")
    entries, problems = load_directory_file(file)
    assert problems == []
    with app.app_context(), db.session() as session, session.begin():
        changes = sync_directory(session, entries, NOW)
    assert changes.added == ["paused"]
    row = stored(app)["paused"]
    assert (row.active, row.updated_at) == (False, NOW)


def test_load_if_empty_leaves_an_existing_directory_alone(runner, app, tmp_path):
    first = runner.invoke(args=["directory", "load", "--if-empty", str(SAMPLE)])
    assert first.output.splitlines()[-1] == "8 added, 0 updated, 0 deactivated, 0 unchanged"
    other = tmp_path / "directory.yaml"
    other.write_text("spec_version: 1\nentries: []\n", encoding="utf-8")
    again = runner.invoke(args=["directory", "load", "--if-empty", str(other)])
    assert again.output == "the directory already has entries: nothing loaded\n"
    assert all(row.active for row in stored(app).values())
