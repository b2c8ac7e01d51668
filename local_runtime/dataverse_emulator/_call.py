"""One Web API call as the planes see it, whether it came over HTTP or out of a ``$batch``."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from local_runtime.dataverse_emulator._errors import bad_request
from local_runtime.dataverse_emulator._query import Prefer, parse_prefer


@dataclass
class Call:
    method: str
    segments: list[str]  # decoded path segments after /api/data/v9.2/
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: bytes
    service_root: str  # http://127.0.0.1:port/api/data/v9.2/
    kind: str = "other"  # what the call turned out to be, for the counters
    in_batch: bool = False
    _prefer: Prefer | None = field(default=None, repr=False)

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    @property
    def prefer(self) -> Prefer:
        if self._prefer is None:
            self._prefer = parse_prefer(self.header("prefer"))
        return self._prefer

    def json(self) -> Any:
        if not self.body:
            return None
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise bad_request("The request body is not valid JSON.", "0x80048d19") from None

    def entity_url(self, entity_set: str, row_id: str) -> str:
        return f"{self.service_root}{entity_set}({row_id})"
