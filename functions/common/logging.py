"""Structured logging with a correlation id, and a redaction safety net.

Code masks what it logs (``mask_phone``, ``mask_code``); the ``RedactionFilter`` is the second line:
installed on the root handlers, it replaces configured secret values and masks anything that looks
like a phone number or a Ukrainian tax code in every record above DEBUG.
"""

from __future__ import annotations

import contextvars
import logging
import re
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

correlation_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("correlation_id", default=None)

_PHONE = re.compile(r"(?<![\w/.-])\+?(?:380|38)?\d{9,12}(?![\w-])")
_TAX_CODE = re.compile(r"(?<![\w/.-])\d{8}(?:\d{2})?(?![\w-])")

_secrets: set[str] = set()
_secrets_lock = threading.Lock()


def mask_phone(phone: str | None) -> str:
    """'+380501234567' -> '+380******567': country code and last three digits only."""
    if not phone:
        return ""
    digits = re.sub(r"\D", "", phone)
    if len(digits) < 7:
        return "*" * len(digits)
    head = digits[:3]
    return f"{'+' if phone.strip().startswith('+') else ''}{head}{'*' * (len(digits) - 6)}{digits[-3:]}"


def mask_code(code: str | None) -> str:
    """A tax code (EDRPOU 8 digits, RNOKPP 10 digits) as '12****78'."""
    if not code:
        return ""
    return code[:2] + "*" * max(0, len(code) - 4) + code[-2:] if len(code) > 4 else "*" * len(code)


def register_secrets(values: Iterable[str | None]) -> None:
    """Values that must never appear in a log line (keys, passwords, tokens)."""
    with _secrets_lock:
        _secrets.update(v for v in values if v and len(v) >= 6)


def redact(text: str) -> str:
    with _secrets_lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, "***")
    text = _PHONE.sub(lambda m: mask_phone(m.group(0)), text)
    return _TAX_CODE.sub(lambda m: mask_code(m.group(0)), text)


class RedactionFilter(logging.Filter):
    """Redacts secrets and masks phones / tax codes; adds ``correlation_id`` to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.correlation_id = correlation_id.get() or "-"
        if record.levelno > logging.DEBUG:
            message = record.getMessage()
            cleaned = redact(message)
            if cleaned != message or record.args:
                record.msg, record.args = cleaned, None
            if record.exc_info and record.exc_info[1] is not None and not record.exc_text:
                record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return True


_FILTER = RedactionFilter()


def install_log_redaction(logger: logging.Logger | None = None) -> None:
    """Attach the filter to every handler of ``logger`` (root by default); idempotent."""
    target = logger or logging.getLogger()
    for handler in target.handlers:
        if _FILTER not in handler.filters:
            handler.addFilter(_FILTER)


@contextmanager
def correlation(value: str | None) -> Iterator[str | None]:
    token = correlation_id.set(value)
    try:
        yield value
    finally:
        correlation_id.reset(token)
