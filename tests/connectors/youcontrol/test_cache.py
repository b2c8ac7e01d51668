from __future__ import annotations

import pytest

from connectors.youcontrol import CacheKey, MemoryResponseCache
from tests.connectors.youcontrol._fakes import FakeClock

CARD = CacheKey("registry", "32855961", (("showCurrentData", "false"),))


def test_a_stored_answer_is_returned_until_its_lifetime_ends() -> None:
    clock = FakeClock()
    cache = MemoryResponseCache(ttl=60.0, clock=clock)
    cache.put(CARD, {"code": "32855961"})
    clock.advance(59.9)
    entry = cache.get(CARD)
    assert entry is not None and entry.payload == {"code": "32855961"}
    clock.advance(0.1)
    assert cache.get(CARD) is None
    stats = cache.stats()
    assert (stats.hits, stats.misses, stats.expired, stats.size) == (1, 1, 1, 0)


def test_lifetime_can_differ_per_module() -> None:
    clock = FakeClock()
    cache = MemoryResponseCache(ttl=10.0, ttl_by_module={"registry": 100.0}, clock=clock)
    sanctions = CacheKey("sanctions", "32855961")
    cache.put(CARD, 1)
    cache.put(sanctions, 2)
    clock.advance(50.0)
    assert cache.get(sanctions) is None
    assert cache.get(CARD) is not None


def test_params_are_part_of_the_key() -> None:
    cache = MemoryResponseCache()
    cache.put(CARD, "archived")
    fresh = CacheKey("registry", "32855961", (("showCurrentData", "true"),))
    assert cache.get(fresh) is None
    assert CARD.as_text() == "youscore:registry:32855961?showCurrentData=false"


def test_oldest_entries_leave_first_when_full() -> None:
    cache = MemoryResponseCache(max_entries=2)
    keys = [CacheKey("registry", code) for code in ("1", "2", "3")]
    for index, key in enumerate(keys):
        cache.put(key, index)
    assert cache.get(keys[0]) is None
    assert cache.get(keys[2]) is not None
    assert cache.stats().size == 2


def test_a_stored_null_payload_is_still_a_hit() -> None:
    cache = MemoryResponseCache()
    cache.put(CARD, None)
    entry = cache.get(CARD)
    assert entry is not None and entry.payload is None


@pytest.mark.parametrize(("ttl", "size"), [(0.0, 10), (-1.0, 10), (10.0, 0)])
def test_nonsense_settings_are_refused(ttl: float, size: int) -> None:
    with pytest.raises(ValueError):
        MemoryResponseCache(ttl, max_entries=size)
