"""The texts of every enabled language, as plain data the engine can render."""
from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field

from bot.engine.textmatch import normalise

PLACEHOLDER = re.compile(r"%\{([a-zA-Z_][a-zA-Z0-9_]*)\}")
LRM = "\u200e"  # LEFT-TO-RIGHT MARK: old phones know it, unlike the newer isolates
DEFAULT_BUDGET = 2


@dataclass(frozen=True)
class Text:
    """One string of one language, with where it is written and the facts it states (# F-... comments)."""

    value: str
    path: str
    line: int
    facts: tuple[str, ...] = ()

    @property
    def fingerprint(self) -> str:
        """Identifies this wording: a review holds only for the wording it saw."""
        return hashlib.sha256(self.value.encode()).hexdigest()[:10]


@dataclass
class Catalogue:
    """Texts by language then key. The first language is the default (and the reference)."""

    languages: tuple[str, ...]
    texts: dict[str, dict[str, Text]]
    languages_path: str = "locales/languages.yaml"
    letters: dict = field(default_factory=dict)  # language -> letters only it uses (language detection)
    budgets: dict = field(default_factory=dict)  # key -> SMS segments it may cost (else `default_budget`)
    default_budget: int = DEFAULT_BUDGET
    reviews: dict = field(default_factory=dict)  # language -> {key: fingerprint a native speaker reviewed}
    law_namespaces: tuple[str, ...] = ()  # texts there state the law and must name their facts
    _words: dict = field(default_factory=dict, repr=False)
    _rtl: dict = field(default_factory=dict, repr=False)

    @property
    def default(self) -> str:
        return self.languages[0]

    def expand(self, pattern: str) -> list[str]:
        """The keys a pattern names: itself, or for "canned.*" every key of that namespace, in file order."""
        if pattern.endswith(".*"):
            return [key for key in self.texts.get(self.default, {}) if key.startswith(pattern[:-1])]
        return [pattern] if self.has(pattern) else []

    def has(self, key: str, language: str | None = None) -> bool:
        return key in self.texts.get(language or self.default, {})

    def raw(self, language: str, key: str) -> str:
        entry = self.texts.get(language, {}).get(key) or self.texts[self.default].get(key)
        if entry is None:
            raise KeyError(key)
        return entry.value

    def render(self, language: str, key: str, params: dict | None = None) -> str:
        """The text of `key` in `language` (default language if missing) with %{name} filled in.

        In right-to-left text a value with anything but plain digits (+92 300..., a case
        reference) is held left-to-right between marks, so it reads in the right order.
        """
        params = params or {}
        rtl = self.is_rtl(language)

        def fill(match):
            value = str(params.get(match.group(1), ""))
            return f"{LRM}{value}{LRM}" if rtl and value and not value.isdigit() else value

        return PLACEHOLDER.sub(fill, self.raw(language, key))

    def is_rtl(self, language: str) -> bool:
        """True for a language written right to left (its own name is in Arabic script)."""
        if language not in self._rtl:
            name = self.texts.get(language, {}).get("language.name")
            self._rtl[language] = bool(name) and any(
                unicodedata.bidirectional(char) in ("R", "AL") for char in name.value)
        return self._rtl[language]

    def budget(self, key: str) -> int:
        return self.budgets.get(key, self.default_budget)

    def review_status(self, language: str, key: str) -> str:
        """'reviewed', 'changed' (reviewed, then edited) or 'unreviewed'."""
        entry = self.texts.get(language, {}).get(key)
        reviewed = self.reviews.get(language, {}).get(key)
        if entry is None or reviewed is None:
            return "unreviewed"
        return "reviewed" if reviewed == entry.fingerprint else "changed"

    def words_of(self, language: str, key: str) -> frozenset[str]:
        """The comma-separated words of `key` in one language, folded for matching."""
        entry = self.texts.get(language, {}).get(key)
        if entry is None:
            return frozenset()
        return frozenset(w for w in (normalise(part) for part in entry.value.split(",")) if w)

    def words(self, key: str) -> frozenset[str]:
        """The comma-separated words of `key` in every enabled language, folded for matching."""
        if key not in self._words:
            self._words[key] = frozenset().union(*(self.words_of(language, key) for language in self.languages))
        return self._words[key]


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))
