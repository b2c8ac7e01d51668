"""The QueueStats port: the local queue as it is, and Service Bus's runtime properties over real HTTP.

The Service Bus administration client always speaks HTTPS to ``<namespace>``; the test gives it a
transport that sends the very same requests to a loopback server answering with the ATOM entry
Service Bus documents for ``GET /{queue}?api-version=...`` (CountDetails in the 2011/06 namespace).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from azure.core.pipeline.transport import RequestsTransport

from functions.common.bus import OutboundMessage, QueueStats, QueueStatsError
from functions.common.queues import QueueSpec
from functions.common.servicebus import ServiceBusQueueStats
from local_runtime.loopback import LoopbackServer, Request, Response
from local_runtime.queue import LocalQueue

NAMESPACE = "contoso-smart.servicebus.windows.net"
CONNECTION = (
    f"Endpoint=sb://{NAMESPACE}/;SharedAccessKeyName=dashboard;SharedAccessKey=c2VjcmV0LWtleS12YWx1ZQ=="
)

_ENTRY = """<?xml version="1.0" encoding="utf-8"?>
<entry xmlns="http://www.w3.org/2005/Atom">
  <id>https://{namespace}/{queue}?api-version=2021-05</id>
  <title type="text">{queue}</title>
  <published>2026-01-05T08:30:00Z</published>
  <updated>2026-11-20T09:00:00Z</updated>
  <author><name>contoso-smart</name></author>
  <link rel="self" href="https://{namespace}/{queue}?api-version=2021-05"/>
  <content type="application/xml">
    <QueueDescription xmlns="http://schemas.microsoft.com/netservices/2010/10/servicebus/connect"
                      xmlns:i="http://www.w3.org/2001/XMLSchema-instance">
      <LockDuration>PT1M</LockDuration>
      <MaxSizeInMegabytes>1024</MaxSizeInMegabytes>
      <RequiresDuplicateDetection>true</RequiresDuplicateDetection>
      <RequiresSession>false</RequiresSession>
      <DefaultMessageTimeToLive>P14D</DefaultMessageTimeToLive>
      <DeadLetteringOnMessageExpiration>true</DeadLetteringOnMessageExpiration>
      <DuplicateDetectionHistoryTimeWindow>PT10M</DuplicateDetectionHistoryTimeWindow>
      <MaxDeliveryCount>10</MaxDeliveryCount>
      <EnableBatchedOperations>true</EnableBatchedOperations>
      <SizeInBytes>4096</SizeInBytes>
      <MessageCount>{total}</MessageCount>
      <IsAnonymousAccessible>false</IsAnonymousAccessible>
      <Status>Active</Status>
      <CreatedAt>2026-01-05T08:30:00Z</CreatedAt>
      <UpdatedAt>2026-11-20T09:00:00Z</UpdatedAt>
      <AccessedAt>2026-11-23T10:00:00Z</AccessedAt>
      <SupportOrdering>true</SupportOrdering>
      <CountDetails xmlns:d2p1="http://schemas.microsoft.com/netservices/2011/06/servicebus">
        <d2p1:ActiveMessageCount>{active}</d2p1:ActiveMessageCount>
        <d2p1:DeadLetterMessageCount>{dead}</d2p1:DeadLetterMessageCount>
        <d2p1:ScheduledMessageCount>{scheduled}</d2p1:ScheduledMessageCount>
        <d2p1:TransferMessageCount>0</d2p1:TransferMessageCount>
        <d2p1:TransferDeadLetterMessageCount>1</d2p1:TransferDeadLetterMessageCount>
      </CountDetails>
      <AutoDeleteOnIdle>P10675199DT2H48M5.4775807S</AutoDeleteOnIdle>
      <EnablePartitioning>false</EnablePartitioning>
      <EntityAvailabilityStatus>Available</EntityAvailabilityStatus>
      <EnableExpress>false</EnableExpress>
    </QueueDescription>
  </content>
</entry>"""

_NOT_FOUND = """<feed xmlns="http://www.w3.org/2005/Atom"><title type="text">Publicly Listed Services</title>
<id>uuid:0c7c6f16-2a3b-4b4f-9d1e-000000000000;id=1</id><updated>2026-11-23T10:00:00Z</updated></feed>"""

_COUNTS = {"payments": (3, 2, 1)}  # queue -> active, dead-lettered, scheduled


class _ServiceBusStandIn:
    """Answers the administration API's queue GET like Service Bus; 401 without a SAS token."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.refuse_with: int | None = None  # e.g. 403: the SAS policy lacks the Manage claim
        self.server = LoopbackServer(self.handle, name="servicebus-admin")

    def handle(self, request: Request) -> Response:
        self.requests.append(request)
        if self.refuse_with is not None:
            return Response(self.refuse_with, b"<Error><Code>403</Code><Detail>Manage claim</Detail></Error>")
        if not request.headers.get("Authorization", "").startswith("SharedAccessSignature "):
            return Response(401, b"<Error><Code>401</Code><Detail>Unauthorized</Detail></Error>")
        queue = request.path.strip("/")
        if queue not in _COUNTS:
            return Response(200, _NOT_FOUND.encode(), {"Content-Type": "application/atom+xml"})
        active, dead, scheduled = _COUNTS[queue]
        body = _ENTRY.format(
            namespace=NAMESPACE, queue=queue, active=active, dead=dead, scheduled=scheduled,
            total=active + dead + scheduled,
        )  # fmt: skip
        return Response(200, body.encode(), {"Content-Type": "application/atom+xml;type=entry;charset=utf-8"})


class _ToLoopback(RequestsTransport):
    """Sends the SDK's https://<namespace>/... requests to the stand-in instead, unchanged otherwise."""

    def __init__(self, target: str) -> None:
        super().__init__()
        self.target = target

    def send(self, request: Any, **kwargs: Any) -> Any:
        request.url = request.url.replace(f"https://{NAMESPACE}", self.target, 1)
        return super().send(request, **kwargs)


def _stats(stand_in: _ServiceBusStandIn) -> ServiceBusQueueStats:
    return ServiceBusQueueStats.from_connection_string(CONNECTION, transport=_ToLoopback(stand_in.server.url))


@pytest.fixture
def service_bus() -> Iterator[_ServiceBusStandIn]:
    stand_in = _ServiceBusStandIn()
    with stand_in.server:
        yield stand_in


def test_service_bus_counts_come_from_the_queue_runtime_properties(service_bus: _ServiceBusStandIn) -> None:
    stats = _stats(service_bus)

    counts = stats.counts("payments")

    assert counts == {"active": 3, "scheduled": 1, "dead_letter": 2, "transfer_dead_letter": 1}
    [request] = service_bus.requests
    assert (request.method, request.path) == ("GET", "/payments")
    assert request.arg("api-version")


def test_an_unknown_service_bus_queue_is_a_queue_stats_error(service_bus: _ServiceBusStandIn) -> None:
    stats = _stats(service_bus)

    with pytest.raises(QueueStatsError, match="'shipments'"):
        stats.counts("shipments")


def test_a_refused_service_bus_read_names_the_queue_and_status_but_not_the_key(
    service_bus: _ServiceBusStandIn,
) -> None:
    stats = _stats(service_bus)
    service_bus.refuse_with = 403

    with pytest.raises(QueueStatsError) as raised:
        stats.counts("payments")

    assert "'payments'" in str(raised.value) and "403" in str(raised.value)
    assert "c2VjcmV0" not in str(raised.value)


def test_the_local_queue_is_queue_stats_as_it_is(tmp_path: Path) -> None:
    queue = LocalQueue(tmp_path / "queue.db", [QueueSpec("payments", max_delivery_count=1)])
    queue.send("payments", OutboundMessage(b"{}", message_id="bad"))
    queue.send("payments", OutboundMessage(b"{}", message_id="waiting"))
    [received] = queue.receive("payments")
    queue.abandon(received, "boom")  # one delivery allowed: dead-lettered at once

    assert isinstance(queue, QueueStats)
    counts = queue.counts("payments")
    assert (counts["active"], counts["dead_letter"]) == (1, 1)
    queue.close()
