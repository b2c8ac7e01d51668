import pytest

from connectors.gms.segments import SmsEncoding, is_gsm7, is_gsm7_basic, sms_segments


def test_empty_text_takes_no_part() -> None:
    info = sms_segments("")
    assert (info.encoding, info.segments, info.characters, info.units) == (SmsEncoding.GSM7, 0, 0, 0)


@pytest.mark.parametrize(("length", "segments"), [(1, 1), (160, 1), (161, 2), (306, 2), (307, 3), (765, 5)])
def test_gsm7_text_uses_160_single_and_153_per_part(length: int, segments: int) -> None:
    info = sms_segments("a" * length)
    assert info.encoding is SmsEncoding.GSM7
    assert info.segments == segments
    assert info.units == length


@pytest.mark.parametrize(("length", "segments"), [(70, 1), (71, 2), (134, 2), (135, 3), (335, 5), (336, 6)])
def test_cyrillic_text_uses_70_single_and_67_per_part(length: int, segments: int) -> None:
    info = sms_segments("ж" * length)
    assert info.encoding is SmsEncoding.UCS2
    assert info.segments == segments
    assert info.characters == length


@pytest.mark.parametrize("char", ["€", "^", "{", "}", "[", "]", "~", "|", "\\"])
def test_extension_characters_count_double_but_stay_gsm7(char: str) -> None:
    info = sms_segments(char * 80)
    assert info.encoding is SmsEncoding.GSM7
    assert info.units == 160
    assert info.segments == 1
    assert sms_segments(char * 81).segments == 2


def test_extension_pair_is_not_split_across_parts() -> None:
    # 152 septets then a two-septet "€": it cannot straddle the 153-septet boundary
    text = "a" * 152 + "€" + "a" * 10
    info = sms_segments(text)
    assert info.units == 164
    assert info.segments == 2
    assert sms_segments("a" * 152 + "€" * 77).segments == 3  # 152 | 76 * 2 = 152 (+1 €) | 2


def test_one_cyrillic_letter_switches_the_whole_text_to_ucs2() -> None:
    info = sms_segments("a" * 100 + "ї")
    assert info.encoding is SmsEncoding.UCS2
    assert info.segments == 2
    assert info.units_per_segment == 67


def test_emoji_is_a_surrogate_pair_of_two_units() -> None:
    info = sms_segments("😀" * 35)
    assert (info.encoding, info.characters, info.units, info.segments) == (SmsEncoding.UCS2, 35, 70, 1)
    assert sms_segments("😀" * 36).segments == 2


def test_surrogate_pair_is_not_split_across_parts() -> None:
    text = "ж" * 66 + "😀" + "ж" * 10  # 66 units, then a pair that does not fit the 67th unit
    assert sms_segments(text).units == 78
    assert sms_segments(text).segments == 2
    assert sms_segments("ж" * 66 + "😀" * 34).segments == 3  # 66 | 33 pairs = 66 | 1 pair


def test_accented_latin_outside_gsm7_forces_ucs2() -> None:
    assert sms_segments("café").encoding is SmsEncoding.GSM7  # é is in the GSM-7 basic set
    assert sms_segments("façade").encoding is SmsEncoding.UCS2  # ç (lower case) is not


def test_sender_name_check_allows_basic_set_only() -> None:
    assert is_gsm7_basic("MyBrand 1")
    assert not is_gsm7_basic("Brand€")
    assert is_gsm7("Brand€")
    assert not is_gsm7_basic("Бренд")
