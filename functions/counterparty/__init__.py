"""Counterparty checks through YouControl's YouScore API: auto-fill, sanctions, tax debt, courts, risk,
change monitoring. ``blueprint.py`` holds the triggers; ``service.CounterpartyChecks`` the use cases."""
