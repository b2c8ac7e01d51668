"""Transport helpers shared by every HTTP client in this project (providers and Dataverse)."""

from connectors.common.retry import NO_RETRY, RetryPolicy, parse_retry_after

__all__ = ["NO_RETRY", "RetryPolicy", "parse_retry_after"]
