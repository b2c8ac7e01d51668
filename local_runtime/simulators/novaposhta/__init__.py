"""Nova Poshta API 2.0 simulator (see ``simulator.py`` for the wire format and the admin API)."""

from local_runtime.simulators.novaposhta._data import CITIES, SENDER_CONTACT, SENDER_REF
from local_runtime.simulators.novaposhta._documents import DELETE_REFUSED
from local_runtime.simulators.novaposhta._tracking import MAX_TRACKING_DOCUMENTS
from local_runtime.simulators.novaposhta.simulator import AUTH_FAIL, KEY_EMPTY, NovaPoshtaSimulator

__all__ = [
    "AUTH_FAIL",
    "CITIES",
    "DELETE_REFUSED",
    "KEY_EMPTY",
    "MAX_TRACKING_DOCUMENTS",
    "SENDER_CONTACT",
    "SENDER_REF",
    "NovaPoshtaSimulator",
]
