"""How the engine reads what she typed: the way a person would, whatever her phone's keyboard did."""
from __future__ import annotations

import pytest

from bot.engine.textmatch import clean_inbound, normalise, parse_choice

# --- normalise --------------------------------------------------------------------------------


@pytest.mark.parametrize("typed, folded", [
    ("MENU", "menu"),
    ("Straße", "strasse"),
    ("Ménu", "menu"),
    ("ÉXIT", "exit"),
    ("ｓｔｏｐ", "stop"),  # full-width letters from some keyboards
])
def test_normalise_folds_case_and_accents(typed, folded):
    assert normalise(typed) == folded


@pytest.mark.parametrize("typed, folded", [
    (" stop! ", "stop"),
    ("menu.", "menu"),
    ("Other-topics", "other topics"),
    ("your   rights,\nat work?", "your rights at work"),
    ("مینو۔", "مینو"),       # Urdu full stop
    ("؟مینو", "مینو"),       # Arabic question mark
    ("ہاں،", "ہاں"),         # Arabic comma
])
def test_normalise_turns_punctuation_into_single_spaces(typed, folded):
    assert normalise(typed) == folded


@pytest.mark.parametrize("arabic, urdu", [
    ("\u064a", "\u06cc"),  # Arabic yeh ي -> Urdu yeh ی
    ("\u0649", "\u06cc"),  # alef maksura ى -> ی
    ("\u0643", "\u06a9"),  # Arabic kaf ك -> keheh ک
    ("\u0647", "\u06c1"),  # heh ه -> heh goal ہ
    ("\u0629", "\u06c1"),  # teh marbuta ة -> ہ
    ("\u06d5", "\u06c1"),  # ae ە -> ہ
])
def test_normalise_folds_arabic_letter_variants_to_urdu(arabic, urdu):
    assert normalise(arabic) == urdu


def test_normalise_matches_a_word_typed_on_an_arabic_keyboard():
    assert normalise("كيا") == normalise("کیا")


def test_normalise_matches_arabic_presentation_forms():
    assert normalise("\ufee3\ufef4\ufee8\ufeee") == "مینو"  # ﻣﻴﻨﻮ as some old phones send it


@pytest.mark.parametrize("mark", ["\u064e", "\u0650", "\u064f", "\u0651", "\u0652", "\u064b", "\u0670"])
def test_normalise_drops_harakat(mark):
    # zabar, zer, pesh, shadda, sukun, tanween, superscript alef
    assert normalise(f"ب{mark}ات") == "بات"


def test_normalise_drops_tatweel():
    assert normalise("مـیـنـو") == "مینو"


@pytest.mark.parametrize("mark", ["\u200b", "\u200c", "\u200d", "\ufeff"])
def test_normalise_drops_zero_width_characters(mark):
    assert normalise(f"st{mark}op") == "stop"


@pytest.mark.parametrize("mark", ["\u200e", "\u200f", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e",
                                  "\u2066", "\u2067", "\u2068", "\u2069"])
def test_normalise_drops_bidi_marks(mark):
    assert normalise(f"{mark}stop{mark}") == "stop"


def test_normalise_drops_the_arabic_letter_mark():
    assert normalise("\u061cمینو") == "مینو"


@pytest.mark.parametrize("invisible", ["\u00ad", "\u2060", "\ufeff"])  # soft hyphen, word joiner, BOM
def test_normalise_drops_other_invisible_format_characters(invisible):
    assert normalise(f"me{invisible}nu") == "menu"


def test_normalise_of_only_punctuation_is_empty():
    assert normalise(" ?!... ") == ""


# --- parse_choice -----------------------------------------------------------------------------


@pytest.mark.parametrize("typed, number", [
    ("1", 1),
    ("123", 123),
    ("۱۲۳", 123),   # Urdu (Extended Arabic-Indic) digits
    ("١٢٣", 123),   # Arabic-Indic digits
    ("۲", 2),
    ("٣", 3),
    ("0", 0),
    ("٠", 0),
    (" 2 ", 2),
    ("2.", 2),
    ("\u200f۳", 3),  # a bidi mark before an Urdu digit
])
def test_parse_choice_reads_digits_of_every_script(typed, number):
    assert parse_choice(typed) == number


@pytest.mark.parametrize("typed", ["1a", "a1", "", "   ", "1234", "۱۲۳۴", "1 2", "one", "1.5"])
def test_parse_choice_rejects_anything_but_one_short_number(typed):
    assert parse_choice(typed) is None


# --- clean_inbound ----------------------------------------------------------------------------


def test_clean_inbound_removes_control_characters():
    assert clean_inbound("a\x00b\x07c\x1bd\x7f") == "abcd"


def test_clean_inbound_keeps_newlines_and_tabs_inside():
    assert clean_inbound("first line\nsecond\tpart") == "first line\nsecond\tpart"


def test_clean_inbound_turns_crlf_into_newline():
    assert clean_inbound("one\r\ntwo") == "one\ntwo"


def test_clean_inbound_trims_surrounding_whitespace():
    assert clean_inbound("  \n hello \n ") == "hello"


def test_clean_inbound_composes_to_nfc():
    assert clean_inbound("e\u0301") == "\u00e9"
    assert clean_inbound("\u0627\u0653") == "\u0622"  # alef + madda above -> alef with madda


def test_clean_inbound_drops_lone_surrogates():
    assert clean_inbound("\ud800ok") == "ok"


def test_clean_inbound_keeps_harakat_and_bidi_marks():
    # They are part of what she wrote; only matching ignores them.
    assert clean_inbound("\u200fبَات") == "\u200fبَات"


@pytest.mark.parametrize("nothing", [None, ""])
def test_clean_inbound_of_nothing_is_empty(nothing):
    assert clean_inbound(nothing) == ""
