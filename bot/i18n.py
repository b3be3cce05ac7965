"""Locale files: which languages are enabled, and every text of each, with file and line.

Files follow python-i18n's layout, `locales/<namespace>.<lang>.yml`, whose root key is the
language and whose nested keys become `<namespace>.<key>` (for example `main.menu`), and are
read with python-i18n's resource loader. Three of its habits are avoided on purpose:
- its YAML loader reads yes/no/on as booleans and forgets lines: ours (registered for .yml)
  keeps every key's line and reads only true/false as booleans;
- `load_directory` picks files whose name merely contains the locale (`ur` in `x.ur-Latn.yml`):
  we name each file exactly, `<namespace>.<lang>.yml`;
- its global current locale is not thread-safe, and `t()` loads files lazily per request: we
  read everything once at start-up into an immutable Catalogue and pass the language explicitly.
"""
from __future__ import annotations

import re
from pathlib import Path

from i18n import resource_loader
from i18n.loaders.loader import I18nFileLoadError, Loader

from bot.engine.loader import display_path
from bot.engine.problems import Problem
from bot.engine.texts import DEFAULT_BUDGET, Catalogue, Text
from bot.engine.yamlfile import LineDict, YamlProblem, load_yaml_text

LANGUAGES_FILE, BUDGETS_FILE, REVIEWS_FOLDER = "languages.yaml", "budgets.yaml", "reviews"
FACT_ID = re.compile(r"\bF-[A-Z]+-\d+\b")


class LineAwareYamlLoader(Loader):
    """python-i18n loader for .yml files that keeps line numbers (see the module docstring)."""

    def parse_file(self, file_content):
        try:
            return load_yaml_text(file_content)
        except YamlProblem as problem:
            raise I18nFileLoadError(f"{problem.line}: {problem.message}") from None

    def check_data(self, data, root_data):
        return isinstance(data, LineDict) and list(data) == [root_data] and isinstance(data[root_data], LineDict)


resource_loader.register_loader(LineAwareYamlLoader, ["yml"])


def load_catalogue(locales_dir: str | Path) -> tuple[Catalogue, list[Problem]]:
    """All texts of the enabled languages; problems are returned, never raised."""
    folder = Path(locales_dir)
    problems: list[Problem] = []
    languages, languages_path, settings = _enabled_languages(folder, problems)
    texts: dict[str, dict[str, Text]] = {}
    for language in languages:
        texts[language] = {}
        files = sorted(folder.glob(f"*.{language}.yml"))
        if not files:
            problems.append(Problem(languages_path, 1, f"language '{language}' is enabled but has no "
                                                       f"locales/*.{language}.yml files"))
        for file in files:
            _read_locale_file(file, language, texts[language], problems)
    budgets, default_budget = _budgets(folder, problems)
    reviews = {language: _reviews(folder, language, problems) for language in languages}
    catalogue = Catalogue(tuple(languages) or ("en",), texts, languages_path, settings.get("letters", {}),
                          budgets, default_budget, reviews, tuple(settings.get("law_namespaces", ())))
    return catalogue, problems


def _read_mapping(file: Path, problems: list[Problem], required: bool = False) -> LineDict | None:
    shown = display_path(file)
    try:
        data = load_yaml_text(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        if required:
            problems.append(Problem(shown, 1, "missing"))
        return None
    except YamlProblem as problem:
        problems.append(Problem(shown, problem.line, problem.message))
        return None
    if data is None:
        return None
    if not isinstance(data, LineDict):
        problems.append(Problem(shown, 1, "the file must be a mapping (key: value lines)"))
        return None
    return data


def _budgets(folder: Path, problems: list[Problem]) -> tuple[dict, int]:
    """locales/budgets.yaml: `default` segments and per-key `keys: {key: segments}`."""
    file = folder / BUDGETS_FILE
    data = _read_mapping(file, problems)
    if data is None:
        return {}, DEFAULT_BUDGET
    default = data.get("default", DEFAULT_BUDGET)
    keys = data.get("keys") or {}
    budgets = {}
    for key, value in [("default", default)] + list(keys.items()):
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 10:
            line = data.line_of(key) if key == "default" else keys.line_of(key)
            problems.append(Problem(display_path(file), line, f"budget of '{key}' must be 1 to 10 SMS segments"))
        elif key != "default":
            budgets[key] = value
    return budgets, default if isinstance(default, int) else DEFAULT_BUDGET


def _reviews(folder: Path, language: str, problems: list[Problem]) -> dict[str, str]:
    """locales/reviews/<lang>.yaml: `reviewed: {key: {fingerprint, by}}` for texts a native speaker read."""
    file = folder / REVIEWS_FOLDER / f"{language}.yaml"
    data = _read_mapping(file, problems)
    reviewed = (data or {}).get("reviewed") or {}
    if not isinstance(reviewed, dict):
        problems.append(Problem(display_path(file), data.line_of("reviewed"), "'reviewed' must map keys to reviews"))
        return {}
    found = {}
    for key, review in reviewed.items():
        if not isinstance(review, dict) or not isinstance(review.get("fingerprint"), str):
            problems.append(Problem(display_path(file), reviewed.line_of(key),
                                    f"review of '{key}' needs a fingerprint (use flows import-texts)"))
        else:
            found[key] = review["fingerprint"]
    return found


def _enabled_languages(folder: Path, problems: list[Problem]) -> tuple[list[str], str, dict]:
    """The enabled languages (default first), the file's path, and its other settings."""
    file = folder / LANGUAGES_FILE
    shown = display_path(file)
    try:
        data = load_yaml_text(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        problems.append(Problem(shown, 1, "missing: list the enabled languages here"))
        return [], shown, {}
    except YamlProblem as problem:
        problems.append(Problem(shown, problem.line, problem.message))
        return [], shown, {}
    enabled = data.get("enabled") if isinstance(data, LineDict) else None
    default = data.get("default") if isinstance(data, LineDict) else None
    if not isinstance(enabled, list) or not all(isinstance(code, str) for code in enabled) or not enabled:
        problems.append(Problem(shown, 1, "'enabled' must list language codes, one per line"))
        return [], shown, {}
    if default not in enabled:
        problems.append(Problem(shown, data.line_of("default"), f"'default' must be one of the enabled: {enabled}"))
        return list(enabled), shown, {}
    settings = {"letters": data.get("letters") or {}, "law_namespaces": data.get("law_namespaces") or []}
    if not all(isinstance(v, str) for v in dict(settings["letters"]).values()):
        problems.append(Problem(shown, data.line_of("letters"), "'letters' must map a language code to its letters"))
        settings["letters"] = {}
    if not isinstance(settings["law_namespaces"], list):
        problems.append(Problem(shown, data.line_of("law_namespaces"), "'law_namespaces' must list namespaces"))
        settings["law_namespaces"] = []
    return [default] + [code for code in enabled if code != default], shown, settings


def _read_locale_file(file: Path, language: str, into: dict[str, Text], problems: list[Problem]) -> None:
    shown = display_path(file)
    namespace = file.name[: -len(f".{language}.yml")]
    try:
        data = resource_loader.load_resource(str(file), language)
    except I18nFileLoadError as error:
        line, _, message = str(error).partition(": ")
        if line.isdigit():
            problems.append(Problem(shown, int(line), message))
        else:
            problems.append(Problem(shown, 1, f"the file must start with '{language}:' and hold keys under it"))
        return
    except UnicodeDecodeError:
        problems.append(Problem(shown, 1, "the file is not UTF-8 text"))
        return
    _flatten(data, namespace, shown, file.read_text(encoding="utf-8").splitlines(), into, problems)


def _flatten(node: LineDict, prefix: str, path: str, lines: list[str], into: dict[str, Text],
             problems: list[Problem]) -> None:
    for key, value in node.items():
        full = f"{prefix}.{key}"
        line = node.line_of(key)
        if isinstance(value, LineDict):
            _flatten(value, full, path, lines, into, problems)
        elif isinstance(value, str) and value.strip():
            if full in into:
                problems.append(Problem(path, line, f"'{full}' is also defined at {into[full].path}:{into[full].line}"))
            into[full] = Text(value.strip("\n"), path, line, _facts_above(lines, line))
        else:
            problems.append(Problem(path, line, f"'{full}' must be a non-empty text"))


def _facts_above(lines: list[str], line: int) -> tuple[str, ...]:
    """Fact ids (F-IC-3) in the comment lines right above `line` (1-based) and on it."""
    found = FACT_ID.findall(lines[line - 1].partition("#")[2]) if line <= len(lines) else []
    index = line - 2
    while index >= 0 and lines[index].strip().startswith("#"):
        found = FACT_ID.findall(lines[index]) + found
        index -= 1
    return tuple(dict.fromkeys(found))
