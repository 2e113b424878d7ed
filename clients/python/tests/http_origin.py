"""A stand-in for the connected-car API on 127.0.0.1:0: real HTTP error
responses of each shape, for the HTTP-response and SDK-exception tests.

Each case has a name, served at `/<name>` and at any path with
`/vehicles/<name>/` in it (the vendor SDK's URLs), so the same responses
reach `requests`, `httpx`, `aiohttp` and the SDK. Runs in a thread; the
port is the kernel's choice.
"""

from __future__ import annotations

import gzip
import json
import sys
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

REQUEST_ID = "2f4ad3b8-6c1e-4b8f-9d2a-3e5f6a7b8c9d"
JSON = {"Content-Type": "application/json"}

DOOR_OPEN = {
    "type": "VEHICLE_STATE",
    "code": "DOOR_OPEN",
    "description": "Your vehicle was unable to lock. Please ensure that all doors are closed.",
    "docURL": "https://smartcar.com/docs/errors/api-errors/vehicle-state-errors#door-open",
    "statusCode": 409,
    "requestId": REQUEST_ID,
    "resolution": {"type": None},
    "suggestedUserMessage": "Your car was unable to lock. Please ensure that all doors are closed.",
}
RATE_LIMIT = {
    "type": "RATE_LIMIT",
    "code": "VEHICLE",
    "description": "You have reached the throttling rate limit for this vehicle.",
    "docURL": "https://smartcar.com/docs/errors/api-errors/rate-limit-errors#vehicle",
    "statusCode": 429,
    "requestId": REQUEST_ID,
    "resolution": {"type": "RETRY_LATER"},
}
V1_DOOR_OPEN = {
    "error": "vehicle_state_error",
    "message": "Vehicle state cannot be determined: a door is open.",
    "code": "VS_001",
    "statusCode": 409,
    "requestId": REQUEST_ID,
}
OAUTH = {"error": "invalid_token", "error_description": "The access token is invalid or has expired."}
HTML_502 = "<html><body><h1>502 Bad Gateway</h1></body></html>"
CHARGING_IN_PROGRESS = {
    "type": "VEHICLE_STATE",
    "code": "CHARGING_IN_PROGRESS",
    "description": "The vehicle is currently charging.",
    "docURL": "https://smartcar.com/docs/errors/api-errors/vehicle-state-errors#charging-in-progress",
    "statusCode": 409,
    "requestId": REQUEST_ID,
    "resolution": {"type": None},
}

#: Over the server's 16 KiB body limit many times over.
TOO_LARGE = json.dumps({**DOOR_OPEN, "detail": "x" * (1024 * 1024)})


@dataclass(frozen=True)
class Case:
    """One canned response."""

    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    gzip: bool = False
    chunked: bool = False
    #: Declares a Content-Length of len(body) + this, then closes early: a
    #: body that fails to read.
    short_by: int = 0


def _json(obj: object) -> bytes:
    return json.dumps(obj).encode()


CASES: dict[str, Case] = {
    "v2-door-open": Case(409, _json(DOOR_OPEN), {**JSON, "SC-Request-Id": REQUEST_ID}),
    "gzip-door-open": Case(409, _json(DOOR_OPEN), dict(JSON), gzip=True),
    # Lower-case names, as some gateways send them.
    "chunked-rate-limit": Case(
        429, _json(RATE_LIMIT), {**JSON, "retry-after": "30", "sc-request-id": REQUEST_ID}, chunked=True
    ),
    "html-502": Case(502, HTML_502.encode(), {"Content-Type": "text/html"}),
    "empty-503": Case(503, b"", {"Content-Type": "text/plain"}),
    "too-large": Case(500, TOO_LARGE.encode(), dict(JSON), chunked=True),
    "cut-502": Case(502, b'{"type":"SERVER"', dict(JSON), short_by=100),
    "v1-door-open": Case(409, _json(V1_DOOR_OPEN), dict(JSON)),
    "oauth": Case(401, _json(OAUTH), dict(JSON)),
    "no-content-type": Case(500, b"oops", {}),
    # The answer to a charge command; what it means depends on the command
    # (tests/test_operation.py).
    "v2-charging-in-progress": Case(409, _json(CHARGING_IN_PROGRESS), {**JSON, "SC-Request-Id": REQUEST_ID}),
}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # chunked encoding needs 1.1

    def _case(self) -> Case | None:
        parts = self.path.split("?")[0].strip("/").split("/")
        if "vehicles" in parts and parts.index("vehicles") + 1 < len(parts):
            return CASES.get(parts[parts.index("vehicles") + 1])
        return CASES.get(parts[-1])

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)  # the request body, unused
        case = self._case()
        if case is None:
            self.send_error(404)
            return
        body = gzip.compress(case.body) if case.gzip else case.body
        self.send_response(case.status)
        for name, value in case.headers.items():
            self.send_header(name, value)
        if case.gzip:
            self.send_header("Content-Encoding", "gzip")
        if case.chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(len(body) + case.short_by))
        if case.short_by:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        try:
            if case.chunked:
                for i in range(0, len(body), 8192):
                    piece = body[i : i + 8192]
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                self.wfile.write(b"0\r\n\r\n")
            else:
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client read what it needed and hung up: expected for too-large

    do_GET = _answer
    do_POST = _answer

    def log_message(self, format: str, *args: object) -> None:
        pass  # quiet tests


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        # Clients that read what they need and hang up (the bounded reads
        # do) reset the connection: expected, not worth a traceback.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


class Origin:
    """The stand-in API; a context manager. `url(name)` is a case's URL."""

    def __init__(self) -> None:
        self.httpd = _Server(("127.0.0.1", 0), _Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()

    def url(self, name: str) -> str:
        """The URL that answers case `name`."""
        assert name in CASES, name
        return f"{self.base}/{name}"

    def __enter__(self) -> Origin:
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
