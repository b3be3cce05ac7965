"""The directory of committees and councillors cases are referred to: read from YAML, kept in the database.

A directory file is checked as a whole (every problem with its line) and loaded only when it has
none. Loading updates entries by their id; an entry left out of the file is made inactive, never
deleted, because cases may point to it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from datetime import datetime
from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from bot import phone
from bot.engine.loader import display_path
from bot.engine.problems import Problem
from bot.engine.yamlfile import LineDict, LineList, YamlProblem, load_yaml_text
from bot.routing import LANGUAGES, PROVINCES
from bot.store.models import DirectoryEntry

SPEC_VERSION = 1
KINDS = ("external_committee", "national_committee", "councillor")
ENTRY_FIELDS = ("id", "name", "kind", "province", "district", "languages", "phone", "active")
KEY = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
KEY_LENGTH, NAME_LENGTH, DISTRICT_LENGTH = 64, 200, 64  # the columns' sizes
DIRECTORY_PROVINCES = tuple(p for p in PROVINCES if p != "other")


@dataclass(frozen=True)
class Entry:
    """One committee or councillor as the file gives it (attributes as DirectoryEntry's)."""

    key: str
    name: str
    kind: str
    province: str | None
    district: str | None
    languages: str  # comma-separated codes, as stored: "ur,bal"
    phone: str      # E.164
    active: bool = True
    line: int = field(default=0, compare=False)


STORED = tuple(f.name for f in fields(Entry) if f.name != "line")


@dataclass
class Changes:
    """What a load changed, by entry key."""

    added: list[str] = field(default_factory=list)
    updated: dict[str, list[str]] = field(default_factory=dict)  # key -> the fields that changed
    deactivated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def load_directory_file(path: str | Path) -> tuple[list[Entry], list[Problem]]:
    """The entries of the directory file at `path`, and every problem found (path:line: message).

    Use the entries only when there are no problems.
    """
    shown = display_path(Path(path))
    try:
        data = load_yaml_text(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return [], [Problem(shown, 1, "missing: no such file")]
    except UnicodeDecodeError:
        return [], [Problem(shown, 1, "the file is not UTF-8 text")]
    except YamlProblem as problem:
        return [], [Problem(shown, problem.line, problem.message)]
    problems: list[Problem] = []

    def report(line: int, message: str) -> None:
        problems.append(Problem(shown, line, message))

    if not isinstance(data, LineDict):
        report(1, "the file must be a mapping with spec_version and entries")
        return [], problems
    if data.get("spec_version") != SPEC_VERSION:
        report(data.line_of("spec_version"), f"'spec_version' must be {SPEC_VERSION}")
    for key in data:
        if key not in ("spec_version", "entries"):
            report(data.line_of(key), f"unknown field '{key}' in the directory file (known: spec_version, entries)")
    items = data.get("entries")
    if not isinstance(items, LineList):
        report(data.line_of("entries"), "'entries' must be a list of committees and councillors")
        return [], problems
    entries, seen = [], {}
    for index, item in enumerate(items):
        line = items.line_of(index)
        key = item.get("id") if isinstance(item, LineDict) else None
        if isinstance(key, str) and key in seen:
            report(line, f"entry '{key}' is listed twice (first on line {seen[key]})")
        elif isinstance(key, str):
            seen[key] = line
        entry = _entry(item, line, report)
        if entry is not None:
            entries.append(entry)
    return entries, problems


def _entry(item, line: int, report) -> Entry | None:
    if not isinstance(item, LineDict):
        report(line, "an entry must be a mapping {id, name, kind, province, district, languages, phone, active}")
        return None
    key = item.get("id")
    if not isinstance(key, str) or not KEY.match(key) or len(key) > KEY_LENGTH:
        report(item.line_of("id"), f"an entry needs an 'id': lower-case letters, digits, _ or -, "
                                   f"at most {KEY_LENGTH} characters")
        key = None
    where = f"entry '{key or '?'}'"
    for name in item:
        if name not in ENTRY_FIELDS:
            report(item.line_of(name), f"unknown field '{name}' in {where} (known: {', '.join(ENTRY_FIELDS)})")
    name = item.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > NAME_LENGTH:
        report(item.line_of("name"), f"{where} needs a 'name' (at most {NAME_LENGTH} characters)")
    kind = item.get("kind")
    if kind not in KINDS:
        report(item.line_of("kind"), f"{where}: 'kind' must be one of {', '.join(KINDS)}")
    province = item.get("province")
    if kind == "national_committee":
        if province is not None:
            report(item.line_of("province"), f"{where}: a national committee has no province")
    elif province not in DIRECTORY_PROVINCES:
        shown = "needs a 'province'" if province is None else f"unknown province '{province}'"
        report(item.line_of("province"), f"{where} {shown} (known: {', '.join(DIRECTORY_PROVINCES)})")
    district = _district(item, where, kind, report)
    languages = item.get("languages")
    if not isinstance(languages, list) or not languages:
        report(item.line_of("languages"), f"{where}: 'languages' must be a list of codes, like [ur, bal]")
        languages = []
    for code in languages:
        if code not in LANGUAGES:
            report(item.line_of("languages"), f"{where}: unknown language '{code}' (known: {', '.join(LANGUAGES)})")
    number = None
    try:
        number = phone.normalise(str(item.get("phone") or ""), region="PK")
    except phone.BadNumber as error:
        report(item.line_of("phone"), f"{where}: 'phone' is not a phone number ({error}); write it as +92...")
    active = item.get("active", True)
    if not isinstance(active, bool):
        report(item.line_of("active"), f"{where}: 'active' must be true or false")
    if key is None or name is None or kind not in KINDS:
        return None
    return Entry(key, str(name).strip(), kind, province if kind != "national_committee" else None, district,
                 ",".join(str(code) for code in languages), number or "", active is not False, item.line)


def _district(item: LineDict, where: str, kind, report) -> str | None:
    """Councillors' district, its spellings joined by commas ('Quetta, کوئٹہ'); a list is accepted too."""
    district = item.get("district")
    if kind != "councillor":
        if district is not None:
            report(item.line_of("district"), f"{where}: only councillors have a 'district'")
        return None
    if isinstance(district, list):
        district = ", ".join(str(part) for part in district)
    if not isinstance(district, str) or not district.strip(" ,،"):
        report(item.line_of("district"), f"{where}: a councillor needs a 'district' (spellings separated by commas)")
        return None
    if len(district) > DISTRICT_LENGTH:
        report(item.line_of("district"), f"{where}: 'district' is longer than {DISTRICT_LENGTH} characters")
    return district.strip()


def sync_directory(db: DbSession, entries: list[Entry], now: datetime) -> Changes:
    """Make the directory table match `entries`: add, update by key, deactivate what the file leaves out.

    Nothing is deleted (cases point to entries). The caller commits.
    """
    changes = Changes()
    stored = {row.key: row for row in db.scalars(select(DirectoryEntry))}
    for entry in entries:
        row = stored.pop(entry.key, None)
        if row is None:
            db.add(DirectoryEntry(**{name: getattr(entry, name) for name in STORED}, updated_at=now))
            changes.added.append(entry.key)
            continue
        changed = [name for name in STORED if getattr(row, name) != getattr(entry, name)]
        for name in changed:
            setattr(row, name, getattr(entry, name))
        if changed:
            row.updated_at = now
            changes.updated[entry.key] = changed
        else:
            changes.unchanged.append(entry.key)
    for key, row in sorted(stored.items()):
        if row.active:
            row.active, row.updated_at = False, now
            changes.deactivated.append(key)
    return changes


def save_entry(db: DbSession, values: dict, now: datetime) -> tuple[str | None, list[str]]:
    """Add or update one entry from the console's form, checked exactly as a file's entry is.

    `values` has the file's fields (languages as a list, active as a bool). Returns the key, or None
    and the problems, each as a sentence for the form.
    """
    problems: list[str] = []
    item = load_yaml_text(yaml.safe_dump({"entries": [values]}, allow_unicode=True))["entries"][0]
    entry = _entry(item, 1, lambda line, message: problems.append(message))
    if entry is None or problems:
        return None, problems or ["the entry is not complete"]
    row = db.scalars(select(DirectoryEntry).where(DirectoryEntry.key == entry.key)).one_or_none()
    if row is None:
        db.add(DirectoryEntry(**{name: getattr(entry, name) for name in STORED}, updated_at=now))
    else:
        for name in STORED:
            setattr(row, name, getattr(entry, name))
        row.updated_at = now
    return entry.key, []


def describe(changes: Changes) -> list[str]:
    """Lines telling a coordinator what a load changed."""
    lines = [f"added {key}" for key in changes.added]
    lines += [f"updated {key}: {', '.join(names)}" for key, names in changes.updated.items()]
    lines += [f"deactivated {key} (not in the file; kept for the cases that point to it)"
              for key in changes.deactivated]
    lines.append(f"{len(changes.added)} added, {len(changes.updated)} updated, {len(changes.deactivated)} "
                 f"deactivated, {len(changes.unchanged)} unchanged")
    return lines


def table(rows) -> list[str]:
    """The directory as aligned text lines, one entry a line: national, provincial committees, then councillors."""
    order = ("national_committee", "external_committee", "councillor")
    rows = sorted(rows, key=lambda row: (order.index(row.kind) if row.kind in order else len(order),
                                         row.province or "", row.district or "", row.key))
    header = ["id", "kind", "province", "district", "languages", "phone", "active", "name"]
    cells = [[row.key, row.kind, row.province or "-", row.district or "-", row.languages, row.phone,
              "yes" if row.active else "no", row.name] for row in rows]
    widths = [max(len(line[i]) for line in cells + [header]) for i in range(len(header))]
    return ["  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip() for line in [header] + cells]
