"""A webhook endpoint in Flask with `Client.handle_webhook`.

    MANAGEMENT_TOKEN=... VEI_ADDR=localhost:50051 flask --app webhook_flask run

The API POSTs deliveries to /webhooks/vehicle. `handle_webhook` checks
SC-Signature, answers VERIFY itself, asks the interpreter about the rest
within 2 s and says what to answer: always 200 for a signed delivery, so
the API does not re-deliver. Flask is the application's dependency, not
the client package's.
"""

from __future__ import annotations

import logging
import os

from flask import Flask, request

from vehicle_error_interpreter import Client
from vehicle_errors.v1 import interpreter_pb2 as pb

TOKEN = os.environ["MANAGEMENT_TOKEN"]  # keys the HMACs; never sent, never logged
USED_SIGNALS = ["TractionBattery.StateOfCharge", "Closure.IsLocked", "InternalCombustionEngine.FuelLevel"]
log = logging.getLogger("webhooks")

app = Flask(__name__)
interpreter = Client(os.environ.get("VEI_ADDR", "localhost:50051"))


@app.post("/webhooks/vehicle")
def vehicle_webhook() -> tuple[bytes, int, dict[str, str]]:
    # request.stream: read up to the payload limit, no further.
    result = interpreter.handle_webhook(request.stream, request.headers, TOKEN, USED_SIGNALS)
    if result.error is not None:
        log.warning("webhook delivery not interpreted: %s", result.error)
    elif result.interpretation is not None:
        event, verdict = result.interpretation.event, result.interpretation.verdict
        # Act on the verdict: ask the user to act (verdict.action_url),
        # pause what verdict.scope says, stop asking for unsupported
        # signals, clear what verdict.cleared_reasons names.
        log.info(
            "delivery %s vehicle %s: %s %s",
            event.delivery_id,
            event.vehicle_id,
            pb.VerdictOutcome.Name(verdict.outcome),
            verdict.reason,
        )
    return result.body, result.status, result.headers
