"""Reference data for drop-downs and waybills: settlements and warehouses, cached in-process with a TTL.

Nova Poshta's address directory changes about daily, so a city's full warehouse list is read once per
TTL and every filter (search text, type, a single ref or number) is applied to the cached list.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, Protocol, TypeVar

from connectors.novaposhta import SettlementPage, Warehouse, WarehousePage, WarehouseType
from functions.shipping.lookup_models import SettlementOption, WarehouseKind, WarehouseOption

T = TypeVar("T")


class TtlCache(Generic[T]):
    """A small thread-safe cache: entries expire after ``ttl`` seconds; the oldest go past ``max_entries``."""

    def __init__(
        self, ttl: float, max_entries: int = 1000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[str, tuple[float, T]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get_or_load(self, key: str, load: Callable[[], T]) -> T:
        now = self._clock()
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry[0] > now:
                self.hits += 1
                self._entries.move_to_end(key)
                return entry[1]
            self.misses += 1
        value = load()  # outside the lock: a slow provider call must not block other keys
        with self._lock:
            self._entries[key] = (now + self.ttl, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


class ReferenceSource(Protocol):
    """The Nova Poshta calls the look-ups use."""

    def search_settlements(self, query: str, page: int = 1, limit: int = 20) -> SettlementPage: ...

    def get_warehouses(
        self,
        *,
        settlement_ref: str | None = None,
        city_ref: str | None = None,
        query: str | None = None,
        type_ref: str | None = None,
        page: int = 1,
        limit: int = 50,
    ) -> WarehousePage: ...


def kind_of(warehouse: Warehouse) -> WarehouseKind:
    if warehouse.is_parcel_locker:
        return "parcel_locker"
    return "cargo_branch" if warehouse.type_ref == WarehouseType.CARGO_BRANCH else "branch"


class ReferenceData:
    """Settlement search and per-city warehouse lists, cached."""

    def __init__(self, source: Callable[[], ReferenceSource], ttl: float) -> None:
        self._source = source
        self._settlements: TtlCache[list[SettlementOption]] = TtlCache(ttl)
        self._warehouses: TtlCache[tuple[Warehouse, ...]] = TtlCache(ttl, max_entries=200)

    def settlements(self, query: str, limit: int = 20) -> list[SettlementOption]:
        key = f"{query.strip().casefold()}|{limit}"
        return self._settlements.get_or_load(key, lambda: self._search(query.strip(), limit))

    def _search(self, query: str, limit: int) -> list[SettlementOption]:
        page = self._source().search_settlements(query, limit=limit)
        return [
            SettlementOption(
                value=item.delivery_city_ref,
                title=item.present or item.main_description,
                settlement_ref=item.ref,
                area=item.area,
                warehouses=item.warehouses,
            )
            for item in page.items
            if item.delivery_city_ref
        ]

    def city_warehouses(self, city_ref: str) -> tuple[Warehouse, ...]:
        return self._warehouses.get_or_load(city_ref, lambda: self._all_warehouses(city_ref))

    def _all_warehouses(self, city_ref: str) -> tuple[Warehouse, ...]:
        source = self._source()
        found: list[Warehouse] = []
        for page in range(1, 101):
            result = source.get_warehouses(city_ref=city_ref, page=page, limit=500)
            found.extend(result.items)
            if not result.items or len(found) >= result.total_count:
                break
        return tuple(w for w in found if not w.deny_to_select)

    def warehouses(
        self, city_ref: str, query: str | None = None, kind: str = "all", limit: int = 100
    ) -> list[WarehouseOption]:
        needle = (query or "").strip().casefold()
        options = []
        for warehouse in self.city_warehouses(city_ref):
            warehouse_kind = kind_of(warehouse)
            if kind != "all" and warehouse_kind != kind:
                continue
            if needle and needle != warehouse.number and needle not in warehouse.description.casefold():
                continue
            options.append(
                WarehouseOption(
                    value=warehouse.ref,
                    title=warehouse.description,
                    number=warehouse.number,
                    kind=warehouse_kind,
                    city_ref=warehouse.city_ref,
                    max_weight_kg=warehouse.place_max_weight,
                )
            )
            if len(options) >= limit:
                break
        return options

    def warehouse(self, city_ref: str, warehouse_ref: str) -> Warehouse | None:
        return next((w for w in self.city_warehouses(city_ref) if w.ref == warehouse_ref), None)

    def warehouse_by_number(self, city_ref: str, number: str) -> Warehouse | None:
        return next((w for w in self.city_warehouses(city_ref) if w.number == number), None)

    def find_city(self, name: str) -> SettlementOption | None:
        """The settlement a ship-to city names: an exact name match first, else the first hit."""
        wanted = name.strip().casefold()
        if len(wanted) < 2:
            return None
        options = self.settlements(wanted, limit=20)
        for option in options:
            title = option.title.casefold()
            if title == wanted or title.removeprefix("м. ").split(",")[0].strip() == wanted:
                return option
        return options[0] if options else None
