"""One local runtime for the messaging endpoint tests (starting one takes seconds; two cannot run at once).

Its quiet hours cover the whole test run, so a commercial message sent outside a journey is scheduled:
tests that want a message sent now use ``purpose: transactional`` or a ``journey`` tag, as a CRM would.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from local_runtime.stack import LocalStack
from tests.functions.messaging.support import messaging_stack

FREQUENCY_CAP = 3
CHUNK_SIZE = 100  # the smallest allowed: batches of a few hundred go out in several chunks
STALE_AFTER_SECONDS = 3600  # "sent" this long: the reconcile timer pulls the report from GMS


def quiet_hours_around_now() -> str:
    now = datetime.now(ZoneInfo("Europe/Kyiv"))
    return f"{(now - timedelta(hours=1)):%H:%M}-{(now + timedelta(hours=3)):%H:%M}"


@pytest.fixture(scope="package")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    env = {
        "MESSAGING_QUIET_HOURS": quiet_hours_around_now(),
        "MESSAGING_FREQUENCY_CAP": str(FREQUENCY_CAP),
        "MESSAGING_BATCH_CHUNK_SIZE": str(CHUNK_SIZE),
        "MESSAGING_STALE_AFTER_SECONDS": str(STALE_AFTER_SECONDS),
    }
    with messaging_stack(tmp_path_factory.mktemp("messaging"), **env) as running:
        yield running
