"""Errors a queue handler raises to tell the host what to do with the message."""

from __future__ import annotations


class PoisonMessageError(Exception):
    """The message can never succeed (malformed, refers to nothing): dead-letter it with this reason.

    Any other exception abandons the message so that it is delivered again; past the queue's max
    delivery count Service Bus dead-letters it. The local runtime dead-letters a poison message at
    once; on Azure the message is dead-lettered when its delivery count runs out (the reason text is
    logged with the invocation), until message settlement from Python is generally available.
    """
