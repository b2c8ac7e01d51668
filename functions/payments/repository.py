"""Dataverse persistence of payments (``smart_payment``).

Writes are economical: a payment is created once (create-only upsert on its idempotency key) and
then updated only with the columns that changed, guarded by its ETag so that a concurrent writer is
never overwritten with an older view; many updates go out as ``$batch`` requests. Money goes to the
Web API as JSON numbers (``float`` repr round-trips every amount below 10^15 exactly) and comes back
as ``Decimal`` via its text, never through float arithmetic.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Protocol

from dataverse import AlternateKey, BatchOperation, BatchResult, PreconditionFailedError, bind, odata_literal
from dataverse.errors import NotFoundError
from dataverse.schema import PaymentStatus
from dataverse.schema.payments import PAYMENT
from functions.payments.drafts import InvoiceDraft
from functions.payments.rules import OPEN_STATUSES, PaymentRecord

logger = logging.getLogger("smart.payments")

ENTITY_SET = PAYMENT.entity_set
LOGICAL_NAME = PAYMENT.name
PRIMARY_ID = "smart_paymentid"
_MAX_ERROR = 1000
_IDS_PER_QUERY = 25  # keeps the $filter well inside URL length limits

_COLUMNS: dict[str, str] = {
    "key": "smart_idempotencykey",
    "invoice_id": "smart_invoiceid",
    "invoice_number": "smart_invoicenumber",
    "status": "smart_status",
    "amount": "smart_amount",
    "currency": "smart_currencycode",
    "paid_amount": "smart_paidamount",
    "refunded_amount": "smart_refundedamount",
    "payer_link": "smart_payerlink",
    "payer_email": "smart_payeremail",
    "due_date": "smart_duedate",
    "paid_on": "smart_paidon",
    "last_synced_on": "smart_lastsyncedon",
    "error": "smart_error",
}
SELECT: tuple[str, ...] = (PRIMARY_ID, *_COLUMNS.values(), "_smart_orderid_value", "createdon")


class DataverseTable(Protocol):
    """The part of ``dataverse.DataverseClient`` this module uses."""

    def retrieve(
        self, entity_set: str, row: Any, *, select: Sequence[str] | None = ..., expand: str | None = ...
    ) -> dict[str, Any]: ...

    def upsert(self, entity_set: str, row: Any, data: Mapping[str, Any], *, mode: Any = ...) -> str: ...

    def update(
        self, entity_set: str, row: Any, data: Mapping[str, Any], *, etag: str | None = ...
    ) -> Any: ...

    def query(
        self, entity_set: str, *, filter: str | None = ..., select: Sequence[str] | None = ...
    ) -> Iterable[dict[str, Any]]: ...

    def execute_batch(
        self, operations: Sequence[BatchOperation], *, atomic: bool = ..., continue_on_error: bool = ...
    ) -> list[BatchResult]: ...


def to_columns(changes: Mapping[str, Any]) -> dict[str, Any]:
    """Record fields -> Dataverse column values."""
    columns: dict[str, Any] = {}
    for name, value in changes.items():
        column = _COLUMNS[name]
        if isinstance(value, PaymentStatus):
            value = value.option_value
        elif isinstance(value, Decimal):
            value = float(value)
        elif isinstance(value, datetime):
            value = value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        elif isinstance(value, date):
            value = value.isoformat()
        elif name == "error" and isinstance(value, str):
            value = value[:_MAX_ERROR]
        columns[column] = value
    return columns


def record_from_row(row: Mapping[str, Any]) -> PaymentRecord:
    status = row.get("smart_status")
    return PaymentRecord(
        row_id=str(row[PRIMARY_ID]),
        key=str(row.get("smart_idempotencykey") or ""),
        status=PaymentStatus.from_option_value(int(status)) if status is not None else PaymentStatus.DRAFT,
        etag=row.get("@odata.etag"),
        invoice_id=row.get("smart_invoiceid"),
        invoice_number=row.get("smart_invoicenumber"),
        amount=decimal_of(row.get("smart_amount")),
        currency=row.get("smart_currencycode"),
        paid_amount=decimal_of(row.get("smart_paidamount")),
        refunded_amount=decimal_of(row.get("smart_refundedamount")),
        payer_link=row.get("smart_payerlink"),
        payer_email=row.get("smart_payeremail"),
        due_date=_date(row.get("smart_duedate")),
        paid_on=_datetime(row.get("smart_paidon")),
        last_synced_on=_datetime(row.get("smart_lastsyncedon")),
        error=row.get("smart_error"),
        order_id=row.get("_smart_orderid_value"),
        created_on=_datetime(row.get("createdon")),
    )


def decimal_of(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _datetime(value: Any) -> datetime | None:
    if not value:
        return None
    moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _date(value: Any) -> date | None:
    if not value:
        return None
    return date.fromisoformat(str(value)[:10])


class PaymentRepository:
    """``smart_payment`` rows as ``PaymentRecord``s."""

    def __init__(self, client: DataverseTable) -> None:
        self._client = client

    # ---- reads -----------------------------------------------------------------------------------

    def find_by_key(self, key: str) -> PaymentRecord | None:
        return self._find(AlternateKey({"smart_idempotencykey": key}))

    def find_by_invoice_id(self, invoice_id: str) -> PaymentRecord | None:
        return self._find(AlternateKey({"smart_invoiceid": invoice_id}))

    def find_by_row_id(self, row_id: str) -> PaymentRecord | None:
        return self._find(row_id)

    def find_by_invoice_number(self, number: str) -> PaymentRecord | None:
        rows = self._client.query(
            ENTITY_SET, filter=f"smart_invoicenumber eq {odata_literal(number)}", select=SELECT
        )
        return next((record_from_row(row) for row in rows), None)

    def find_by_invoice_ids(self, invoice_ids: Sequence[str]) -> list[PaymentRecord]:
        """The payments of these PayPal invoices (one query per 25 ids; unknown ids are skipped)."""
        found: list[PaymentRecord] = []
        for start in range(0, len(invoice_ids), _IDS_PER_QUERY):
            chunk = invoice_ids[start : start + _IDS_PER_QUERY]
            clause = " or ".join(f"smart_invoiceid eq {odata_literal(i)}" for i in chunk)
            found.extend(
                record_from_row(row) for row in self._client.query(ENTITY_SET, filter=clause, select=SELECT)
            )
        return found

    def _find(self, row: Any) -> PaymentRecord | None:
        try:
            return record_from_row(self._client.retrieve(ENTITY_SET, row, select=SELECT))
        except NotFoundError:
            return None

    def open_payments(self) -> list[PaymentRecord]:
        statuses = " or ".join(f"smart_status eq {status.option_value}" for status in OPEN_STATUSES)
        rows = self._client.query(
            ENTITY_SET, filter=f"({statuses}) and smart_invoiceid ne null", select=SELECT
        )
        return [record_from_row(row) for row in rows]

    def created_between(self, start: datetime, end: datetime) -> list[PaymentRecord]:
        """Payments whose row was created in [start, end) and that have a PayPal invoice."""
        window = (
            f"createdon ge {odata_literal(start)} and createdon lt {odata_literal(end)}"
            " and smart_invoiceid ne null"
        )
        return [record_from_row(row) for row in self._client.query(ENTITY_SET, filter=window, select=SELECT)]

    # ---- writes ----------------------------------------------------------------------------------

    def create_pending(self, draft: InvoiceDraft) -> PaymentRecord:
        """Record the payment before PayPal is called; DuplicateRecordError when the key exists."""
        data: dict[str, Any] = {
            "smart_name": draft.name,
            **to_columns(
                {
                    "key": draft.key,
                    "status": PaymentStatus.DRAFT,
                    "amount": draft.total,
                    "currency": draft.currency,
                    "payer_email": draft.payer_email,
                    "due_date": draft.due_date,
                }
            ),
        }
        if draft.order_id:
            data["smart_orderid@odata.bind"] = bind("salesorders", draft.order_id)
        if draft.contact_id:
            data["smart_contactid@odata.bind"] = bind("contacts", draft.contact_id)
        row_id = self._client.upsert(
            ENTITY_SET, AlternateKey({"smart_idempotencykey": draft.key}), data, mode="create_only"
        )
        return PaymentRecord(
            row_id=row_id,
            key=draft.key,
            status=PaymentStatus.DRAFT,
            amount=draft.total,
            currency=draft.currency,
            payer_email=draft.payer_email,
            due_date=draft.due_date,
            order_id=draft.order_id,
        )

    def record_failure(self, key: str, order_id: str | None, reason: str) -> None:
        """A payment that could not be created: status FAILED with the reason (upsert on the key)."""
        data: dict[str, Any] = {"smart_name": f"Invoice for {order_id or key}"[:200]}
        data.update(to_columns({"key": key, "status": PaymentStatus.FAILED, "error": reason}))
        if order_id:
            data["smart_orderid@odata.bind"] = bind("salesorders", order_id)
        self._client.upsert(ENTITY_SET, AlternateKey({"smart_idempotencykey": key}), data)

    def update(self, record: PaymentRecord, changes: Mapping[str, Any], *, check_etag: bool = True) -> None:
        """Write ``changes``; PreconditionFailedError when the row changed since ``record`` was read."""
        etag = record.etag if check_etag else None
        self._client.update(ENTITY_SET, record.row_id, to_columns(changes), etag=etag)

    def update_many(self, updates: Sequence[tuple[PaymentRecord, Mapping[str, Any]]]) -> tuple[int, int]:
        """``$batch`` of ETag-guarded updates; returns (written, conflicts). Conflicts are rows someone
        else changed meanwhile: they are left for the next run, which reads them afresh."""
        if not updates:
            return 0, 0
        operations = [
            BatchOperation.update(ENTITY_SET, record.row_id, to_columns(changes), etag=record.etag)
            for record, changes in updates
        ]
        results = self._client.execute_batch(operations, atomic=False, continue_on_error=True)
        written = sum(1 for result in results if result.ok)
        conflicts = [r for r in results if isinstance(r.error, PreconditionFailedError) or r.status == 412]
        failures = [r for r in results if not r.ok and r not in conflicts]
        if failures:
            first = failures[0].error
            logger.error("%d of %d payment updates failed; first: %s", len(failures), len(results), first)
            if first is not None:
                raise first
        return written, len(conflicts)
