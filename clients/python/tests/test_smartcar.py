"""interpret_smartcar_exception with the vendor's real SDK (smartcar 6.19.1,
pinned): the SDK calls the local stand-in API (tests/http_origin.py, through
`smartcar.config.API_ORIGIN`), its own code builds each exception from a
real-shaped response, and the real server interprets it."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
import smartcar
import smartcar.config

from http_origin import REQUEST_ID, Origin
from server import Server
from vehicle_error_interpreter import AsyncClient, Client, smartcar_request
from vehicle_errors.v1 import interpreter_pb2 as pb


@pytest.fixture(scope="module")
def origin() -> Iterator[Origin]:
    with Origin() as o:
        saved = smartcar.config.API_ORIGIN
        smartcar.config.API_ORIGIN = o.base  # read by the SDK on every call
        try:
            yield o
        finally:
            smartcar.config.API_ORIGIN = saved


def sdk_exception(case: str) -> smartcar.SmartcarException:
    """What the SDK raises when the API answers `lock` with case's response."""
    with pytest.raises(smartcar.SmartcarException) as raised:
        smartcar.Vehicle(case, "access-token").lock()
    return raised.value


# case -> (reason, request id, HTTP status, warnings)
WANT = {
    "v2-door-open": ("VEHICLE_STATE_DOOR_OPEN", REQUEST_ID, 409, ()),
    "chunked-rate-limit": ("RATE_LIMIT_VEHICLE", REQUEST_ID, 429, ()),
    "html-502": ("HTTP_502", "", 502, ("BODY_NOT_JSON",)),
    "v1-door-open": ("VEHICLE_STATE_DOOR_OPEN", REQUEST_ID, 409, ()),
    # OAuth bodies name no API type: decided by the 401 (error_type INVALID_TOKEN).
    "oauth": ("HTTP_401", "", 401, ()),
}


def check(case: str, resp: pb.InterpretResponse) -> None:
    got = (resp.reason, resp.request_id, resp.http_status, tuple(w.reason for w in resp.warnings))
    assert got == WANT[case], case


def test_sdk_exceptions_of_every_shape_are_interpreted(client: Client, origin: Origin) -> None:
    for case in WANT:
        check(case, client.interpret_smartcar_exception(sdk_exception(case), app_name="My App"))


def test_retry_after_kept_by_the_sdk_sets_the_delay(client: Client, origin: Origin) -> None:
    exc = sdk_exception("chunked-rate-limit")
    assert exc.retry_after == "30"  # the SDK's own attribute
    resp = client.interpret_smartcar_exception(exc)
    assert resp.retry_advice.strategy == pb.RETRY_STRATEGY_RETRY_LATER
    assert resp.retry_advice.suggested_delay.ToSeconds() == 30


def test_rebuilt_bodies_keep_each_shape(origin: Origin) -> None:
    v1 = smartcar_request(sdk_exception("v1-door-open"))
    assert '"code": "VS_001"' in v1.body and '"error": "vehicle_state_error"' in v1.body
    oauth = smartcar_request(sdk_exception("oauth"))
    assert oauth.body.startswith('{"error": "invalid_token", "error_description"')
    html = smartcar_request(sdk_exception("html-502"))
    assert (html.body, html.http_status) == ("<html><body><h1>502 Bad Gateway</h1></body></html>", 502)


def test_an_exception_without_status_or_type_is_a_value_error(client: Client, origin: Origin) -> None:
    # No Content-Type: the SDK fails on its own header lookup and raises a
    # bare SDK_ERROR with neither.
    exc = sdk_exception("no-content-type")
    with pytest.raises(ValueError, match="neither a status nor a type"):
        client.interpret_smartcar_exception(exc)


def test_async_client_interprets_sdk_exceptions(server: Server, origin: Origin) -> None:
    excs = {case: sdk_exception(case) for case in WANT}

    async def main() -> None:
        async with AsyncClient(server.addr) as client:
            for case, exc in excs.items():
                check(case, await client.interpret_smartcar_exception(exc, app_name="My App"))
            with pytest.raises(ValueError):
                await client.interpret_smartcar_exception(sdk_exception("no-content-type"))

    asyncio.run(main())
