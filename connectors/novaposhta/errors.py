"""One error tree for the Nova Poshta client.

Nova Poshta answers HTTP 200 even when it refuses a call, so "the service said no" usually arrives as
an envelope with ``success: false`` and parallel ``errors`` / ``errorCodes`` lists. ``error_from_envelope``
and ``error_from_http`` are the only places that decide which class a failure gets.

The API key never appears in these errors: messages are built from the provider's texts and codes only.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

AUTH_ERROR_CODES = frozenset({"20000200068", "20000200069"})  # API auth fail, API key empty [doc]
_RATE_LIMIT_MARKERS = ("to many requests", "too many requests")  # [infer] NP's own spelling varies


class NovaPoshtaError(Exception):
    """Base class for every failure this package raises (validation aside: that is pydantic's)."""

    is_transient: bool = False
    retry_after: float | None = None  # seconds the service asked us to wait, when it said so


class NovaPoshtaConnectionError(NovaPoshtaError):
    """No usable response: timeout, refused or dropped connection. The call's outcome is unknown."""

    is_transient = True

    def __init__(self, message: str, *, called: str, timed_out: bool = False) -> None:
        super().__init__(f"{called}: {message}")
        self.called = called
        self.timed_out = timed_out


class NovaPoshtaApiError(NovaPoshtaError):
    """Nova Poshta answered and refused the call (``success: false``) or answered with an HTTP error.

    ``codes`` and ``messages`` are the envelope's ``errorCodes`` and ``errors``; ``warnings`` its
    ``warnings``. ``status`` is the HTTP status (200 for envelope refusals). Nova Poshta sends no
    request id, so ``request_id`` is always None; it is kept for the shape shared with other clients.
    """

    def __init__(
        self,
        *,
        called: str,
        status: int = 200,
        codes: Sequence[str] = (),
        messages: Sequence[str] = (),
        warnings: Sequence[str] = (),
        retry_after: float | None = None,
        is_transient: bool | None = None,
    ) -> None:
        self.called = called
        self.status = status
        self.codes = tuple(codes)
        self.messages = tuple(messages)
        self.warnings = tuple(warnings)
        self.retry_after = retry_after
        self.is_transient = type(self).is_transient if is_transient is None else is_transient
        self.request_id: str | None = None
        super().__init__(self._describe())

    @property
    def code(self) -> str | None:
        """The first provider error code, if any."""
        return self.codes[0] if self.codes else None

    @property
    def message(self) -> str:
        return "; ".join(self.messages) or f"HTTP {self.status}"

    def _describe(self) -> str:
        codes = f" [{', '.join(self.codes)}]" if self.codes else ""
        return f"{self.called} refused (HTTP {self.status}){codes}: {self.message}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(called={self.called!r}, status={self.status}, codes={self.codes!r})"


class NovaPoshtaAuthenticationError(NovaPoshtaApiError):
    """The API key is missing, wrong or expired (codes 20000200068 / 20000200069)."""


class NovaPoshtaUnavailableError(NovaPoshtaApiError):
    """Transient refusal: HTTP 429/5xx, a non-JSON maintenance page, or an envelope rate-limit error."""

    is_transient = True


class WaybillNotDeletableError(NovaPoshtaApiError):
    """``InternetDocument.delete`` refused: the parcel is already moving (or otherwise locked)."""


def _strings(values: object) -> list[str]:
    """NP sends lists of strings, sometimes lists of objects (pitfall 3) or a dict; flatten to text."""
    if values is None or values == "":
        return []
    if isinstance(values, dict):
        values = list(values.values())
    if not isinstance(values, Iterable) or isinstance(values, str | bytes):
        return [str(values)]
    out: list[str] = []
    for value in values:
        if isinstance(value, dict):
            out.extend(str(item) for item in value.values())
        else:
            out.append(str(value))
    return out


def error_from_envelope(called: str, payload: dict[str, object]) -> NovaPoshtaApiError:
    """Map a ``success: false`` envelope to its error class."""
    codes = _strings(payload.get("errorCodes"))
    messages = _strings(payload.get("errors"))
    warnings = _strings(payload.get("warnings"))
    cls: type[NovaPoshtaApiError] = NovaPoshtaApiError
    if AUTH_ERROR_CODES.intersection(codes):
        cls = NovaPoshtaAuthenticationError
    elif any(marker in text.casefold() for text in messages for marker in _RATE_LIMIT_MARKERS):
        cls = NovaPoshtaUnavailableError
    return cls(called=called, codes=codes, messages=messages, warnings=warnings)


def error_from_http(called: str, status: int, retry_after: float | None, text: str) -> NovaPoshtaApiError:
    """Map a non-200 HTTP answer (or a 200 that is not JSON) to its error class."""
    snippet = " ".join(text.split())[:200]
    if status == 429 or status >= 500 or status == 200:
        return NovaPoshtaUnavailableError(
            called=called, status=status, messages=[snippet] if snippet else [], retry_after=retry_after
        )
    return NovaPoshtaApiError(called=called, status=status, messages=[snippet] if snippet else [])
