"""A Dataverse Web API emulator for local runs and tests (SQLite-backed, loopback HTTP).

Start it with ``DataverseEmulator(db_path=":memory:", port=0).start()`` and point
``dataverse.DataverseClient(emulator.url, StaticTokenAuth("any"))`` at ``emulator.url``.
"""

from local_runtime.dataverse_emulator._limits import Limits
from local_runtime.dataverse_emulator._standard_tables import APP_USER_ID, BASE_CURRENCY_ID, ORGANIZATION_ID
from local_runtime.dataverse_emulator.emulator import DataverseEmulator

__all__ = ["APP_USER_ID", "BASE_CURRENCY_ID", "ORGANIZATION_ID", "DataverseEmulator", "Limits"]
