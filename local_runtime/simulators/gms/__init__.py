"""GMS (Hyber JSON V2) simulator on loopback.

Start: ``GmsSimulator(port=0, login="sim", password="sim-password", client_id="12345", seed=0,
outcomes=None, report_delay_ms=200.0, batched_reports=False, duplicate_rate=0.0,
out_of_order_rate=0.0, push_seen=True, callback_attempts=3)``, then ``start()`` or ``with``; point a
``GmsClient`` at ``sim.url`` with ``GmsCredential(sim.login, "sim-password", sim.client_id)``.

GMS paths (Basic auth, else 401; refusals are ``{"error_code", "error_text"}`` with HTTP 200):
``POST /{client_id}`` single send; ``POST /{client_id}/batch/sync`` and ``/batch`` mass send (per
recipient results, or a ``job_id``); ``GET /{client_id}/status/{job_id}``; ``GET
/{client_id}/api/dr/{message_id}/simple|advanced`` and ``.../api/dr/external/{extra_id}/...``
(404 for an unknown id). ``/broadcast`` is not simulated.

Reports: each accepted message gets an outcome (weights over ``SimOutcome``: viber_delivered,
viber_read, sms_delivered, failed, expired, blocked; seeded, so runs repeat) and a timeline of
status changes. A background thread makes them happen ``report_delay_ms`` apart (``None``: only
on flush) and POSTs the pushed ones to the message's ``callback_url`` when it is a loopback URL
(others are kept for pull only), as one object per request or, with ``batched_reports``, arrays.
``duplicate_rate`` re-sends a report, ``out_of_order_rate`` swaps a message's first and last pushed
reports (e.g. "seen" before "delivered"). Failed callback POSTs are retried ``callback_attempts``
times (counted). Pull reports show what has happened so far.

Admin API (JSON, no auth): ``GET /_sim/state``; ``POST /_sim/faults`` (Faults fields; without
``only_paths`` they apply to the GMS paths only); ``POST /_sim/reset``; ``POST /_sim/flush``
(everything pending happens now, callbacks posted before the answer); ``POST /_sim/outcomes``
(``{"weights": {...}, "plans": {extra_id: outcome}}``); ``POST /_sim/stall`` (``{"count",
"seconds"}``: accept the next sends but answer late, so the client times out after GMS accepted).
"""

from local_runtime.simulators.gms._simulator import GmsSimulator
from local_runtime.simulators.gms._timeline import DEFAULT_WEIGHTS, SimOutcome

__all__ = ["DEFAULT_WEIGHTS", "GmsSimulator", "SimOutcome"]
