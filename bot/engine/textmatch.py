"""Compare what she typed with what we expect, the way a person would.

Case, accents, Arabic-script diacritics, letter variants (Arabic vs Urdu yeh, kaf, heh),
surrounding punctuation and the digit script she used must not matter.
"""
from __future__ import annotations

import unicodedata

# Urdu (Extended Arabic-Indic) and Arabic-Indic digits read as ASCII digits.
_DIGITS = {ord(c): str(i) for i, c in enumerate("۰۱۲۳۴۵۶۷۸۹")}
_DIGITS.update({ord(c): str(i) for i, c in enumerate("٠١٢٣٤٥٦٧٨٩")})

# Letters that phones type interchangeably in Urdu, Pashto and Balochi text.
_LETTER_VARIANTS = str.maketrans({
    "\u064a": "\u06cc",  # Arabic yeh -> Farsi/Urdu yeh
    "\u0649": "\u06cc",  # alef maksura -> yeh
    "\u0643": "\u06a9",  # Arabic kaf -> keheh
    "\u0647": "\u06c1",  # heh -> heh goal
    "\u06d5": "\u06c1",  # ae -> heh goal
    "\u0629": "\u06c1",  # teh marbuta -> heh goal
})

_TATWEEL = "\u0640"


def to_ascii_digits(text: str) -> str:
    """Replace Urdu and Arabic-Indic digits with 0-9."""
    return text.translate(_DIGITS)


def normalise(text: str) -> str:
    """A folded form of `text` for matching keywords, labels and answers."""
    text = unicodedata.normalize("NFKD", text)
    kept = []
    for char in text:
        category = unicodedata.category(char)
        # Cf: zero-width and direction marks (Arabic letter mark, RLM, ZWNJ...), soft hyphen, BOM.
        if category == "Cf" or char == _TATWEEL or unicodedata.combining(char):
            continue
        if category.startswith("P") or category.startswith("S"):
            kept.append(" ")
        else:
            kept.append(char)
    folded = to_ascii_digits("".join(kept)).translate(_LETTER_VARIANTS).casefold()
    return " ".join(folded.split())


def parse_choice(text: str) -> int | None:
    """The number she sent, if her whole message is one whole number (any digit script)."""
    folded = normalise(text)
    if folded.isdigit() and len(folded) <= 3:
        return int(folded)
    return None


def clean_inbound(text: str | None) -> str:
    """Her message as we keep it: Unicode NFC, no control characters, line breaks kept."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", text)
    out = []
    for char in text:
        if char in "\n\t":
            out.append(char)
        elif unicodedata.category(char) in ("Cc", "Cs"):  # controls, lone surrogates
            continue
        else:
            out.append(char)
    return "".join(out).strip()
