"""interpret_http_response with real `requests`, `httpx` and `aiohttp`
responses from a local stand-in API (tests/http_origin.py), through the
real server: gzip, chunked, an HTML 502, an empty 503, a body over the
server's limit, a body cut short, headers in either case."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass

import aiohttp
import httpx
import pytest
import requests

from http_origin import CASES, REQUEST_ID, Origin
from server import Server
from vehicle_error_interpreter import (
    DEFAULT_MAX_BODY_BYTES,
    AsyncClient,
    Client,
    read_response,
    read_response_async,
)
from vehicle_errors.v1 import interpreter_pb2 as pb


@dataclass(frozen=True)
class Want:
    reason: str
    warnings: tuple[str, ...] = ()
    request_id: str = ""
    delay: int | None = None


WANT = {
    "v2-door-open": Want("VEHICLE_STATE_DOOR_OPEN", request_id=REQUEST_ID),
    "gzip-door-open": Want("VEHICLE_STATE_DOOR_OPEN", request_id=REQUEST_ID),
    "chunked-rate-limit": Want("RATE_LIMIT_VEHICLE", request_id=REQUEST_ID, delay=30),
    "html-502": Want("HTTP_502", ("BODY_NOT_JSON",)),
    "empty-503": Want("HTTP_503", ("BODY_EMPTY",)),
    "too-large": Want("HTTP_500", ("BODY_TOO_LARGE",)),
    # Content-Length promised 100 more bytes than came: unreadable, so
    # answered from the status alone.
    "cut-502": Want("HTTP_502", ("BODY_EMPTY",)),
}


def check(name: str, resp: pb.InterpretResponse) -> None:
    want = WANT[name]
    got = (resp.reason, tuple(w.reason for w in resp.warnings), resp.request_id, resp.http_status)
    assert got == (want.reason, want.warnings, want.request_id, CASES[name].status), name
    if want.delay is not None:
        assert resp.retry_advice.suggested_delay.ToSeconds() == want.delay, name


@pytest.fixture(scope="module")
def origin() -> Iterator[Origin]:
    with Origin() as o:
        yield o


def test_requests_responses_read_or_streamed(client: Client, origin: Origin) -> None:
    with requests.Session() as session:
        for name in WANT:
            if name != "cut-502":  # requests raises on a short body before returning
                check(name, client.interpret_http_response(session.get(origin.url(name))))
            with session.get(origin.url(name), stream=True) as streamed:
                check(name, client.interpret_http_response(streamed))


def test_httpx_sync_responses_read_or_streamed(client: Client, origin: Origin) -> None:
    with httpx.Client() as http:
        for name in WANT:
            if name != "cut-502":  # httpx raises on a short body before returning
                check(name, client.interpret_http_response(http.get(origin.url(name))))
            with http.stream("GET", origin.url(name)) as streamed:
                check(name, client.interpret_http_response(streamed))


def run_async(server: Server, body: Callable[[AsyncClient], Awaitable[None]]) -> None:
    """Runs body with an AsyncClient made inside the loop, as it must be."""

    async def main() -> None:
        async with AsyncClient(server.addr) as client:
            await body(client)

    asyncio.run(main())


def test_httpx_async_responses_read_or_streamed(server: Server, origin: Origin) -> None:
    async def body(client: AsyncClient) -> None:
        async with httpx.AsyncClient() as http:
            for name in WANT:
                if name != "cut-502":
                    check(name, await client.interpret_http_response(await http.get(origin.url(name))))
                async with http.stream("GET", origin.url(name)) as streamed:
                    check(name, await client.interpret_http_response(streamed))

    run_async(server, body)


def test_aiohttp_responses_read_or_not(server: Server, origin: Origin) -> None:
    async def body(client: AsyncClient) -> None:
        async with aiohttp.ClientSession() as http:
            for name in WANT:
                async with http.get(origin.url(name)) as resp:
                    check(name, await client.interpret_http_response(resp))
                if name != "cut-502":
                    async with http.get(origin.url(name)) as resp:
                        await resp.read()  # read before: the kept body is used
                        check(name, await client.interpret_http_response(resp))

    run_async(server, body)


def test_closed_bodies_give_a_status_only_answer(client: Client, server: Server, origin: Origin) -> None:
    url = origin.url("v2-door-open")
    with requests.get(url, stream=True) as gone:
        gone.raw.read()  # consumed behind requests' back
    answer = client.interpret_http_response(gone)
    # The 409 alone: a vehicle-state conflict whose code is unknown.
    assert answer.http_status == 409 and "BODY_EMPTY" in [w.reason for w in answer.warnings]
    with httpx.Client() as http, http.stream("GET", url) as closed:
        pass
    assert read_response(closed).body == "" and read_response(closed).status == 409

    async def body(aclient: AsyncClient) -> None:
        async with aiohttp.ClientSession() as http:
            async with http.get(url) as resp:
                resp.release()
            parts = await read_response_async(resp)
            assert (parts.status, parts.body) == (409, "")
            answer = await aclient.interpret_http_response(resp)
            assert answer.http_status == 409

    run_async(server, body)


def test_reads_stop_after_the_limit_plus_one_byte(origin: Origin) -> None:
    with requests.get(origin.url("too-large"), stream=True) as resp:
        assert len(read_response(resp).body) == DEFAULT_MAX_BODY_BYTES + 1
    with requests.get(origin.url("too-large"), stream=True) as resp:
        assert len(read_response(resp, max_body_bytes=100).body) == 101

    async def main() -> None:
        async with aiohttp.ClientSession() as http, http.get(origin.url("too-large")) as resp:
            assert len((await read_response_async(resp)).body) == DEFAULT_MAX_BODY_BYTES + 1
        async with httpx.AsyncClient() as hx, hx.stream("GET", origin.url("too-large")) as sresp:
            assert len((await read_response_async(sresp)).body) == DEFAULT_MAX_BODY_BYTES + 1

    asyncio.run(main())


def test_headers_are_found_in_any_case(origin: Origin) -> None:
    # The stand-in sends retry-after and sc-request-id in lower case.
    with requests.get(origin.url("chunked-rate-limit")) as resp:
        parts = read_response(resp)
    assert (parts.retry_after, parts.request_id) == ("30", REQUEST_ID)


def test_a_non_response_is_a_type_error(client: Client) -> None:
    with pytest.raises(TypeError, match="not a requests or httpx response"):
        client.interpret_http_response(object())
