"""Pure sending rules: text limits, consent by purpose, quiet hours, templates and keys."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from functions.messaging.rules import (
    ConsentFacts,
    ConsentValue,
    Purpose,
    TemplateError,
    TextLimitError,
    check_text,
    decide_consent,
    fit_key,
    quiet_until,
    recipient_key,
    render,
)

KYIV = ZoneInfo("Europe/Kyiv")
NIGHT = (time(21, 0), time(9, 0))
BOTH = ["viber", "sms"]


def test_sms_segments_follow_gsm7_and_ucs2() -> None:
    assert check_text("a" * 160, ["sms"]) == 1
    assert check_text("a" * 161, ["sms"]) == 2
    assert check_text("Привіт" * 12, ["sms"]) == 2  # 72 UCS-2 units: two parts of 67
    assert check_text("anything", ["viber"]) == 0


def test_text_over_five_sms_parts_is_refused_but_fits_viber_alone() -> None:
    long_cyrillic = "ї" * 336  # 335 is the documented maximum
    with pytest.raises(TextLimitError, match="5 parts"):
        check_text(long_cyrillic, BOTH)
    assert check_text(long_cyrillic, ["viber"]) == 0


def test_viber_text_over_1000_characters_is_refused() -> None:
    with pytest.raises(TextLimitError, match="1000"):
        check_text("x" * 1001, ["viber"])


def test_transactional_messages_ignore_marketing_opt_outs() -> None:
    facts = ConsentFacts(
        donot_sms=True,
        donot_viber=True,
        points={("sms", Purpose.COMMERCIAL): ConsentValue.OPTED_OUT},
    )
    decision = decide_consent(Purpose.TRANSACTIONAL, BOTH, facts, enforcement="opt_in")
    assert decision.channels == ("viber", "sms")


def test_transactional_opt_out_in_the_consent_table_blocks_that_channel() -> None:
    facts = ConsentFacts(points={("sms", Purpose.TRANSACTIONAL): ConsentValue.OPTED_OUT})
    decision = decide_consent(Purpose.TRANSACTIONAL, BOTH, facts, enforcement="opt_out")
    assert decision.channels == ("viber",)


def test_commercial_opt_out_flags_remove_each_channel_and_block_when_none_is_left() -> None:
    only_viber_out = decide_consent(
        Purpose.COMMERCIAL, BOTH, ConsentFacts(donot_viber=True), enforcement="opt_out"
    )
    assert only_viber_out.channels == ("sms",)
    both_out = decide_consent(
        Purpose.COMMERCIAL, BOTH, ConsentFacts(donot_sms=True, donot_viber=True), enforcement="opt_out"
    )
    assert not both_out.allowed
    assert both_out.reason is not None and "commercial" in both_out.reason


def test_opt_in_enforcement_needs_an_opt_in_row_per_channel() -> None:
    facts = ConsentFacts(points={("viber", Purpose.COMMERCIAL): ConsentValue.OPTED_IN})
    assert decide_consent(Purpose.COMMERCIAL, BOTH, facts, enforcement="opt_in").channels == ("viber",)
    nothing = decide_consent(Purpose.COMMERCIAL, BOTH, ConsentFacts(), enforcement="opt_in")
    assert not nothing.allowed and "opt-in" in (nothing.reason or "")


def test_opt_out_enforcement_sends_without_any_consent_row() -> None:
    assert decide_consent(Purpose.COMMERCIAL, BOTH, ConsentFacts(), enforcement="opt_out").channels == (
        "viber",
        "sms",
    )


def test_a_request_at_night_waits_for_the_window_end_in_kyiv() -> None:
    late_evening = datetime(2026, 6, 10, 20, 30, tzinfo=UTC)  # 23:30 in Kyiv (UTC+3)
    wake = quiet_until(late_evening, NIGHT, KYIV)
    assert wake == datetime(2026, 6, 11, 6, 0, tzinfo=UTC)  # 09:00 Kyiv next day
    early_morning = datetime(2026, 6, 11, 3, 0, tzinfo=UTC)  # 06:00 Kyiv
    assert quiet_until(early_morning, NIGHT, KYIV) == datetime(2026, 6, 11, 6, 0, tzinfo=UTC)


def test_daytime_and_no_window_send_now() -> None:
    noon = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)  # 12:00 Kyiv
    assert quiet_until(noon, NIGHT, KYIV) is None
    assert quiet_until(datetime(2026, 6, 10, 20, 30, tzinfo=UTC), None, KYIV) is None


def test_quiet_window_end_follows_the_daylight_saving_change() -> None:
    before_dst_ends = datetime(2026, 10, 24, 20, 0, tzinfo=UTC)  # 23:00 EEST; clocks go back that night
    assert quiet_until(before_dst_ends, NIGHT, KYIV) == datetime(2026, 10, 25, 7, 0, tzinfo=UTC)  # 09:00 EET


def test_window_within_one_day() -> None:
    lunch = (time(13, 0), time(14, 0))
    assert quiet_until(datetime(2026, 6, 10, 10, 30, tzinfo=UTC), lunch, KYIV) == datetime(
        2026, 6, 10, 11, 0, tzinfo=UTC
    )
    assert quiet_until(datetime(2026, 6, 10, 11, 30, tzinfo=UTC), lunch, KYIV) is None


def test_templates_fill_variables_and_name_a_missing_one() -> None:
    assert (
        render("Hi {first_name}, code {promo}", {"first_name": "Olena", "promo": "B-15"})
        == "Hi Olena, code B-15"
    )
    assert render("Braces {{kept}}", {}) == "Braces {kept}"
    with pytest.raises(TemplateError) as raised:
        render("Hi {first_name}", {})
    assert raised.value.variable == "first_name"
    with pytest.raises(TemplateError):
        render("Hi {user.name}", {"user": "x"})


def test_keys_fit_the_gms_extra_id_limit_and_stay_stable() -> None:
    long_key = "k" * 64
    assert len(recipient_key(long_key, 9_999)) <= 64
    assert recipient_key(long_key, 3) == recipient_key(long_key, 3)
    assert recipient_key(long_key, 3) != recipient_key(long_key, 4)
    assert recipient_key("camp-1", 7) == "camp-1#7"
    assert fit_key("short") == "short"
    assert len(fit_key("x" * 200)) <= 64
