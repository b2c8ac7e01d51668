from __future__ import annotations

import logging

import pytest

from functions.common.logging import (
    RedactionFilter,
    correlation,
    mask_code,
    mask_phone,
    redact,
    register_secrets,
)


def test_mask_phone_keeps_country_and_last_three_digits() -> None:
    assert mask_phone("+380501234567") == "+380******567"
    assert "1234" not in mask_phone("+380501234567")


def test_mask_code_keeps_two_digits_each_side() -> None:
    assert mask_code("14360570") == "14****70"
    assert mask_code("3184710691") == "31******91"


def test_redact_masks_phones_codes_and_registered_secrets() -> None:
    register_secrets(["s3cr3t-api-key-value"])
    text = redact("key=s3cr3t-api-key-value phone 380501234567 edrpou 14360570 id 5")
    assert "s3cr3t-api-key-value" not in text
    assert "380501234567" not in text
    assert "14360570" not in text
    assert text.endswith("id 5")


def test_filter_applies_to_formatted_records_and_adds_correlation(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("smart.test.redaction")
    caplog.handler.addFilter(RedactionFilter())
    with caplog.at_level(logging.INFO, logger="smart.test.redaction"), correlation("corr-1"):
        logger.info("sent to %s", "+380671112233")
    record = caplog.records[-1]
    assert "+380671112233" not in caplog.text
    assert record.correlation_id == "corr-1"  # type: ignore[attr-defined]
