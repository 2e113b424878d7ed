"""Two backends behind one `AsyncClient`: tests/backends.py for asyncio.

Each backend renders a different default app name, so an answer says which
one gave it. Enter it inside the running loop (the client's channel belongs
to it).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from server import Server
from vehicle_error_interpreter import AsyncClient

Call = Callable[[], Awaitable[str]]


@asynccontextmanager
async def two_backends() -> AsyncIterator[tuple[Server, Server, Call]]:
    """Backends a and b, and an awaitable call through a client of both that
    says which one answered."""
    with (
        Server("--default-app-name", "backend-a") as a,
        Server("--default-app-name", "backend-b") as b,
    ):
        # The authority: as in backends.py (a two-address target's default
        # :authority is rejected by the server).
        async with AsyncClient(
            f"ipv4:{a.addr},{b.addr}",
            options=[("grpc.default_authority", "vehicle-error-interpreter")],
        ) as client:

            async def call() -> str:
                message = (await client.interpret(code="ASLEEP")).user_message
                return next(n for n in ("backend-a", "backend-b") if n in message)

            yield a, b, call


async def until_both_answer(call: Call) -> None:
    """Calls until both backends answered, for at most 10 s."""
    seen: set[str] = set()
    deadline = time.monotonic() + 10
    while seen != {"backend-a", "backend-b"}:
        assert time.monotonic() < deadline, f"only {seen} answered within 10s"
        seen.add(await call())
