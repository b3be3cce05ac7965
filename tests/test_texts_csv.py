"""Translators work in a spreadsheet: `flows export-texts` writes every text as CSV, `flows import-texts`
takes the edited file back, all of it or nothing, checked like `flows check`.

Each test works on a copy of the shipped flows and locales (translators edit the real ones meanwhile).
"""
from __future__ import annotations

import csv
import io
import re
import shutil
from pathlib import Path

import pytest

from bot.engine.texts import Text, placeholders
from bot.i18n import load_catalogue
from tests.conftest import ROOT, make_app


@pytest.fixture
def shipped(tmp_path):
    """A copy of the shipped flows and locales, with a second language enabled."""
    shutil.copytree(ROOT / "flows", tmp_path / "flows")
    shutil.copytree(ROOT / "locales", tmp_path / "locales")
    ensure_second_language(tmp_path / "locales")
    return tmp_path


@pytest.fixture
def cli(shipped):
    app = make_app(f"sqlite:///{shipped}/db", FLOWS_DIR=str(shipped / "flows"), LOCALES_DIR=str(shipped / "locales"))
    yield app.test_cli_runner()
    app.extensions["db_engine"].dispose()


def ensure_second_language(locales: Path) -> None:
    """While translators work only English may be enabled: then copy the English texts as 'xx'."""
    catalogue, _ = load_catalogue(locales)
    if len(catalogue.languages) > 1:
        return
    for file in locales.glob("*.en.yml"):
        text = re.sub(r"^en:", "xx:", file.read_text(encoding="utf-8"), count=1, flags=re.MULTILINE)
        (locales / file.name.replace(".en.yml", ".xx.yml")).write_text(text, encoding="utf-8")
    languages = locales / "languages.yaml"
    languages.write_text(languages.read_text(encoding="utf-8").replace("  - en\n", "  - en\n  - xx\n", 1),
                         encoding="utf-8")


def catalogue_of(folder: Path):
    catalogue, _ = load_catalogue(folder / "locales")
    return catalogue


def second(folder: Path) -> str:
    return catalogue_of(folder).languages[1]


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted((folder / "locales").rglob("*")) if p.is_file()}


def export(cli, folder: Path) -> tuple[list[str], list[dict]]:
    path = folder / "texts.csv"
    result = cli.invoke(args=["flows", "export-texts", str(path)])
    assert result.exit_code == 0, result.output
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames), list(reader)


def write_csv(folder: Path, header: list[str], rows: list[dict]) -> Path:
    path = folder / "edited.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, header)
        writer.writeheader()
        writer.writerows(rows)
    return path


def edited(cli, folder: Path, edits: dict[tuple[str, str], str]) -> Path:
    """An exported CSV with cells changed: {(key, column): value}."""
    header, rows = export(cli, folder)
    for row in rows:
        for (key, column), value in edits.items():
            if row["key"] == key:
                row[column] = value
    assert {key for key, _ in edits} <= {row["key"] for row in rows}
    return write_csv(folder, header, rows)


def import_texts(cli, path: Path, *options: str):
    return cli.invoke(args=["flows", "import-texts", str(path), *options])


def row_line(path: Path, key: str) -> int:
    """The line a key's row starts on (texts may hold line breaks, so rows are not lines)."""
    text = path.read_text(encoding="utf-8")
    return text[: text.index(f"\n{key},")].count("\n") + 2


def law_key(catalogue) -> str:
    """A text about the law: it has a fact id above it, and no placeholders."""
    return next(key for key, entry in sorted(catalogue.texts["en"].items())
                if entry.facts and not placeholders(entry.value) and entry.value.endswith("."))


def same_length_edit(text: str) -> str:
    """Another wording of the same length and encoding, so no budget moves."""
    return text[:-1] + ("!" if text[-1] != "!" else "?")


# --- export ------------------------------------------------------------------------------------

def test_export_has_a_row_per_key_and_three_columns_per_language(cli, shipped):
    catalogue = catalogue_of(shipped)
    header, rows = export(cli, shipped)
    assert header == ["key", "budget", "facts"] + [column for language in catalogue.languages
                                                   for column in (language, f"{language} status",
                                                                  f"{language} reviewed by")]
    assert [row["key"] for row in rows] == sorted(catalogue.texts["en"])
    key = law_key(catalogue)
    row = next(row for row in rows if row["key"] == key)
    assert row["budget"] == str(catalogue.budget(key))
    assert row["facts"] == " ".join(catalogue.texts["en"][key].facts) and row["facts"].startswith("F-")
    assert row["en"] == catalogue.texts["en"][key].value
    assert {row[f"{language} status"] for row in rows for language in catalogue.languages} <= {
        "reviewed", "changed", "unreviewed"}
    assert all(row[f"{language} reviewed by"] == "" for row in rows for language in catalogue.languages)


def test_export_keeps_line_breaks_and_writes_a_bom_only_for_excel(cli, shipped):
    plain = cli.invoke(args=["flows", "export-texts", "-"])
    excel = cli.invoke(args=["flows", "export-texts", "-", "--excel"])
    assert plain.exit_code == excel.exit_code == 0
    assert not plain.stdout_bytes.startswith(b"\xef\xbb\xbf")
    assert excel.stdout_bytes == b"\xef\xbb\xbf" + plain.stdout_bytes
    with_breaks = [entry.value for entry in catalogue_of(shipped).texts["en"].values() if "\n" in entry.value]
    cells = [cell for row in csv.reader(io.StringIO(plain.stdout_bytes.decode("utf-8"), newline="")) for cell in row]
    assert with_breaks and all(value in cells for value in with_breaks)


# --- import ------------------------------------------------------------------------------------

def test_a_round_trip_changes_nothing(cli, shipped):
    before = snapshot(shipped)
    header, rows = export(cli, shipped)
    result = import_texts(cli, write_csv(shipped, header, rows))
    assert result.exit_code == 0, result.output
    assert result.stdout == "0 texts changed, 0 reviews recorded\n"
    assert snapshot(shipped) == before


def test_an_edited_text_is_written_on_its_line_and_the_comments_stay(cli, shipped):
    catalogue = catalogue_of(shipped)
    key = law_key(catalogue)
    entry = catalogue.texts["en"][key]
    file = Path(entry.path) if Path(entry.path).is_absolute() else shipped / "locales" / Path(entry.path).name
    lines_before = file.read_text(encoding="utf-8").splitlines()
    new = same_length_edit(entry.value)
    result = import_texts(cli, edited(cli, shipped, {(key, "en"): new}))
    assert result.exit_code == 0, result.output
    assert result.stdout == "1 texts changed, 0 reviews recorded\n"
    lines_after = file.read_text(encoding="utf-8").splitlines()
    name = key.split(".", 1)[1]
    assert lines_after[entry.line - 1] == f'  {name}: "{new}"'
    assert lines_after[entry.line - 2].lstrip().startswith("# F-")
    assert [line for n, line in enumerate(lines_after) if n != entry.line - 1] == \
           [line for n, line in enumerate(lines_before) if n != entry.line - 1]
    reloaded = catalogue_of(shipped).texts["en"][key]
    assert (reloaded.value, reloaded.facts) == (new, entry.facts)


def test_a_reviewer_records_the_new_text_and_a_later_edit_makes_it_changed(cli, shipped):
    language, key = second(shipped), "system.stuck"
    new = same_length_edit(catalogue_of(shipped).texts[language][key].value)
    result = import_texts(cli, edited(cli, shipped, {(key, language): new,
                                                     (key, f"{language} reviewed by"): "Ayesha Khan"}))
    assert result.exit_code == 0, result.output
    assert result.stdout == "1 texts changed, 1 reviews recorded\n"
    reviews = (shipped / "locales" / "reviews" / f"{language}.yaml").read_text(encoding="utf-8")
    fingerprint = Text(new, "", 0).fingerprint
    assert f'  {key}: {{fingerprint: "{fingerprint}", by: "Ayesha Khan"}}' in reviews.splitlines()
    assert reviews.startswith("# ")  # its explanation stays
    assert catalogue_of(shipped).review_status(language, key) == "reviewed"

    result = import_texts(cli, edited(cli, shipped, {(key, language): same_length_edit(new)}))
    assert result.exit_code == 0, result.output
    assert catalogue_of(shipped).review_status(language, key) == "changed"


def test_breaking_a_placeholder_is_refused_with_its_row_and_nothing_is_written(cli, shipped):
    catalogue, language = catalogue_of(shipped), second(shipped)
    key = next(key for key, entry in sorted(catalogue.texts["en"].items()) if placeholders(entry.value))
    names = ", ".join(f"%{{{name}}}" for name in sorted(placeholders(catalogue.texts["en"][key].value)))
    broken = re.sub(r"%\{\w+\}", "", catalogue.texts[language][key].value)
    before = snapshot(shipped)
    path = edited(cli, shipped, {(key, language): broken, (key, f"{language} reviewed by"): "Ayesha"})
    result = import_texts(cli, path)
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"{path}:{row_line(path, key)}: {key} ({language}): "
        f"'{key}' has placeholders none in '{language}' but {{{names}}} in 'en'"]
    assert snapshot(shipped) == before


def test_a_text_over_its_sms_budget_as_sent_is_refused_and_nothing_is_written(cli, shipped):
    catalogue = catalogue_of(shipped)
    key = law_key(catalogue)
    before = snapshot(shipped)
    path = edited(cli, shipped, {(key, "en"): "Too long. " * 60, ("system.stuck", "en"): "Fine."})
    result = import_texts(cli, path)
    assert result.exit_code == 1
    assert re.fullmatch(rf"{re.escape(f'{path}:{row_line(path, key)}: {key} (en): ')}'{key}' in 'en' is \d+ SMS "
                        rf"as sent \(GSM-7, \d+ units\); its budget is {catalogue.budget(key)}\n", result.stdout)
    assert snapshot(shipped) == before


def test_an_unknown_key_is_refused(cli, shipped):
    header, rows = export(cli, shipped)
    path = write_csv(shipped, header, rows + [{"key": "main.no_such_text", "en": "Hello"}])
    before = snapshot(shipped)
    result = import_texts(cli, path)
    assert result.exit_code == 1
    assert result.stdout == (f"{path}:{row_line(path, 'main.no_such_text')}: main.no_such_text (en): "
                             f"'main.no_such_text' is not a key of 'en': add it there first\n")
    assert snapshot(shipped) == before


def test_dry_run_checks_and_writes_nothing(cli, shipped):
    language, key = second(shipped), "system.stuck"
    new = same_length_edit(catalogue_of(shipped).texts[language][key].value)
    path = edited(cli, shipped, {(key, language): new, (key, f"{language} reviewed by"): "Ayesha"})
    before = snapshot(shipped)
    result = import_texts(cli, path, "--dry-run")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == "1 texts changed, 1 reviews recorded (dry run: nothing written)"
    assert snapshot(shipped) == before


def test_odd_unicode_survives_a_round_trip(cli, shipped):
    language, key = second(shipped), "system.stuck"
    odd = 'اُردُو میں "اقتباس"، بیک سلیش \\ اور 😀\nدوسری سطر: C:\\n'
    result = import_texts(cli, edited(cli, shipped, {(key, language): odd}))
    assert result.exit_code == 0, result.output
    assert catalogue_of(shipped).texts[language][key].value == odd
    _, rows = export(cli, shipped)
    assert next(row for row in rows if row["key"] == key)[language] == odd
    before = snapshot(shipped)
    header, rows = export(cli, shipped)
    assert import_texts(cli, write_csv(shipped, header, rows)).stdout == "0 texts changed, 0 reviews recorded\n"
    assert snapshot(shipped) == before


def test_a_text_missing_in_a_language_is_appended_and_a_missing_file_created(cli, shipped):
    language = second(shipped)
    locales = shipped / "locales"
    system = locales / f"system.{language}.yml"
    system.write_text("".join(line for line in system.read_text(encoding="utf-8").splitlines(keepends=True)
                              if not line.lstrip().startswith("stuck:")), encoding="utf-8")
    (locales / f"safety.{language}.yml").unlink()
    words = catalogue_of(shipped).texts["en"]["safety.unsafe_words"].value
    result = import_texts(cli, edited(cli, shipped, {("system.stuck", language): "Reply 0.",
                                                     ("safety.unsafe_words", language): words}))
    assert result.exit_code == 0, result.output
    assert system.read_text(encoding="utf-8").endswith('  stuck: "Reply 0."\n')
    root = f'"{language}"' if "-" in language else language
    assert (locales / f"safety.{language}.yml").read_text(encoding="utf-8") == f'{root}:\n  unsafe_words: "{words}"\n'
    assert catalogue_of(shipped).texts[language]["system.stuck"].value == "Reply 0."


def test_a_text_written_as_a_block_is_refused_rather_than_rewritten(cli, shipped):
    language = second(shipped)
    system = shipped / "locales" / f"system.{language}.yml"
    system.write_text(re.sub(r'^  stuck: ".*"$', "  stuck: |-\n    Sorry.\n    Reply 0.", system.read_text(
        encoding="utf-8"), count=1, flags=re.MULTILINE), encoding="utf-8")
    assert catalogue_of(shipped).texts[language]["system.stuck"].value == "Sorry.\nReply 0."
    path = edited(cli, shipped, {("system.stuck", language): "Reply 0."})
    before = snapshot(shipped)
    result = import_texts(cli, path)
    assert result.exit_code == 1
    assert result.stdout.startswith(f"{path}:{row_line(path, 'system.stuck')}: system.stuck ({language}): "
                                    f"system.{language}.yml:")
    assert "spans several lines" in result.stdout
    assert snapshot(shipped) == before
