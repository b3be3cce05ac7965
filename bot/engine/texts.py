"""The texts of every enabled language, as plain data the engine can render."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.engine.textmatch import normalise

PLACEHOLDER = re.compile(r"%\{([a-zA-Z_][a-zA-Z0-9_]*)\}")


@dataclass(frozen=True)
class Text:
    """One string of one language, with where it is written."""

    value: str
    path: str
    line: int


@dataclass
class Catalogue:
    """Texts by language then key. The first language is the default (and the reference)."""

    languages: tuple[str, ...]
    texts: dict[str, dict[str, Text]]
    languages_path: str = "locales/languages.yaml"
    _words: dict = field(default_factory=dict, repr=False)

    @property
    def default(self) -> str:
        return self.languages[0]

    def has(self, key: str, language: str | None = None) -> bool:
        return key in self.texts.get(language or self.default, {})

    def raw(self, language: str, key: str) -> str:
        entry = self.texts.get(language, {}).get(key) or self.texts[self.default].get(key)
        if entry is None:
            raise KeyError(key)
        return entry.value

    def render(self, language: str, key: str, params: dict | None = None) -> str:
        """The text of `key` in `language` (default language if missing) with %{name} filled in."""
        params = params or {}
        return PLACEHOLDER.sub(lambda m: str(params.get(m.group(1), "")), self.raw(language, key))

    def words(self, key: str) -> frozenset[str]:
        """The comma-separated words of `key` in every enabled language, folded for matching."""
        if key not in self._words:
            found = set()
            for language in self.languages:
                entry = self.texts.get(language, {}).get(key)
                if entry:
                    found.update(w for w in (normalise(part) for part in entry.value.split(",")) if w)
            self._words[key] = frozenset(found)
        return self._words[key]


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))
