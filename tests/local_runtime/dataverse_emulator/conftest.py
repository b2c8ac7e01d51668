"""The emulator fixtures are shared with tests/dataverse (real client against the emulator)."""

from tests.dataverse.conftest import client, emulator

__all__ = ["client", "emulator"]
