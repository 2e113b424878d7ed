"""Requests from HTTP responses as the caller's HTTP library gave them.

`requests`, `httpx` (sync and async) and `aiohttp` responses are read by
their public attributes only, so none of these libraries is a dependency.
A body is read up to `max_body_bytes + 1` bytes and no further: enough for
the server to see that it is over its limit and answer `BODY_TOO_LARGE`
from the status, never a whole multi-megabyte page in memory. A body that
cannot be read (already consumed, closed, a broken connection) still gives
an answer from the status: the body goes as empty.

One reader cannot serve both worlds (a sync read would block the event
loop, a coroutine cannot run in sync code), so `read_response` serves
`Client` and `read_response_async` serves `AsyncClient`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from vehicle_errors.v1 import interpreter_pb2 as pb

#: The server's default `--max-body-bytes` (16 KiB). A server run with a
#: larger limit needs `max_body_bytes=` to match, or longer bodies are cut
#: (and answered from the status as too large) here.
DEFAULT_MAX_BODY_BYTES = 16 * 1024

#: Bytes asked of a stream at a time; small, as error bodies are.
_CHUNK = 4096


@dataclass(frozen=True)
class ResponseParts:
    """What an interpretation needs of an HTTP response."""

    status: int
    #: The body as text (UTF-8, invalid bytes replaced), at most the limit
    #: plus one byte; "" when unreadable.
    body: str
    retry_after: str
    request_id: str

    def request(
        self,
        *,
        app_name: str = "",
        locale: str = "",
        view: pb.InterpretationView = pb.INTERPRETATION_VIEW_UNSPECIFIED,
        operation: pb.Operation = pb.OPERATION_UNSPECIFIED,
    ) -> pb.InterpretRequest:
        """The InterpretRequest for these parts. New request fields come as
        keyword-only arguments here."""
        return pb.InterpretRequest(
            body=self.body,
            http_status=self.status,
            retry_after=self.retry_after,
            request_id=self.request_id,
            app_name=app_name,
            locale=locale,
            view=view,
            operation=operation,
        )


def header(headers: Any, name: str) -> str:
    """The value of header `name`, case-insensitively, or "". The three
    libraries' header maps are case-insensitive already; a plain dict (a
    stand-in response, a test double) is not."""
    if headers is None:
        return ""
    value = headers.get(name)
    if value is None:
        wanted = name.lower()
        value = next((v for k, v in headers.items() if str(k).lower() == wanted), None)
    return "" if value is None else str(value)


def _status(response: Any) -> int:
    # requests and httpx say status_code, aiohttp says status.
    status = getattr(response, "status_code", None)
    if status is None:
        status = getattr(response, "status", 0)
    return int(status or 0)


def _parts(response: Any, body: bytes, max_body_bytes: int) -> ResponseParts:
    headers = getattr(response, "headers", None)
    return ResponseParts(
        status=_status(response),
        # Cut at limit + 1: the server then knows the body was over its
        # limit. A multi-byte character cut in two becomes U+FFFD, which
        # never makes the text shorter, so it stays over the limit.
        body=body[: max_body_bytes + 1].decode("utf-8", errors="replace"),
        retry_after=header(headers, "Retry-After"),
        request_id=header(headers, "SC-Request-Id"),
    )


def _bounded(chunks: Iterable[bytes], limit: int) -> bytes:
    """Joins chunks until more than `limit` bytes came."""
    out = bytearray()
    for chunk in chunks:
        out += chunk
        if len(out) > limit:
            break
    return bytes(out)


def _sync_chunks(response: Any) -> Iterator[bytes]:
    # iter_content (requests) and iter_bytes (httpx) decode gzip/deflate,
    # serve a body already read from memory, and stream one not read yet.
    if hasattr(response, "iter_content"):
        return iter(response.iter_content(chunk_size=_CHUNK))
    if hasattr(response, "iter_bytes"):
        return iter(response.iter_bytes(chunk_size=_CHUNK))
    raise TypeError(
        f"{type(response).__name__} is not a requests or httpx response "
        "(no iter_content/iter_bytes); use AsyncClient for aiohttp"
    )


def read_response(response: Any, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES) -> ResponseParts:
    """Reads a `requests.Response` or an `httpx.Response` (sync): its
    status, `Retry-After`, `SC-Request-Id` and at most `max_body_bytes + 1`
    bytes of its decoded body. A body that cannot be read gives ""."""
    chunks = _sync_chunks(response)  # a TypeError for other objects is the caller's mistake
    try:
        body = _bounded(chunks, max_body_bytes)
    except Exception:  # noqa: BLE001 - consumed, closed, reset: answer from the status
        body = b""
    return _parts(response, body, max_body_bytes)


async def read_response_async(
    response: Any, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
) -> ResponseParts:
    """Reads an `httpx.Response` from an `AsyncClient`, an
    `aiohttp.ClientResponse`, or any response `read_response` takes (one
    already read, so nothing blocks): status, `Retry-After`,
    `SC-Request-Id` and at most `max_body_bytes + 1` bytes of the decoded
    body. A body that cannot be read gives ""."""
    try:
        if hasattr(response, "aiter_bytes"):  # httpx
            out = bytearray()
            async for chunk in response.aiter_bytes(chunk_size=_CHUNK):
                out += chunk
                if len(out) > max_body_bytes:
                    break
            body = bytes(out)
        elif hasattr(response, "iter_content"):
            # requests: never touch its `content` property, which reads a
            # streamed body whole.
            return read_response(response, max_body_bytes)
        elif hasattr(response, "content") and hasattr(response.content, "readany"):  # aiohttp
            body = await _read_aiohttp(response, max_body_bytes)
        else:
            return read_response(response, max_body_bytes)
    except Exception:  # noqa: BLE001 - consumed, closed, reset: answer from the status
        body = b""
    return _parts(response, body, max_body_bytes)


async def _read_aiohttp(response: Any, limit: int) -> bytes:
    stream = response.content
    if stream.is_eof():
        # Read before (`await response.read()`): the body is kept on the
        # response, and reading it again costs nothing.
        data: bytes = await response.read()
        return data
    out = bytearray()
    while len(out) <= limit:
        # content.read(n) returns what is buffered, up to n bytes; b"" at EOF.
        chunk = await stream.read(min(_CHUNK, limit + 1 - len(out)))
        if not chunk:
            break
        out += chunk
    return bytes(out)
