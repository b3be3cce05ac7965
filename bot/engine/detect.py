"""Guess the language of her first message, so she is answered in it without a menu detour.

Each language lists common words in its locale files (`language.detect_words`), and may list
letters only it uses in locales/languages.yaml (`letters`). Letters count double: Pashto's
ټ ډ ړ ښ ږ ځ څ are not used in Urdu. A guess is made only when one language clearly leads; otherwise None,
and she gets the language menu.
"""
from __future__ import annotations

import unicodedata

from bot.engine.textmatch import normalise
from bot.engine.texts import Catalogue

WORDS_KEY, NAME_KEY = "language.detect_words", "language.name"


def script_of(text: str) -> str | None:
    """'arabic' or 'latin' by the majority of letters, None without letters."""
    arabic = latin = 0
    for char in text:
        if not char.isalpha():
            continue
        if "ARABIC" in unicodedata.name(char, ""):
            arabic += 1
        elif "LATIN" in unicodedata.name(char, ""):
            latin += 1
    if not arabic and not latin:
        return None
    return "arabic" if arabic >= latin else "latin"


def detect_language(text: str, texts: Catalogue, keywords=()) -> str | None:
    """The enabled language `text` is clearly written in, or None when unsure.

    A keyword's words count as that language's words too (a first message may be just "مینو").
    """
    script = script_of(text)
    if script is None or len(texts.languages) < 2:
        return None
    folded = normalise(text)
    words = set(folded.split()) | {folded}  # the whole message too: keywords of several words ("mita do")
    scores = {}
    for language in texts.languages:
        if not texts.has(NAME_KEY, language) or script_of(texts.raw(language, NAME_KEY)) != script:
            continue
        score = 0
        known = set(texts.words_of(language, WORDS_KEY))
        for keyword in keywords:
            known |= texts.words_of(language, keyword.words)
        score += len(words & known)
        score += 2 * len(set(texts.letters.get(language, "")) & set(text))
        scores[language] = score
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    if not ranked or ranked[0][1] == 0:
        return None
    if len(ranked) > 1 and ranked[1][1] >= ranked[0][1]:
        return None
    return ranked[0][0]
