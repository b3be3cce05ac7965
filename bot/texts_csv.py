"""Texts as a spreadsheet for translators: `flows export-texts` and `flows import-texts`.

One row per key of the default language; per enabled language three columns: the text, its
native review status, and "<lang> reviewed by", which a reviewer fills in. An import is all or
nothing: the changes are first made in a copy of the locales folder, the flow set is loaded and
validated there, and any error about a text the file changes (or any error it adds) refuses it.

Locale files are edited in place: only the quoted value on a key's line is replaced, so the
comments (the `# F-...` fact ids above keys) and the order of keys stay as the translator left them.
"""
from __future__ import annotations

import csv
import io
import os
import shutil
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import yaml
from yaml.reader import Reader

from bot import flows as flow_loading
from bot.engine.loader import display_path
from bot.engine.problems import Problem
from bot.engine.texts import Catalogue
from bot.engine.yamlfile import YamlProblem, load_yaml_text
from bot.i18n import REVIEWS_FOLDER

STATUS, REVIEWED_BY = " status", " reviewed by"
# Inside double quotes YAML reads these as line breaks or refuses them: always write them escaped.
ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t",
           "\x85": "\\N", "\u2028": "\\L", "\u2029": "\\P"}


class TextsCsvError(Exception):
    """The CSV cannot be read as a texts file (no `key` column)."""


@dataclass(frozen=True)
class Change:
    """What one CSV row asks for one language: a new text (None keeps it) and/or its reviewer."""

    line: int        # where the row starts in the CSV (the header is line 1)
    key: str
    namespace: str   # the file the key lives in: <namespace>.<language>.yml
    language: str
    text: str | None
    reviewer: str


@dataclass
class Outcome:
    """What an import did, or why it refused: when `refusals` has lines, nothing was written."""

    refusals: list[str]
    notes: list[str]
    changes: list[Change]
    texts_changed: int = 0
    reviews_recorded: int = 0


def export_csv(catalogue: Catalogue) -> str:
    """The texts as CSV: key, budget, facts, then per language its text, status and reviewer."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["key", "budget", "facts"] + [column for language in catalogue.languages
                                                  for column in (language, language + STATUS, language + REVIEWED_BY)])
    default = catalogue.texts.get(catalogue.default, {})
    for key in sorted(default):
        row = [key, catalogue.budget(key), " ".join(default[key].facts)]
        for language in catalogue.languages:
            entry = catalogue.texts.get(language, {}).get(key)
            row += [entry.value if entry else "", catalogue.review_status(language, key), ""]
        writer.writerow(row)
    return out.getvalue()


def read_changes(csv_text: str, catalogue: Catalogue) -> tuple[list[Change], list[tuple], list[str]]:
    """The changes a CSV asks for, the rows refused as (line, key, language, message), and notes.

    A cell equal to the current text changes nothing; a missing language column changes nothing.
    """
    reader = csv.reader(io.StringIO(csv_text, newline=""))
    header = [name.strip() for name in next(reader, [])]
    if "key" not in header:
        raise TextsCsvError("the first row must name the columns, one of them 'key' (as export-texts writes it)")
    languages = [language for language in catalogue.languages if language in header]
    notes = [f"column '{name}' ignored: '{name}' is not enabled in {catalogue.languages_path}"
             for name in header if name + STATUS in header and name not in catalogue.languages]
    default = catalogue.texts.get(catalogue.default, {})
    changes, refused, first_line_of = [], [], {}
    line = reader.line_num + 1
    for cells in reader:
        row = dict(zip(header, cells))
        key = row.get("key", "").strip()
        if key and key in first_line_of:
            refused.append((line, key, catalogue.default, f"the key is also on line {first_line_of[key]}"))
        first_line_of.setdefault(key, line)
        for language in languages if key else ():
            text = row.get(language, "").replace("\r\n", "\n").replace("\r", "\n").strip("\n")
            reviewer = row.get(language + REVIEWED_BY, "").strip()
            current = catalogue.texts.get(language, {}).get(key)
            if key not in default and (text or reviewer):
                refused.append((line, key, language, f"'{key}' is not a key of '{catalogue.default}': "
                                                      f"add it there first"))
            elif reviewer and not text:
                refused.append((line, key, language, f"there is no text to review ('{reviewer}' reviewed nothing)"))
            elif key in default and (reviewer or (text != current.value if current else text)):
                namespace = Path(default[key].path).name[: -len(f".{catalogue.default}.yml")]
                unchanged = current is not None and current.value == text
                changes.append(Change(line, key, namespace, language, None if unchanged else text, reviewer))
        line = reader.line_num + 1
    return changes, refused, notes


def import_csv(csv_text: str, csv_name: str, flows_dir: str, locales_dir: str, facts_file: str | None = None,
               dry_run: bool = False) -> Outcome:
    """Check the CSV's changes on a copy of `locales_dir`, then (unless refused or `dry_run`) make them.

    Refusals read `csv_name:ROW: key (language): message`.
    """
    locales = Path(locales_dir)
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "locales"
        shutil.copytree(locales, copy)
        flowset, before = _errors(flows_dir, copy, facts_file)
        changes, refused, notes = read_changes(csv_text, flowset.texts)
        files, cannot_edit = _edited_texts(copy, changes)
        _write(files)
        flowset, after = _errors(flows_dir, copy, facts_file)
        fingerprints = {(c.language, c.key): flowset.texts.texts[c.language][c.key].fingerprint
                        for c in changes if c.reviewer and c.key in flowset.texts.texts.get(c.language, {})}
        _, recorded, cannot_review = _edited_reviews(copy, changes, fingerprints)
        refused += cannot_edit + cannot_review + _refusals(changes, flowset, before, after)
        shown = display_path(copy)
    real = display_path(locales)
    outcome = Outcome(_lines(csv_name, refused, flowset.texts.languages, shown, real),
                      [note.replace(shown, real) for note in notes], changes,
                      sum(c.text is not None for c in changes), recorded)
    if outcome.refusals or dry_run:
        return outcome
    files, cannot_edit = _edited_texts(locales, changes)  # anew: others may have edited the files meanwhile
    reviews, _, cannot_review = _edited_reviews(locales, changes, fingerprints)
    outcome.refusals = _lines(csv_name, cannot_edit + cannot_review, flowset.texts.languages)
    if not outcome.refusals:
        _write({**files, **reviews})
    return outcome


def _lines(csv_name: str, refused: list[tuple], languages: tuple, shown: str = "", real: str = "") -> list[str]:
    """Refused rows as `FILE.csv:ROW: key (language): message`, in the order of the CSV."""
    def order(refusal):
        line, key, language, message = refusal
        return line, languages.index(language) if language in languages else len(languages), key, message

    return [f"{csv_name}:{line}: {key} ({language}): {message.replace(shown, real) if shown else message}"
            for line, key, language, message in sorted(set(refused), key=order)]


def _errors(flows_dir: str, locales: Path, facts_file: str | None):
    """The flow set with these locales and its errors (budgets and first lines are measured even
    when a translation is still incomplete: the validator does that)."""
    flowset, problems = flow_loading.load(flows_dir, str(locales), facts_file)
    return flowset, {p for p in problems if p.severity == "error"}


def _refusals(changes: list[Change], flowset, before: set[Problem], after: set[Problem]) -> list[tuple]:
    """Errors about a changed text (at its line, or naming its key and its language or file), and errors
    the changes add (attributed to the changes in that language)."""
    changed = [c for c in changes if c.text is not None]
    refused, placed = [], set()
    for change in changed:
        entry = flowset.texts.texts.get(change.language, {}).get(change.key)
        if entry is not None and entry.value != change.text:
            refused.append((change.line, change.key, change.language, "the text could not be written as given"))
        file = f"{change.namespace}.{change.language}.yml"
        for problem in after:
            if ((entry and (problem.path, problem.line) == (entry.path, entry.line))
                    or (f"'{change.key}'" in problem.message
                        and (f"'{change.language}'" in problem.message or Path(problem.path).name == file))):
                refused.append((change.line, change.key, change.language, problem.message))
                placed.add(problem)
    for problem in sorted(after - before - placed):  # such as a menu over budget after one option grew
        default = flowset.texts.default
        causes = [c for c in changed if f"'{c.language}'" in problem.message or c.language == default] or changed
        refused += [(c.line, c.key, c.language, problem.message) for c in causes]
    return refused


def _edited_texts(folder: Path, changes: list[Change]) -> tuple[dict[Path, str], list[tuple]]:
    """The new contents of the locale files in `folder` that the changes touch, and rows refused."""
    by_file = defaultdict(list)
    for change in changes:
        if change.text is not None:
            by_file[folder / f"{change.namespace}.{change.language}.yml"].append(change)
    files, refused = {}, []
    for file, group in by_file.items():
        text = _read(file) if file.exists() else f"{_root_key(group[0].language)}:\n"
        try:
            values, indent = _values(text, group[0].language)
        except (yaml.YAMLError, ValueError) as error:
            reason = str(error) if isinstance(error, ValueError) else "it is not valid YAML (flows check says where)"
            refused += [(c.line, c.key, c.language, f"{file.name} cannot be edited: {reason}") for c in group]
            continue
        replaced, appended = [], []
        for change in group:
            node = values.get(_name(change))
            if node is None:
                appended.append(f"{indent}{_name(change)}: {quoted(change.text)}")
            elif (isinstance(node, yaml.ScalarNode) and node.style in (None, '"', "'")
                  and node.start_mark.line == node.end_mark.line):
                space = " " if text[node.start_mark.index - 1] == ":" else ""  # `key:` with no value yet
                replaced.append((node.start_mark.index, node.end_mark.index, space + quoted(change.text)))
            else:
                refused.append((change.line, change.key, change.language,
                                f"{file.name}:{node.start_mark.line + 1}: the current text spans several lines; "
                                f"make it one line in double quotes by hand, then import again"))
        for start, end, value in sorted(replaced, reverse=True):  # from the end, so offsets stay true
            text = text[:start] + value + text[end:]
        if appended:
            newline = "\r\n" if "\r\n" in text else "\n"
            text += ("" if text.endswith("\n") else newline) + "".join(line + newline for line in appended)
        files[file] = text
    return files, refused


def _edited_reviews(folder: Path, changes: list[Change], fingerprints: dict) -> tuple[dict[Path, str], int, list]:
    """The new contents of reviews/<lang>.yaml files, how many reviews are new, and rows refused."""
    by_language = defaultdict(list)
    for change in changes:
        if change.reviewer and (change.language, change.key) in fingerprints:
            by_language[change.language].append(change)
    files, recorded, refused = {}, 0, []
    for language, group in by_language.items():
        file = folder / REVIEWS_FOLDER / f"{language}.yaml"
        original = _read(file) if file.exists() else ""
        try:
            data = load_yaml_text(original) or {}
            entries = {key: (review["fingerprint"], str(review.get("by") or ""))
                       for key, review in (data.get("reviewed") or {}).items()}
        except (YamlProblem, AttributeError, TypeError, KeyError):
            refused += [(c.line, c.key, language, f"{REVIEWS_FOLDER}/{file.name} cannot be read: "
                                                  f"fix it (flows check says how), then import again") for c in group]
            continue
        new = {c.key: (fingerprints[(language, c.key)], c.reviewer) for c in group}
        new = {key: review for key, review in new.items() if entries.get(key) != review}
        if new:
            entries.update(new)
            recorded += len(new)
            body = ["reviewed:"] + [f"  {key}: {{fingerprint: {quoted(fingerprint)}, by: {quoted(by)}}}"
                                    for key, (fingerprint, by) in sorted(entries.items())]
            files[file] = "\n".join(_leading_comments(original) + body) + "\n"
    return files, recorded, refused


def quoted(value: str) -> str:
    """`value` as a one-line double-quoted YAML string: backslashes, quotes and line breaks escaped."""
    def escape(char: str) -> str:
        if char in ESCAPES:
            return ESCAPES[char]
        if Reader.NON_PRINTABLE.match(char):
            return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"
        return char

    return '"' + "".join(escape(char) for char in value) + '"'


def _values(text: str, language: str) -> tuple[dict[str, yaml.Node], str]:
    """The value nodes under the file's root `language:` by dotted name, and the indentation of its keys."""
    document = yaml.compose(text, Loader=yaml.SafeLoader)
    if not isinstance(document, yaml.MappingNode):
        raise ValueError(f"it must start with '{_root_key(language)}:'")
    root = next((value for key, value in document.value if key.value == language), None)
    if root is None:
        raise ValueError(f"it has no '{_root_key(language)}:' root")
    if isinstance(root, yaml.ScalarNode) and root.value == "":
        return {}, "  "
    if not isinstance(root, yaml.MappingNode) or root.flow_style:
        raise ValueError(f"'{language}:' must hold its keys one per line")
    values = {}

    def walk(node: yaml.MappingNode, prefix: str) -> None:
        for key, value in node.value:
            if isinstance(value, yaml.MappingNode):
                walk(value, f"{prefix}{key.value}.")
            else:
                values[f"{prefix}{key.value}"] = value

    walk(root, "")
    indent = " " * root.value[0][0].start_mark.column if root.value else "  "
    return values, indent


def _name(change: Change) -> str:
    return change.key[len(change.namespace) + 1:]


def _root_key(language: str) -> str:
    return f'"{language}"' if "-" in language else language


def _leading_comments(text: str) -> list[str]:
    lines = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        lines.append(line)
    return lines


def _read(file: Path) -> str:
    with open(file, encoding="utf-8", newline="") as handle:  # keep the file's own line endings
        return handle.read()


def _write(files: dict[Path, str]) -> None:
    """Each file replaced whole (a reader never sees half a file)."""
    for file, text in files.items():
        file.parent.mkdir(parents=True, exist_ok=True)
        partial = file.with_name(f".{file.name}.importing")
        with open(partial, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.replace(partial, file)
