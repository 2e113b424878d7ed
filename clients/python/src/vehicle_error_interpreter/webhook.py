"""A webhook receiver that any web framework can call: what to answer a
delivery, decided from its raw body and headers.

`Client.handle_webhook` and `AsyncClient.handle_webhook` (a coroutine) use
this module. For every delivery but VERIFY they check `SC-Signature` (the
hex HMAC-SHA256 of the raw body under the application's management token,
compared in constant time; 401 when it is missing or wrong), call
`InterpretPayload` with a bounded deadline, and answer 200 whatever the
verdict and even when the interpreter is down (the API re-delivers
anything else; the error is in the result, to log). VERIFY is answered
here, without the interpreter: `{"challenge": "<hex HMAC-SHA256 of the
challenge under the token>"}`, for a challenge of at most 256 characters of
`[A-Za-z0-9._~-]` only (VERIFY is unsigned and keyed like deliveries, so a
receiver that signed any challenge would sign a forged delivery for
whoever asked). The token never leaves the process: it keys the HMACs and
is neither sent to the interpreter nor put in any error.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import AsyncIterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from vehicle_error_interpreter.http_response import header
from vehicle_errors.v1 import interpreter_pb2 as pb

#: Seconds the `InterpretPayload` call of one delivery may take. The API
#: waits a few seconds for the acknowledgement and re-delivers without one.
DEFAULT_WEBHOOK_DEADLINE = 2.0

#: The server's default payload limit (1 MiB). A larger body is answered
#: 413 and not interpreted; a server run with a larger limit needs
#: `max_body_bytes=` to match.
DEFAULT_MAX_PAYLOAD_BYTES = 1 << 20

#: The header that carries a delivery's signature (every delivery but
#: VERIFY).
SIGNATURE_HEADER = "SC-Signature"

#: The longest VERIFY challenge answered.
MAX_CHALLENGE_LEN = 256

_SANE_CHALLENGE = re.compile(r"[A-Za-z0-9._~-]{1,%d}" % MAX_CHALLENGE_LEN)

_CHUNK = 64 * 1024


class WebhookRejected(Exception):
    """Why a delivery was refused and not interpreted. `reason` is one of
    `SIGNATURE` (401: `SC-Signature` missing or not the body's HMAC),
    `CHALLENGE` (401: a VERIFY challenge that is missing or not at most 256
    characters of `[A-Za-z0-9._~-]`), `BODY_TOO_LARGE` (413) and
    `BODY_UNREADABLE` (400: the body could not be read)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        #: A stable key to branch on.
        self.reason = reason


@dataclass(frozen=True)
class WebhookResult:
    """What to answer a delivery, and what was made of it.

    Answer with `status`, `headers` and `body` as they are (Flask: `return
    result.body, result.status, result.headers`; Starlette:
    `Response(result.body, result.status, result.headers)`).
    `interpretation` is the `InterpretPayload` answer when there was one;
    `error` says why not: a `WebhookRejected` (the delivery was refused) or
    the call's error (the interpreter is down, frozen past the deadline, or
    refused the request; the delivery was still acknowledged with 200).
    Both are None for an answered VERIFY.
    """

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    interpretation: pb.InterpretPayloadResponse | None = None
    error: Exception | None = None

    @property
    def verify(self) -> bool:
        """Whether this answered a VERIFY."""
        return self.status == 200 and self.interpretation is None and self.error is None


def _refused(status: int, reason: str, message: str) -> WebhookResult:
    return WebhookResult(
        status,
        {"Content-Type": "text/plain; charset=utf-8"},
        message.encode() + b"\n",
        error=WebhookRejected(reason, message),
    )


def acknowledge(
    interpretation: pb.InterpretPayloadResponse | None, error: Exception | None
) -> WebhookResult:
    """The 200 a delivery gets once interpreted, or not."""
    return WebhookResult(200, {}, b"", interpretation, error)


def hmac_hex(token: str | bytes, message: bytes) -> str:
    """The hex HMAC-SHA256 of `message` under `token` (UTF-8)."""
    key = token.encode() if isinstance(token, str) else token
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def signature_valid(body: bytes, headers: Any, token: str | bytes) -> bool:
    """Whether `SC-Signature` is the body's HMAC under `token` (hex, either
    letter case), compared in constant time."""
    given = header(headers, SIGNATURE_HEADER).strip()
    try:
        given_bytes = bytes.fromhex(given)
    except ValueError:
        return False
    return bool(given) and hmac.compare_digest(given_bytes, bytes.fromhex(hmac_hex(token, body)))


def verify_challenge(body: bytes) -> tuple[bool, object]:
    """Whether `body` is a VERIFY delivery, read as the interpreter reads
    envelopes: v4 when the top level has a string `eventType` and an object
    `data`, else the legacy 2.0 one when it has a string `eventName` and an
    object `payload`; the type compared trimmed, in any (ASCII) letter
    case. Also the envelope's `challenge` value as sent (None when absent)."""
    try:
        top = json.loads(body)
    except (ValueError, RecursionError):  # not JSON (or nested past Python's stack)
        return False, None
    if not isinstance(top, dict):
        return False, None
    for name_key, inner_key in (("eventType", "data"), ("eventName", "payload")):
        name, inner = top.get(name_key), top.get(inner_key)
        if isinstance(name, str) and isinstance(inner, dict):
            kind = name.strip()
            return (kind.isascii() and kind.upper() == "VERIFY"), inner.get("challenge")
    return False, None


def screen(
    body: bytes | None, headers: Any, token: str | bytes, max_body_bytes: int
) -> WebhookResult | bytes:
    """The answer to a delivery that is not interpreted (VERIFY, or
    refused), or its body once checked: interpret it. `body` None means it
    could not be read."""
    if body is None:
        return _refused(400, "BODY_UNREADABLE", "the request body could not be read")
    if len(body) > max_body_bytes:
        return _refused(413, "BODY_TOO_LARGE", f"the request body is over {max_body_bytes} bytes")
    is_verify, challenge = verify_challenge(body)
    if is_verify:
        if not isinstance(challenge, str) or not _SANE_CHALLENGE.fullmatch(challenge):
            return _refused(
                401,
                "CHALLENGE",
                f"VERIFY challenge missing or not at most {MAX_CHALLENGE_LEN} characters of [A-Za-z0-9._~-]",
            )
        answer = json.dumps({"challenge": hmac_hex(token, challenge.encode())}).encode()
        return WebhookResult(200, {"Content-Type": "application/json"}, answer)
    if not signature_valid(body, headers, token):
        return _refused(401, "SIGNATURE", f"missing or invalid {SIGNATURE_HEADER}")
    return body


def payload_request(
    body: bytes,
    used_signals: Any,
    app_name: str,
    locale: str,
    view: pb.InterpretationView,
) -> pb.InterpretPayloadRequest:
    """The InterpretPayloadRequest for a checked delivery. A proto string
    must be UTF-8: invalid bytes become U+FFFD (the signature was checked on
    the raw bytes)."""
    return pb.InterpretPayloadRequest(
        body=body.decode("utf-8", errors="replace"),
        used_signals=list(used_signals),
        app_name=app_name,
        locale=locale,
        view=view,
    )


def _as_bytes(body: Any) -> bytes | None:
    if isinstance(body, (bytes, bytearray, memoryview)):
        return bytes(body)
    if isinstance(body, str):
        return body.encode()
    return None


def read_body(body: Any, max_body_bytes: int) -> bytes | None:
    """`body` as bytes, at most `max_body_bytes + 1` of them: bytes as
    they are, or a file-like object's `read(n)` (Flask's `request.stream`,
    a WSGI `wsgi.input`). None when reading failed."""
    ready = _as_bytes(body)
    if ready is not None:
        return ready
    out = bytearray()
    try:
        while len(out) <= max_body_bytes:
            chunk = body.read(min(_CHUNK, max_body_bytes + 1 - len(out)))
            if not chunk:
                break
            out += chunk
    except Exception:  # noqa: BLE001 - the sender went away mid-body
        return None
    return bytes(out)


async def read_body_async(body: Any, max_body_bytes: int) -> bytes | None:
    """`read_body` for asyncio servers: also an async iterator of chunks
    (Starlette's `request.stream()`) or an object whose `read(n)` is a
    coroutine (aiohttp's `request.content`)."""
    ready = _as_bytes(body)
    if ready is not None:
        return ready
    out = bytearray()
    try:
        if not hasattr(body, "read") and isinstance(body, AsyncIterable):
            async for chunk in body:
                out += chunk
                if len(out) > max_body_bytes:
                    break
            return bytes(out)
        while len(out) <= max_body_bytes:
            chunk = body.read(min(_CHUNK, max_body_bytes + 1 - len(out)))
            if hasattr(chunk, "__await__"):
                chunk = await chunk
            if not chunk:
                break
            out += chunk
    except Exception:  # noqa: BLE001 - the sender went away mid-body
        return None
    return bytes(out)


def headers_of(headers: Mapping[str, str] | Any) -> Any:
    """`headers` for `header()`: any mapping, or ASGI's raw list of
    (name, value) byte pairs."""
    if isinstance(headers, (list, tuple)):
        return {
            (k.decode("latin-1") if isinstance(k, bytes) else str(k)): (
                v.decode("latin-1") if isinstance(v, bytes) else str(v)
            )
            for k, v in headers
        }
    return headers
