"""Results dashboard: what the capabilities did, as charts for people and as JSON for Power BI or flows.

``GET /api/dashboard`` (HTML, inline SVG charts) and ``GET /api/dashboard/data`` (the same figures as
JSON), both with the function key and ``?from=&to=`` (UTC days). The figures reuse the capabilities'
own analytics (messaging ``Aggregator``, payments ``PaymentAnalyticsService``, shipping ``ShipmentRow``)
over rows read from Dataverse, plus queue counts through the ``QueueStats`` port.
"""

from functions.dashboard.models import Dashboard, DashboardQuery
from functions.dashboard.service import DashboardService
from functions.dashboard.settings import DashboardSettings

__all__ = ["Dashboard", "DashboardQuery", "DashboardService", "DashboardSettings"]
