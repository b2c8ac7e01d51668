"""Price and expected delivery date for a parcel (``getDocumentPrice`` + ``getDocumentDeliveryDate``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from connectors.novaposhta import DeliveryDateRequest, NovaPoshtaError, PriceRequest
from functions.common.problems import Problem
from functions.shipping.errors import provider_problem
from functions.shipping.lookup_models import Quote, QuoteRequest
from functions.shipping.profiles import SenderDirectory


def quote(request: QuoteRequest, senders: SenderDirectory, today: Callable[[], date]) -> Quote:
    profile = senders.choose(request.sender_profile)
    sender_city = request.sender_city_ref or senders.profiles[profile].city_ref
    if sender_city is None:
        raise Problem(
            422,
            "Give sender_city_ref: the sender profile has no city configured.",
            errors=[{"field": "sender_city_ref", "message": "required for this sender profile"}],
        )
    price_request = PriceRequest(
        city_sender_ref=sender_city,
        city_recipient_ref=request.recipient_city_ref,
        weight=request.weight,
        service_type=request.service_type,
        declared_value=request.declared_value,
        cargo_type=request.cargo_type,
        seats_amount=request.seats_amount,
        cash_on_delivery=request.cash_on_delivery,
    )
    date_request = DeliveryDateRequest(
        city_sender_ref=sender_city,
        city_recipient_ref=request.recipient_city_ref,
        service_type=request.service_type,
        send_date=request.send_date or today(),
    )
    client = senders.client(profile)
    try:
        price = client.get_document_price(price_request)
        delivery = client.get_document_delivery_date(date_request)
    except NovaPoshtaError as error:
        raise provider_problem(error) from error
    return Quote(
        cost=price.cost + price.cost_redelivery,
        delivery_cost=price.cost,
        cash_on_delivery_cost=price.cost_redelivery,
        assessed_value=price.assessed_cost or request.declared_value or Decimal(0),
        estimated_delivery_date=delivery,
    )
