"""Webhook endpoints for the tests, on real HTTP servers on free ports:
`SyncReceiver` (http.server, `Client.handle_webhook` reading the request
stream) and `AioReceiver` (aiohttp.web on its own event loop thread,
`AsyncClient.handle_webhook` reading `request.content`). Each keeps every
`WebhookResult` it answered with, and what its client sent."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiohttp import web

from vehicle_error_interpreter import AsyncClient, Client, WebhookResult
from vehicle_errors.v1 import interpreter_pb2 as pb

#: The test application's management token.
TOKEN = "mgmt-token-7f3e2a"

PATH = "/webhooks/vehicle"


class RecordingStub:
    """The client's stub, recording every InterpretPayload request and the
    call's keyword arguments (timeout, metadata) before passing it on."""

    def __init__(self, stub: Any) -> None:
        self._stub = stub
        self.sent: list[tuple[pb.InterpretPayloadRequest, dict[str, Any]]] = []

    def InterpretPayload(self, request: pb.InterpretPayloadRequest, **kwargs: Any) -> Any:  # noqa: N802 - the stub's name
        self.sent.append((request, kwargs))
        return self._stub.InterpretPayload(request, **kwargs)


class Receiver:
    """What both receivers share."""

    url: str
    stub: RecordingStub

    def __init__(self, target: str, used_signals: Iterable[str] = (), **options: Any) -> None:
        self.target = target
        self.used_signals = list(used_signals)
        self.options = options
        self.results: list[WebhookResult] = []

    def __enter__(self) -> Receiver:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        raise NotImplementedError


class _Body:
    """The request stream, cut at Content-Length (reading further would
    wait for bytes that never come)."""

    def __init__(self, stream: Any, length: int) -> None:
        self.stream, self.left = stream, length

    def read(self, n: int) -> bytes:
        data: bytes = self.stream.read(min(n, self.left))
        self.left -= len(data)
        return data


class SyncReceiver(Receiver):
    def __init__(self, target: str, used_signals: Iterable[str] = (), **options: Any) -> None:
        super().__init__(target, used_signals, **options)
        self.client = Client(target)
        self.stub = RecordingStub(self.client.stub)
        self.client.stub = self.stub  # type: ignore[assignment]  # a recording wrapper
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = _Body(self.rfile, int(self.headers.get("Content-Length", 0)))
                result = receiver.client.handle_webhook(
                    body, self.headers, TOKEN, receiver.used_signals, **receiver.options
                )
                receiver.results.append(result)
                self.send_response(result.status)
                for name, value in result.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(result.body)))
                self.end_headers()
                self.wfile.write(result.body)

            def log_message(self, *args: Any) -> None:
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.http.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}{PATH}"

    def close(self) -> None:
        self.http.shutdown()
        self.http.server_close()
        self.client.close()


class AioReceiver(Receiver):
    def __init__(self, target: str, used_signals: Iterable[str] = (), **options: Any) -> None:
        super().__init__(target, used_signals, **options)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.url = asyncio.run_coroutine_threadsafe(self._start(target), self.loop).result(10)

    async def _start(self, target: str) -> str:
        # Inside the loop that will use it.
        self.client = AsyncClient(target)
        self.stub = RecordingStub(self.client.stub)
        self.client.stub = self.stub  # type: ignore[assignment]  # a recording wrapper
        app = web.Application()
        app.router.add_post(PATH, self._handle)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", 0).start()
        port = self.runner.addresses[0][1]
        return f"http://127.0.0.1:{port}{PATH}"

    async def _handle(self, request: web.Request) -> web.Response:
        result = await self.client.handle_webhook(
            request.content, request.headers, TOKEN, self.used_signals, **self.options
        )
        self.results.append(result)
        return web.Response(body=result.body, status=result.status, headers=result.headers)

    async def _stop(self) -> None:
        await self.runner.cleanup()
        await self.client.close()

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


RECEIVERS: dict[str, type[Receiver]] = {"Client": SyncReceiver, "AsyncClient": AioReceiver}
