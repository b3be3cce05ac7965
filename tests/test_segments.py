"""What a text costs in SMS segments, counted as the network counts it (GSM 03.38 and UCS-2)."""
from __future__ import annotations

import pytest

from bot.engine.segments import count_segments

URDU_LETTER = "ب"
ZABAR, ZER, PESH = "\u064e", "\u0650", "\u064f"
EMOJI = "\U0001F600"  # 😀, outside the BMP: a surrogate pair in UTF-16


def cost(text: str) -> tuple[str, int, int]:
    counted = count_segments(text)
    return counted.encoding, counted.units, counted.segments


# --- GSM-7 ------------------------------------------------------------------------------------


@pytest.mark.parametrize("length, segments", [(1, 1), (160, 1), (161, 2), (306, 2), (307, 3), (459, 3), (460, 4)])
def test_gsm7_segment_boundaries(length, segments):
    assert cost("a" * length) == ("GSM-7", length, segments)


def test_gsm7_accented_letters_of_the_basic_table_stay_gsm7():
    assert cost("èéùìòÇØøÅåÄÖÑÜäöñüàßÉ£¥§¿¡@$_") == ("GSM-7", 29, 1)


def test_gsm7_newline_is_one_septet():
    assert cost("1. Yes\n2. No") == ("GSM-7", 12, 1)


@pytest.mark.parametrize("char", list("€{}[]~|^\\"))
def test_gsm7_extension_character_counts_two_septets(char):
    assert cost(char) == ("GSM-7", 2, 1)


def test_gsm7_extension_character_that_fills_the_160th_septet_fits_one_segment():
    assert cost("a" * 158 + "€") == ("GSM-7", 160, 1)


def test_gsm7_extension_character_past_160_septets_needs_two_segments():
    assert cost("a" * 159 + "€") == ("GSM-7", 161, 2)


def test_gsm7_extension_character_is_never_split_across_segments():
    # 306 septets would fit two parts of 153, but the € pair cannot straddle septets 153/154:
    # it moves whole to part two, giving parts of 152 | 2 + 151 | 1.
    assert cost("a" * 152 + "€" + "a" * 152) == ("GSM-7", 306, 3)


def test_gsm7_extension_character_just_before_the_boundary_stays_in_part_one():
    assert cost("a" * 151 + "€" + "a" * 153) == ("GSM-7", 306, 2)


# --- UCS-2 ------------------------------------------------------------------------------------


@pytest.mark.parametrize("foreign", ["ł", URDU_LETTER, "á", "\u2019"])  # \u2019: a curly apostrophe
def test_one_character_outside_gsm7_makes_the_whole_text_ucs2(foreign):
    text = "a" * 69 + foreign
    assert cost(text) == ("UCS-2", 70, 1)
    assert cost(text + "a") == ("UCS-2", 71, 2)


def test_extension_characters_count_one_unit_in_ucs2():
    assert cost("ł€{") == ("UCS-2", 3, 1)


@pytest.mark.parametrize("length, segments", [(70, 1), (71, 2), (134, 2), (135, 3), (201, 3), (202, 4)])
def test_ucs2_segment_boundaries(length, segments):
    assert cost(URDU_LETTER * length) == ("UCS-2", length, segments)


def test_urdu_diacritics_each_count_one_utf16_unit():
    word = f"ب{ZABAR}ات ک{ZER}س{PESH}"  # 9 code points, 3 of them harakat
    assert cost(word) == ("UCS-2", 9, 1)


def test_urdu_diacritics_can_push_a_text_into_a_second_segment():
    plain = URDU_LETTER * 68
    assert cost(plain) == ("UCS-2", 68, 1)
    assert cost(plain + ZER + ZABAR + PESH) == ("UCS-2", 71, 2)


def test_emoji_counts_two_utf16_units():
    assert cost(EMOJI) == ("UCS-2", 2, 1)
    assert cost("a" * 68 + EMOJI) == ("UCS-2", 70, 1)
    assert cost("a" * 69 + EMOJI) == ("UCS-2", 71, 2)


def test_emoji_is_never_split_across_segments():
    # 134 units would fit two parts of 67, but the surrogate pair cannot straddle units 67/68:
    # it moves whole to part two, giving parts of 66 | 2 + 65 | 1.
    assert cost("ł" * 66 + EMOJI + "ł" * 66) == ("UCS-2", 134, 3)


def test_emoji_just_before_the_boundary_stays_in_part_one():
    assert cost("ł" * 65 + EMOJI + "ł" * 67) == ("UCS-2", 134, 2)


# --- nothing ----------------------------------------------------------------------------------


def test_empty_text_costs_nothing():
    assert cost("") == ("GSM-7", 0, 0)
