"""Locale files: which languages are enabled, and every text of each, with file and line.

Files follow python-i18n's layout: `locales/<namespace>.<lang>.yml`, whose root key is the
language and whose nested keys become `<namespace>.<key>` (for example `main.menu`).
Everything is read once at start-up into a Catalogue; nothing is looked up lazily per request.
"""
from __future__ import annotations

from pathlib import Path

from bot.engine.loader import display_path
from bot.engine.problems import Problem
from bot.engine.texts import Catalogue, Text
from bot.engine.yamlfile import LineDict, YamlProblem, load_yaml_text

LANGUAGES_FILE = "languages.yaml"


def load_catalogue(locales_dir: str | Path) -> tuple[Catalogue, list[Problem]]:
    """All texts of the enabled languages; problems are returned, never raised."""
    folder = Path(locales_dir)
    problems: list[Problem] = []
    languages, languages_path = _enabled_languages(folder, problems)
    texts: dict[str, dict[str, Text]] = {}
    for language in languages:
        texts[language] = {}
        files = sorted(folder.glob(f"*.{language}.yml"))
        if not files:
            problems.append(Problem(languages_path, 1, f"language '{language}' is enabled but has no "
                                                       f"locales/*.{language}.yml files"))
        for file in files:
            _read_locale_file(file, language, texts[language], problems)
    return Catalogue(tuple(languages) or ("en",), texts, languages_path), problems


def _enabled_languages(folder: Path, problems: list[Problem]) -> tuple[list[str], str]:
    file = folder / LANGUAGES_FILE
    shown = display_path(file)
    try:
        data = load_yaml_text(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        problems.append(Problem(shown, 1, "missing: list the enabled languages here"))
        return [], shown
    except YamlProblem as problem:
        problems.append(Problem(shown, problem.line, problem.message))
        return [], shown
    enabled = data.get("enabled") if isinstance(data, LineDict) else None
    default = data.get("default") if isinstance(data, LineDict) else None
    if not isinstance(enabled, list) or not all(isinstance(code, str) for code in enabled) or not enabled:
        problems.append(Problem(shown, 1, "'enabled' must list language codes, one per line"))
        return [], shown
    if default not in enabled:
        problems.append(Problem(shown, data.line_of("default"), f"'default' must be one of the enabled: {enabled}"))
        return list(enabled), shown
    return [default] + [code for code in enabled if code != default], shown


def _read_locale_file(file: Path, language: str, into: dict[str, Text], problems: list[Problem]) -> None:
    shown = display_path(file)
    namespace = file.name[: -len(f".{language}.yml")]
    try:
        data = load_yaml_text(file.read_text(encoding="utf-8"))
    except YamlProblem as problem:
        problems.append(Problem(shown, problem.line, problem.message))
        return
    except UnicodeDecodeError:
        problems.append(Problem(shown, 1, "the file is not UTF-8 text"))
        return
    if not isinstance(data, LineDict) or list(data) != [language] or not isinstance(data[language], LineDict):
        problems.append(Problem(shown, 1, f"the file must start with '{language}:' and hold keys under it"))
        return
    _flatten(data[language], namespace, shown, into, problems)


def _flatten(node: LineDict, prefix: str, path: str, into: dict[str, Text], problems: list[Problem]) -> None:
    for key, value in node.items():
        full = f"{prefix}.{key}"
        line = node.line_of(key)
        if isinstance(value, LineDict):
            _flatten(value, full, path, into, problems)
        elif isinstance(value, str) and value.strip():
            if full in into:
                problems.append(Problem(path, line, f"'{full}' is also defined at {into[full].path}:{into[full].line}"))
            into[full] = Text(value.strip("\n"), path, line)
        else:
            problems.append(Problem(path, line, f"'{full}' must be a non-empty text"))
