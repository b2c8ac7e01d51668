"""The peer run of the ``dataverse`` scenario: Microsoft's ``PowerPlatform-Dataverse-Client`` upserting rows.

Runs as a script inside ``bench/.peer-venv`` (its own interpreter, so the peer's dependencies, pandas
and aiohttp among them, never enter the project's environment). Only the standard library and the
peer package may be imported here, and the peer only inside functions, so that ``bench`` can discover
its scenarios without the peer installed. Reads one JSON job on stdin and prints one JSON line::

    {"base_url", "token", "table", "key", "rows": [...]}
        -> {"seconds", "rows", "version"}
        or {"error", "status", "retry_after", "transient", "message", "version"}

The peer's async client (``AsyncDataverseClient``) accepts an ``http://`` base URL; its sync client
refuses anything but ``https://``. ``records.upsert`` with more than one item resolves the entity set
from ``EntityDefinitions``, fetches the table's picklists once (to turn labels into option values),
and sends ONE ``UpsertMultiple`` request holding every row: it does not chunk. Its HTTP layer retries
connection errors only; a 429 surfaces to the caller as ``HttpError`` (``status_code`` 429,
``is_transient`` True, ``details["retry_after"]``).
"""

from __future__ import annotations

import asyncio
import importlib
import json
import sys
import time
from importlib.metadata import PackageNotFoundError, version
from typing import Any

PACKAGE = "PowerPlatform-Dataverse-Client"


class _StaticAsyncCredential:
    """The smallest ``azure.core.credentials_async.AsyncTokenCredential``: one fixed bearer token."""

    def __init__(self, token: str) -> None:
        self._token = token

    async def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        access_token = importlib.import_module("azure.core.credentials").AccessToken
        return access_token(self._token, int(time.time()) + 3600)

    async def close(self) -> None:
        return None

    async def __aenter__(self) -> _StaticAsyncCredential:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None


async def _upsert(job: dict[str, Any]) -> dict[str, Any]:
    client_class = importlib.import_module("PowerPlatform.Dataverse.aio.async_client").AsyncDataverseClient
    key: str = job["key"]
    items = [
        {"alternate_key": {key: row[key]}, "record": {k: v for k, v in row.items() if k != key}}
        for row in job["rows"]
    ]
    async with client_class(job["base_url"], _StaticAsyncCredential(job["token"])) as client:
        started = time.perf_counter()
        await client.records.upsert(job["table"], items)
        seconds = time.perf_counter() - started
    return {"seconds": seconds, "rows": len(items)}


def main() -> int:
    job = json.load(sys.stdin)
    try:
        package_version = version(PACKAGE)
    except PackageNotFoundError:
        package_version = "not installed"
    try:
        outcome = asyncio.run(_upsert(job))
    except Exception as error:  # noqa: BLE001 - the outcome is reported to the scenario, not handled
        outcome = {
            "error": type(error).__name__,
            "status": getattr(error, "status_code", None),
            "retry_after": (getattr(error, "details", None) or {}).get("retry_after"),
            "transient": getattr(error, "is_transient", None),
            "message": str(error)[:300],
        }
    print(json.dumps({**outcome, "version": package_version}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
