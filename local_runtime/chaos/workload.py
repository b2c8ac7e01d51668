"""The chaos run's workload: every request it will make, built from the seed before the run starts.

Items are valid requests a CRM flow would send, each with its own idempotency key (``chaos-<seed>-...``),
mixed in a seeded order: single messages (Viber with SMS fallback, SMS only, Viber only; transactional
and commercial), bulk sends with inline recipients, waybills to a Nova Poshta branch, PayPal invoices
(each followed by what its payer or the merchant then does: pay, pay and refund part or all, or cancel
through the app) and counterparty checks (about one in ten of a code the register does not know, which
must end as a failed check). About one request in ten is sent again after it was answered, as a caller
that lost the first answer would.

Waybills carry a planned send date (``send_date``, 90 days ahead by default): the run moves Nova
Poshta's simulated clock forward so that parcels travel, and a waybill dated "today" by the app's clock
would be refused as dated in the past by a clock that has moved days ahead.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from connectors.youcontrol import make_edrpou
from local_runtime.chaos.config import Sizes
from local_runtime.simulators.novaposhta import CITIES
from local_runtime.simulators.youcontrol import FIXTURE_CODES

Kind = Literal["message", "batch", "shipment", "invoice", "check"]
FollowUp = Literal["pay", "refund_part", "refund_all", "cancel"]
BRANCH_TYPE = "841339c7-591a-42e2-8233-7a0a00f0ed6f"  # a regular branch (no locker size limits)
UNREGISTERED = FIXTURE_CODES["unregistered"]
REPEAT_RATE = 0.1  # requests sent a second time after they were answered

_TEXTS = (
    "Ваше замовлення {n} відправлено. Дякуємо!",
    "Order {n} is ready for pickup at your branch.",
    "Нагадування: оплатіть рахунок {n} до п'ятниці. Деталі в особистому кабінеті.",
    "Знижка 15% на наступну покупку за кодом SALE{n}. Діє до кінця тижня, поспішайте скористатися "
    "пропозицією, кількість товарів обмежена, умови на сайті магазину.",
)
_NAMES = ("Олена Коваль", "Тарас Бойко", "Ірина Шевченко", "Андрій Мельник", "Софія Кравченко")
_CHANNELS: tuple[list[str], ...] = (["viber", "sms"], ["viber", "sms"], ["sms"], ["viber"])


@dataclass(frozen=True)
class Submission:
    kind: Kind
    key: str
    path: str
    body: dict[str, Any]
    follow_up: FollowUp | None = None
    recipients: int = 0  # bulk sends: messages the batch holds
    repeat: bool = False  # sent once more after its answer, as a caller that never saw the answer would
    refusal_expected: bool = False  # a 4xx is the right answer (a code the register does not know)


@dataclass(frozen=True)
class Workload:
    seed: int
    submissions: tuple[Submission, ...]
    expected: dict[str, int] = field(default_factory=dict)  # kind -> tracked items

    def of(self, kind: Kind) -> list[Submission]:
        return [s for s in self.submissions if s.kind == kind]


def build_workload(seed: int, sizes: Sizes, send_date: date) -> Workload:
    rng = random.Random(f"chaos-workload:{seed}")
    prefix = f"chaos-{seed}"
    items: list[Submission] = []
    items += [_message(rng, f"{prefix}-m-{i:05d}", i) for i in range(sizes.messages)]
    items += [_batch(rng, f"{prefix}-b-{i:02d}", i, sizes.batch_size) for i in range(sizes.batches)]
    items += [_shipment(rng, f"{prefix}-s-{i:04d}", send_date) for i in range(sizes.shipments)]
    items += [_invoice(rng, f"{prefix}-i-{i:04d}", i) for i in range(sizes.invoices)]
    items += [_check(rng, f"{prefix}-c-{i:04d}") for i in range(sizes.checks)]
    items = [replace(item, repeat=rng.random() < REPEAT_RATE) for item in items]
    rng.shuffle(items)
    expected = {
        "message": sizes.total_messages,
        "shipment": sizes.shipments,
        "invoice": sizes.invoices,
        "check": sizes.checks,
    }
    return Workload(seed, tuple(items), expected)


def _phone(rng: random.Random) -> str:
    return f"+380{rng.choice(('50', '63', '67', '68', '73', '93', '97'))}{rng.randrange(10**7):07d}"


def _message(rng: random.Random, key: str, number: int) -> Submission:
    body: dict[str, Any] = {
        "to": _phone(rng),
        "text": rng.choice(_TEXTS).format(n=1000 + number),
        "idempotency_key": key,
        "channels": list(rng.choice(_CHANNELS)),
        "purpose": rng.choice(("transactional", "commercial")),
        "sender": "ChaosShop",
    }
    return Submission("message", key, "/api/messages", body)


def _batch(rng: random.Random, key: str, number: int, size: int) -> Submission:
    phones = {_phone(rng) for _ in range(size * 2)}
    recipients = [
        {"to": phone, "variables": {"name": rng.choice(_NAMES).split()[0], "code": f"B{number}-{i:04d}"}}
        for i, phone in enumerate(sorted(phones)[:size])
    ]
    body = {
        "text": "Вітаємо, {name}! Ваш персональний код: {code}",
        "idempotency_key": key,
        "purpose": "transactional",
        "campaign": f"chaos-batch-{number}",
        "sender": "ChaosShop",
        "recipients": recipients,
    }
    return Submission("batch", key, "/api/messages/batch", body, recipients=len(recipients))


def _shipment(rng: random.Random, key: str, send_date: date) -> Submission:
    city = rng.choice(CITIES)
    branch = rng.choice([w for w in city.warehouses if w["TypeOfWarehouse"] == BRANCH_TYPE])
    weight = Decimal(rng.randrange(2, 80)) / 10
    body = {
        "idempotency_key": key,
        "recipient": {"name": rng.choice(_NAMES), "phone": _phone(rng)},
        "destination": {"city_ref": city.city_ref, "warehouse_ref": branch["Ref"]},
        "parcel": {
            "weight": str(weight),
            "declared_value": str(rng.randrange(100, 5000)),
            "description": "Товар",
        },
        "send_date": send_date.isoformat(),
    }
    return Submission("shipment", key, "/api/shipments", body)


def _invoice(rng: random.Random, key: str, number: int) -> Submission:
    lines = [
        {"name": f"Item {number}-{line}", "quantity": str(rng.randrange(1, 4)),
         "unit_amount": f"{rng.randrange(5, 300)}.{rng.randrange(100):02d}"}
        for line in range(rng.randrange(1, 4))
    ]  # fmt: skip
    body = {
        "idempotency_key": key,
        "currency": rng.choice(("EUR", "USD", "PLN")),
        "customer": {"email": f"payer{number}@example.com", "given_name": "Olena", "surname": "Koval"},
        "items": lines,
    }
    follow_up: FollowUp = rng.choices(("pay", "refund_part", "refund_all", "cancel"), (55, 15, 10, 20))[0]
    return Submission("invoice", key, "/api/invoices", body, follow_up=follow_up)


def _check(rng: random.Random, key: str) -> Submission:
    unknown = rng.random() < 0.1
    code = UNREGISTERED if unknown else make_edrpou(f"{rng.randrange(1_000_000, 2_999_999):07d}")
    path = f"/api/counterparties/{code}/check"
    return Submission("check", key, path, {"request_id": key}, refusal_expected=unknown)
