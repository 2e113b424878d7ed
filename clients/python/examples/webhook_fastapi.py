"""A webhook endpoint in FastAPI (Starlette alike) with `AsyncClient.handle_webhook`.

    MANAGEMENT_TOKEN=... VEI_ADDR=localhost:50051 uvicorn webhook_fastapi:app

The API POSTs deliveries to /webhooks/vehicle. `handle_webhook` checks
SC-Signature, answers VERIFY itself, asks the interpreter about the rest
within 2 s and says what to answer: always 200 for a signed delivery, so
the API does not re-deliver. FastAPI and uvicorn are the application's
dependencies, not the client package's.
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response

from vehicle_error_interpreter import AsyncClient
from vehicle_errors.v1 import interpreter_pb2 as pb

TOKEN = os.environ["MANAGEMENT_TOKEN"]  # keys the HMACs; never sent, never logged
USED_SIGNALS = ["TractionBattery.StateOfCharge", "Closure.IsLocked", "InternalCombustionEngine.FuelLevel"]
log = logging.getLogger("webhooks")


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    # Inside the running loop: a grpc.aio channel belongs to it.
    async with AsyncClient(os.environ.get("VEI_ADDR", "localhost:50051")) as interpreter:
        app.state.interpreter = interpreter
        yield


app = FastAPI(lifespan=lifespan)


@app.post("/webhooks/vehicle")
async def vehicle_webhook(request: Request) -> Response:
    interpreter: AsyncClient = request.app.state.interpreter
    result = await interpreter.handle_webhook(request.stream(), request.headers, TOKEN, USED_SIGNALS)
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
    return Response(result.body, result.status, result.headers)
