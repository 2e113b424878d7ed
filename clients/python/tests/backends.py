"""Two backends behind one `Client`, for the balancing and failover tests.

Each backend renders a different default app name, so an answer says which
backend gave it. The ipv4: target lists both addresses, as a headless
Service's DNS name does.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from server import Server
from vehicle_error_interpreter import Client


@contextmanager
def two_backends() -> Iterator[tuple[Server, Server, Callable[[], str]]]:
    """Backends a and b, and a call through a client of both that says which
    one answered."""
    with (
        Server("--default-app-name", "backend-a") as a,
        Server("--default-app-name", "backend-b") as b,
        # Both addresses in the target would make the default :authority
        # "host:port,host:port", which the server rejects (PROTOCOL_ERROR);
        # a DNS target has a proper one.
        Client(
            f"ipv4:{a.addr},{b.addr}",
            options=[("grpc.default_authority", "vehicle-error-interpreter")],
        ) as client,
    ):

        def call() -> str:
            # ASLEEP's user message holds <app name>; with no app_name the
            # backend's default fills it.
            message = client.interpret(code="ASLEEP").user_message
            return next(n for n in ("backend-a", "backend-b") if n in message)

        yield a, b, call


def until_both_answer(call: Callable[[], str]) -> None:
    """Calls until both backends answered, for at most 10 s: until both
    subchannels are ready, round_robin uses the ready one."""
    seen: set[str] = set()
    deadline = time.monotonic() + 10
    while seen != {"backend-a", "backend-b"}:
        assert time.monotonic() < deadline, f"only {seen} answered within 10s"
        seen.add(call())
