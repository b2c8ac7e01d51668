from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from pydantic import ValidationError

from connectors.gms import Channel, SendRequest
from connectors.gms._batch import build_batch_chunks


def request_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "phone_number": "380961111111",
        "extra_id": "crm-5b1c2e7e-0001",
        "callback_url": "https://func.example/api/gms/dlr?code=token",
        "tag": "order-notifications",
        "channels": ["viber", "sms"],
        "channel_options": {
            "viber": {
                "text": "Ваше замовлення відправлено",
                "ttl": 120,
                "caption": "Відстежити",
                "action": "https://example.com/t/1",
            },
            "sms": {"text": "Замовлення відправлено", "ttl": 300, "alpha_name": "MyBrand"},
        },
    }
    data.update(overrides)
    return data


def error_fields(excinfo: pytest.ExceptionInfo[ValidationError]) -> list[str]:
    return [".".join(str(part) for part in error["loc"]) for error in excinfo.value.errors()]


def test_phone_is_sent_as_a_json_number_without_plus() -> None:
    wire = SendRequest.model_validate(request_data(phone_number="+380961111111")).to_wire()
    assert wire["phone_number"] == 380961111111
    assert wire["channels"] == ["viber", "sms"]
    assert "push" not in wire["channel_options"]


def test_phone_given_as_int_is_accepted() -> None:
    assert SendRequest.model_validate(request_data(phone_number=380961111111)).phone_number == "380961111111"


@pytest.mark.parametrize("phone", ["0961111111", "380-96-111", "12345", "3809611111112345", ""])
def test_bad_phone_is_refused_naming_the_field(phone: str) -> None:
    with pytest.raises(ValidationError) as excinfo:
        SendRequest.model_validate(request_data(phone_number=phone))
    assert error_fields(excinfo) == ["phone_number"]


@pytest.mark.parametrize(
    ("channel", "options", "field"),
    [
        ("viber", {"text": "x", "ttl": 39}, "channel_options.viber.ttl"),
        ("viber", {"text": "x", "ttl": 86_401}, "channel_options.viber.ttl"),
        ("viber", {"text": "x" * 1001, "ttl": 60}, "channel_options.viber.text"),
        (
            "viber",
            {"text": "x", "ttl": 60, "caption": "c" * 31, "action": "https://a"},
            "channel_options.viber.caption",
        ),
        ("viber", {"text": "x", "ttl": 60, "img": "https://" + "i" * 250}, "channel_options.viber.img"),
        ("sms", {"text": "x", "ttl": 299, "alpha_name": "Brand"}, "channel_options.sms.ttl"),
        ("sms", {"text": "x", "ttl": 259_201, "alpha_name": "Brand"}, "channel_options.sms.ttl"),
        ("sms", {"text": "x", "ttl": 300, "alpha_name": "TwelveChars!"}, "channel_options.sms.alpha_name"),
        ("sms", {"text": "x", "ttl": 300, "alpha_name": "Бренд"}, "channel_options.sms.alpha_name"),
        ("sms", {"text": "ж" * 336, "ttl": 300, "alpha_name": "Brand"}, "channel_options.sms.text"),
        ("sms", {"text": "a" * 766, "ttl": 300, "alpha_name": "Brand"}, "channel_options.sms.text"),
    ],
)
def test_channel_limits_mirror_the_provider_and_name_the_field(
    channel: str, options: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as excinfo:
        SendRequest.model_validate(request_data(channels=[channel], channel_options={channel: options}))
    assert field in error_fields(excinfo)


def test_sms_text_may_fill_exactly_five_parts() -> None:
    for text in ("ж" * 335, "a" * 765):
        options = {"sms": {"text": text, "ttl": 300, "alpha_name": "Brand"}}
        SendRequest.model_validate(request_data(channels=["sms"], channel_options=options))


def test_duplicate_channels_are_refused() -> None:
    with pytest.raises(ValidationError) as excinfo:
        SendRequest.model_validate(request_data(channels=["sms", "sms"]))
    assert error_fields(excinfo) == ["channels"]


def test_every_listed_channel_needs_its_options_and_no_others() -> None:
    with pytest.raises(ValidationError, match=r"channel_options\.sms is required") as excinfo:
        SendRequest.model_validate(request_data(channel_options={"viber": {"text": "x", "ttl": 60}}))
    assert error_fields(excinfo) == ["channel_options"]
    with pytest.raises(ValidationError, match=r"channel_options\.viber given"):
        SendRequest.model_validate(
            request_data(channels=["sms"], channel_options=request_data()["channel_options"])
        )


@pytest.mark.parametrize("field", ["extra_id", "tag"])
def test_ids_over_64_characters_are_refused(field: str) -> None:
    with pytest.raises(ValidationError) as excinfo:
        SendRequest.model_validate(request_data(**{field: "x" * 65}))
    assert error_fields(excinfo) == [field]


def test_callback_url_over_256_characters_is_refused() -> None:
    with pytest.raises(ValidationError) as excinfo:
        SendRequest.model_validate(request_data(callback_url="https://e.com/" + "a" * 250))
    assert error_fields(excinfo) == ["callback_url"]


def test_start_time_is_written_with_its_offset_and_naive_times_are_refused() -> None:
    kyiv = timezone(timedelta(hours=3))
    wire = SendRequest.model_validate(
        request_data(start_time=datetime(2024, 12, 12, 10, 10, 10, tzinfo=kyiv))
    )
    assert wire.to_wire()["start_time"] == "2024-12-12 10:10:10+03:00"
    assert (
        SendRequest.model_validate(request_data(start_time=datetime(2024, 1, 1, tzinfo=UTC))).to_wire()[
            "start_time"
        ]
        == "2024-01-01 00:00:00+00:00"
    )
    with pytest.raises(ValidationError) as excinfo:
        SendRequest.model_validate(request_data(start_time=datetime(2024, 12, 12, 10, 10, 10)))
    assert error_fields(excinfo) == ["start_time"]


def test_viber_button_needs_caption_and_action_together() -> None:
    with pytest.raises(ValidationError, match=r"caption and viber\.action"):
        SendRequest.model_validate(
            request_data(
                channels=["viber"], channel_options={"viber": {"text": "x", "ttl": 60, "caption": "Go"}}
            )
        )


def test_unknown_fields_are_refused_rather_than_silently_dropped() -> None:
    with pytest.raises(ValidationError) as excinfo:
        SendRequest.model_validate(request_data(priority="high"))
    assert error_fields(excinfo) == ["priority"]


def same_text_request(phone: str, extra_id: str, tag: str = "t", text: str = "Hello") -> SendRequest:
    return SendRequest.model_validate(
        request_data(
            phone_number=phone,
            extra_id=extra_id,
            tag=tag,
            channel_options={
                "viber": {"text": text, "ttl": 60},
                "sms": {"text": text, "ttl": 300, "alpha_name": "B"},
            },
        )
    )


def test_batch_body_has_common_part_and_one_text_per_message() -> None:
    chunks = build_batch_chunks(
        [
            same_text_request("380961111111", "a", text="One"),
            same_text_request("380962222222", "b", text="Two"),
        ]
    )
    assert len(chunks) == 1
    body = chunks[0].body
    assert body["messages"] == [
        {"phone_number": 380961111111, "extra_id": "a", "text": "One"},
        {"phone_number": 380962222222, "extra_id": "b", "text": "Two"},
    ]
    assert body["channels"] == ["viber", "sms"]
    assert body["channel_options"] == {"viber": {"ttl": 60}, "sms": {"ttl": 300, "alpha_name": "B"}}
    assert body["tag"] == "t"


def test_batch_splits_by_common_part_and_by_recipient_limit_keeping_positions() -> None:
    requests = [same_text_request(f"38096000000{i}", f"id-{i}", tag="a" if i % 2 else "b") for i in range(7)]
    chunks = build_batch_chunks(requests, max_recipients=2)
    assert [chunk.positions for chunk in chunks] == [[0, 2], [4, 6], [1, 3], [5]]
    assert all(len(chunk.body["messages"]) <= 2 for chunk in chunks)


def test_batch_refuses_a_request_whose_channels_have_different_texts() -> None:
    differing = SendRequest.model_validate(request_data())
    with pytest.raises(ValueError, match=r"requests\[1\]\.channel_options"):
        build_batch_chunks([same_text_request("380961111111", "a"), differing])


def test_channel_enum_values_are_the_wire_names() -> None:
    assert [channel.value for channel in Channel] == ["push", "viber", "sms", "whatsapp"]
