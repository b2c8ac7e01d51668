"""Nova Poshta tracking ``StatusCode`` -> a neutral ``ShipmentState``.

Source: the official "Актуальні статуси трекінгу" list (providers.md §2.5), plus codes seen in older
clients (14, 107, 108). Unknown codes map to ``UNKNOWN`` (not final), and the caller should log them.

``is_final`` means "this waybill will not change in a way that matters any more":
- ``received`` (9, 10, 11, 106): delivered; 10 -> 11 only moves the COD money, the state stays.
- ``returning`` (102, 105): the goods go back to the sender under a *new* waybill
  (``TrackingStatus.return_number``); this waybill's own journey is over.
- ``deleted`` (2) and ``returned`` are final.
- ``refused`` (103, 108) is NOT final: Nova Poshta normally follows it with 102 once the return order
  exists. ``not_found`` (3) is not final: it shows briefly right after creation.
"""

from __future__ import annotations

from enum import StrEnum


class ShipmentState(StrEnum):
    CREATED = "created"
    IN_TRANSIT = "in_transit"
    ARRIVED = "arrived"
    RECEIVED = "received"
    REFUSED = "refused"
    RETURNING = "returning"
    RETURNED = "returned"
    DELETED = "deleted"
    NOT_FOUND = "not_found"
    UNKNOWN = "unknown"

    @property
    def is_final(self) -> bool:
        return self in FINAL_STATES


FINAL_STATES = frozenset(
    {ShipmentState.RECEIVED, ShipmentState.RETURNING, ShipmentState.RETURNED, ShipmentState.DELETED}
)

STATUS_CODES: dict[str, ShipmentState] = {
    "1": ShipmentState.CREATED,  # created by sender, not handed over yet
    "12": ShipmentState.CREATED,  # Nova Poshta is assembling the shipment
    "2": ShipmentState.DELETED,
    "3": ShipmentState.NOT_FOUND,
    "4": ShipmentState.IN_TRANSIT,  # in sender's city
    "41": ShipmentState.IN_TRANSIT,  # in city (local service)
    "5": ShipmentState.IN_TRANSIT,  # on the way to the recipient city
    "6": ShipmentState.IN_TRANSIT,  # in recipient city, branch delivery expected
    "101": ShipmentState.IN_TRANSIT,  # on the way to the recipient (courier)
    "104": ShipmentState.IN_TRANSIT,  # address changed
    "111": ShipmentState.IN_TRANSIT,  # failed delivery attempt
    "112": ShipmentState.IN_TRANSIT,  # delivery date postponed by recipient
    "7": ShipmentState.ARRIVED,  # arrived at branch
    "8": ShipmentState.ARRIVED,  # arrived at branch, loaded into a parcel locker
    "14": ShipmentState.ARRIVED,  # handed to recipient for inspection (older lists)
    "107": ShipmentState.ARRIVED,  # storage fee being charged (older lists)
    "9": ShipmentState.RECEIVED,
    "10": ShipmentState.RECEIVED,  # money transfer within a day
    "11": ShipmentState.RECEIVED,  # money transfer paid to the sender
    "106": ShipmentState.RECEIVED,  # received, backward-delivery waybill created
    "102": ShipmentState.RETURNING,  # refused; the sender created a return order
    "105": ShipmentState.RETURNING,  # storage stopped
    "103": ShipmentState.REFUSED,  # refused by recipient
    "108": ShipmentState.REFUSED,  # old refusal code
}


def state_for_code(code: str | int | None) -> ShipmentState:
    """The neutral state for a ``StatusCode`` (string or int); ``UNKNOWN`` for anything unlisted."""
    if code is None:
        return ShipmentState.UNKNOWN
    return STATUS_CODES.get(str(code).strip(), ShipmentState.UNKNOWN)


def is_final(code: str | int | None) -> bool:
    return state_for_code(code).is_final
