"""``@queue_handler``: what every Service Bus trigger does around its use case.

It restores the message's correlation id for every log line of the invocation, and logs one line
saying which message was handled and how (masked: nothing from the body is logged).
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

import azure.functions as func

from functions.common.errors import PoisonMessageError
from functions.common.logging import correlation
from functions.common.telemetry import configure_telemetry, span

F = TypeVar("F", bound=Callable[..., Any])

logger = logging.getLogger("smart.queue")


def queue_handler(function: F) -> F:
    @functools.wraps(function)
    def wrapper(msg: func.ServiceBusMessage, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        configure_telemetry()
        with (
            correlation(msg.correlation_id or msg.message_id),
            span(function.__name__, message_id=msg.message_id, delivery_count=msg.delivery_count),
        ):
            try:
                result = function(msg, *args, **kwargs)
            except PoisonMessageError as error:
                logger.warning("message %s is poison: %s", msg.message_id, error)
                raise
            except Exception as error:
                logger.warning(
                    "message %s failed on delivery %s (%s); it will be retried",
                    msg.message_id,
                    msg.delivery_count,
                    type(error).__name__,
                )
                raise
            logger.info(
                "message %s handled in %.0f ms", msg.message_id, (time.perf_counter() - started) * 1000
            )
            return result

    return wrapper  # type: ignore[return-value]
