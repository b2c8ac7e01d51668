"""Printable waybill / marking (label) links on my.novaposhta.ua.

The print service authenticates by the API key *inside the URL path*
(``…/orders/printMarking85x85/orders/<numbers>/type/pdf8/apiKey/<key>``) [lib: public NP clients].
So a printable link is a secret: hand it only to whoever may see the key (e.g. download the PDF
server-side), never log it, never store it in Dataverse. ``redact_print_url`` gives a loggable form.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Literal

from pydantic import TypeAdapter

from connectors.novaposhta.models import WaybillNumber

PrintKind = Literal["marking", "document"]
PrintFormat = Literal["pdf", "pdf8", "html"]
MAX_PRINT_DOCUMENTS = 100
_NUMBERS = TypeAdapter(list[WaybillNumber])
_PATHS = {"marking": "printMarking85x85", "document": "printDocument"}
_KEY_IN_URL = re.compile(r"(/apiKey/)[^/?#]+")


def printable_label_url(
    print_base_url: str,
    api_key: str,
    numbers: Iterable[str],
    kind: PrintKind = "marking",
    format: PrintFormat = "pdf",
) -> str:
    """Build the print link for up to 100 waybills. Contains the API key: do not log it."""
    checked = _NUMBERS.validate_python(list(numbers))
    if not checked or len(checked) > MAX_PRINT_DOCUMENTS:
        raise ValueError(f"numbers: give 1 to {MAX_PRINT_DOCUMENTS} waybill numbers")
    if kind not in _PATHS:
        raise ValueError("kind: 'marking' or 'document'")
    if format not in ("pdf", "pdf8", "html") or (kind == "document" and format == "pdf8"):
        raise ValueError("format: 'pdf' or 'html' (and 'pdf8' for markings)")
    base = print_base_url.rstrip("/")
    return f"{base}/orders/{_PATHS[kind]}/orders/{','.join(checked)}/type/{format}/apiKey/{api_key}"


def redact_print_url(url: str) -> str:
    """The same link with the API key replaced by ``***``: safe for logs."""
    return _KEY_IN_URL.sub(r"\1***", url)
