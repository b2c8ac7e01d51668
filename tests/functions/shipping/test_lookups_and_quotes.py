"""Settlement and warehouse drop-downs (cached) and quotes, through the local runtime."""

from __future__ import annotations

from decimal import Decimal

from tests.functions.shipping.conftest import KYIV, LVIV, Shop


def test_settlements_answer_value_title_pairs_for_a_drop_down(shop: Shop) -> None:
    response = shop.call("GET", "shipping/settlements", params={"q": "льв"})
    assert response.status_code == 200
    (lviv,) = response.json()["items"]
    assert lviv["value"] == LVIV and lviv["title"] == "м. Львів, Львівська обл."


def test_settlement_search_is_cached(shop: Shop) -> None:
    before = shop.np.calls["Address.searchSettlements"]
    for _ in range(3):
        assert shop.call("GET", "shipping/settlements", params={"q": "Одеса"}).status_code == 200
    assert shop.np.calls["Address.searchSettlements"] == before + 1


def test_warehouses_filter_by_type_and_search_from_one_cached_city_list(shop: Shop) -> None:
    before = shop.np.calls["Address.getWarehouses"]
    lockers = shop.call(
        "GET", "shipping/warehouses", params={"settlement": KYIV, "type": "parcel_locker"}
    ).json()
    assert lockers["items"] and {item["kind"] for item in lockers["items"]} == {"parcel_locker"}
    by_number = shop.call("GET", "shipping/warehouses", params={"settlement": KYIV, "q": "12"}).json()[
        "items"
    ]
    assert [item["number"] for item in by_number] == ["12"]
    assert by_number[0]["title"].startswith("Відділення №12")
    assert shop.np.calls["Address.getWarehouses"] == before + 1


def test_lookup_parameters_are_validated_before_nova_poshta_is_called(shop: Shop) -> None:
    before = sum(shop.np.calls.values())
    short = shop.call("GET", "shipping/settlements", params={"q": "к"})
    bad_ref = shop.call("GET", "shipping/warehouses", params={"settlement": "kyiv"})
    bad_type = shop.call("GET", "shipping/warehouses", params={"settlement": KYIV, "type": "drone"})
    assert [r.status_code for r in (short, bad_ref, bad_type)] == [422, 422, 422]
    assert short.headers["content-type"] == "application/problem+json"
    assert [r.json()["errors"][0]["field"] for r in (short, bad_ref, bad_type)] == ["q", "settlement", "type"]
    assert sum(shop.np.calls.values()) == before


def test_quote_gives_price_and_delivery_date(shop: Shop) -> None:
    body = {"recipient_city_ref": LVIV, "weight": "2.5", "declared_value": "1500", "cash_on_delivery": "1500"}
    quote = shop.call("POST", "shipping/quotes", json=body)
    assert quote.status_code == 200
    data = quote.json()
    # simulator tariff: 70 base + 15 inter-city + 10 (over 2 kg) + 0.5 % of 1500; COD 20 + 2 %
    assert Decimal(data["delivery_cost"]) == Decimal("102.5")
    assert Decimal(data["cash_on_delivery_cost"]) == Decimal(50)
    assert Decimal(data["cost"]) == Decimal("152.5") and data["currency"] == "UAH"
    assert data["estimated_delivery_date"]


def test_quote_input_errors_name_the_field(shop: Shop) -> None:
    response = shop.call(
        "POST", "shipping/quotes", json={"recipient_city_ref": LVIV, "weight": "0", "seats_amount": 0}
    )
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"weight", "seats_amount"}


def test_nova_poshta_refusal_is_a_422_with_its_code_and_text(shop: Shop) -> None:
    unknown_city = "00000000-0000-4000-8000-000000000001"
    response = shop.call("POST", "shipping/quotes", json={"recipient_city_ref": unknown_city, "weight": "1"})
    assert response.status_code == 422
    problem = response.json()
    assert problem["provider_codes"] == ["20000200103"]
    assert problem["errors"] == [
        {"field": "novaposhta", "message": "CityRecipient not found", "code": "20000200103"}
    ]


def test_nova_poshta_outage_is_a_503_with_retry_after(shop: Shop) -> None:
    shop.np.set_faults(error_rate=1.0, error_status=503)
    response = shop.call("POST", "shipping/quotes", json={"recipient_city_ref": LVIV, "weight": "1"})
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) >= 1
    assert response.json()["provider"] == "novaposhta"
