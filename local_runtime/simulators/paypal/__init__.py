"""PayPal REST simulator (OAuth2, Invoicing v2, Orders v2, signed webhooks) on loopback HTTP.

    with PayPalSimulator() as sim:
        client = PayPalClient(sim.url, PayPalCredential(sim.client_id, sim.client_secret))

The admin API is documented in ``_admin.py``; the same knobs exist as Python methods.
"""

from local_runtime.simulators.paypal._common import SUPPORTED_CURRENCIES
from local_runtime.simulators.paypal._signing import COMMON_NAME as SIMULATOR_CERT_COMMON_NAME
from local_runtime.simulators.paypal._simulator import FailRule, PayPalSimulator
from local_runtime.simulators.paypal._webhooks import DeliveryOptions, SimEvent

__all__ = [
    "SIMULATOR_CERT_COMMON_NAME",
    "SUPPORTED_CURRENCIES",
    "DeliveryOptions",
    "FailRule",
    "PayPalSimulator",
    "SimEvent",
]
