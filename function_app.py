"""Azure Functions entry point: one Blueprint per capability, nothing else."""

import azure.functions as func

from functions.common.queues import QUEUES
from functions.counterparty.blueprint import bp as counterparty
from functions.dashboard.blueprint import bp as dashboard
from functions.events.blueprint import bp as events
from functions.health.blueprint import bp as health
from functions.messaging.blueprint import bp as messaging
from functions.payments.blueprint import bp as payments
from functions.shipping.blueprint import bp as shipping

__all__ = ["QUEUES", "app"]

app = func.FunctionApp(http_auth_level=func.AuthLevel.FUNCTION)
app.register_functions(health)
app.register_functions(events)
app.register_functions(payments)
app.register_functions(shipping)
app.register_functions(counterparty)
app.register_functions(messaging)
app.register_functions(dashboard)
