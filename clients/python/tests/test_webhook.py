"""`handle_webhook` on `Client` and `AsyncClient`, behind real HTTP servers
(tests/receivers.py), with the real interpreter: signatures good, bad and
missing, VERIFY in both envelopes against independently computed HMACs,
challenges that must not be signed, a VEHICLE_ERROR delivery interpreted,
and the interpreter killed or frozen (still 200, the error in the
result)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from collections.abc import AsyncIterator, Iterator

import grpc
import pytest
import requests

from receivers import RECEIVERS, TOKEN, Receiver
from server import Server
from vehicle_error_interpreter import (
    MAX_CHALLENGE_LEN,
    SIGNATURE_HEADER,
    AsyncClient,
    Client,
    NoPropagationStatus,
    WebhookRejected,
    abort_with,
)
from vehicle_errors.v1 import interpreter_pb2 as pb

# A VEHICLE_ERROR delivery in the v4 envelope (the API's event page): a
# PERMISSION error scoped to a signal the application does not use, and a
# COMPATIBILITY error scoped to one it does.
DELIVERY = json.dumps(
    {
        "eventId": "1821c036-71cb-408f-8dee-2989b9764307",
        "eventType": "VEHICLE_ERROR",
        "data": {
            "user": {"id": "2fbd0033"},
            "vehicle": {"id": "a1d50709", "make": "VOLKSWAGEN", "model": "ID.4", "year": 2021},
            "errors": [
                {
                    "type": "PERMISSION",
                    "code": None,
                    "resolution": {"type": "REAUTHENTICATE"},
                    "state": "ERROR",
                    "signals": [
                        {"name": "Permissions", "group": "VehicleUserAccount", "code": "vehicleuseraccount-permissions"}
                    ],
                },
                {
                    "type": "COMPATIBILITY",
                    "code": "VEHICLE_NOT_CAPABLE",
                    "description": "The vehicle is incapable of performing your request.",
                    "resolution": {"type": None},
                    "state": "ERROR",
                    "signals": ["InternalCombustionEngine.FuelLevel"],
                },
            ],
        },
        "meta": {"version": "4.0", "deliveryId": "49c3f6bb", "deliveredAt": 1758224204078, "webhookId": "5a8e5e38", "mode": "LIVE"},
    }
).encode()

USED = ["InternalCombustionEngine.FuelLevel"]

CHALLENGE = "c3bd7a9e-4f1b.VERIFY_challenge~01"
#: printf '%s' "$CHALLENGE" | openssl dgst -sha256 -hmac "$TOKEN"
OPENSSL_HMAC = "062667b86da27389c57ae4f2102dbaf2e362bf7befced5041ef0070517f28076"


def sign(body: bytes, token: str = TOKEN) -> str:
    """The test's own HMAC-SHA256, hex."""
    return hmac.new(token.encode(), body, hashlib.sha256).hexdigest()


def deliver(receiver: Receiver, body: bytes, signature: str | None) -> requests.Response:
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers[SIGNATURE_HEADER] = signature
    # The timeout bounds a hung endpoint; the handler's own deadline is
    # far shorter.
    return requests.post(receiver.url, data=body, headers=headers, timeout=10)


class _NoAbort:
    """A servicer context that must not be aborted."""

    def abort_with_status(self, status: grpc.Status) -> None:
        raise AssertionError("aborted")


@pytest.fixture(params=list(RECEIVERS))
def receiver(request: pytest.FixtureRequest, server: Server) -> Iterator[Receiver]:
    with RECEIVERS[request.param](server.addr, USED, app_name="My App") as r:
        yield r


def test_signed_delivery_is_interpreted(receiver: Receiver) -> None:
    got = deliver(receiver, DELIVERY, sign(DELIVERY))
    assert got.status_code == 200
    (result,) = receiver.results
    assert result.error is None, result.error
    answer = result.interpretation
    assert answer is not None and not result.verify
    assert answer.payload_kind == pb.PAYLOAD_KIND_WEBHOOK
    assert answer.event.type == pb.WEBHOOK_EVENT_TYPE_VEHICLE_ERROR
    assert (answer.event.delivery_id, answer.event.vehicle_id) == ("49c3f6bb", "a1d50709")
    # The PERMISSION error touches no used signal; the COMPATIBILITY one
    # decides.
    relevant = {item.interpretation.error_type: item.relevant for item in answer.items}
    assert relevant == {"PERMISSION": False, "COMPATIBILITY": True}
    assert answer.verdict.outcome == pb.VERDICT_OUTCOME_UNSUPPORTED
    assert answer.verdict.reason.startswith("COMPATIBILITY")
    # A webhook item has nothing to propagate: the helpers refuse it.
    for item in answer.items:
        assert item.interpretation.propagation_code != 0
        assert not item.interpretation.HasField("propagation_status")
        with pytest.raises(NoPropagationStatus):
            abort_with(_NoAbort(), item.interpretation)  # type: ignore[arg-type]

    # What the interpreter got: the body, the used signals, the options,
    # the deadline; never the token.
    ((sent, kwargs),) = receiver.stub.sent
    assert (sent.body.encode(), list(sent.used_signals), sent.app_name) == (DELIVERY, USED, "My App")
    assert kwargs["timeout"] == 2.0
    assert TOKEN.encode() not in sent.SerializeToString() and TOKEN not in repr(kwargs)


@pytest.mark.parametrize(
    "signature",
    [
        None,
        "",
        "not-a-signature",
        sign(DELIVERY + b" "),
        sign(DELIVERY, "another-token"),
        sign(DELIVERY)[:32],
        TOKEN,
        "é" * 64,
    ],
    ids=["missing", "empty", "not hex", "another body", "another key", "truncated", "the token", "non-ASCII"],
)
def test_bad_signatures_are_refused(receiver: Receiver, signature: str | None) -> None:
    got = deliver(receiver, DELIVERY, signature)
    assert got.status_code == 401
    (result,) = receiver.results
    assert isinstance(result.error, WebhookRejected) and result.error.reason == "SIGNATURE"
    assert result.interpretation is None and receiver.stub.sent == []
    assert TOKEN not in got.text and TOKEN not in str(result.error)


def test_signature_in_upper_case_and_headers_in_any_case(receiver: Receiver) -> None:
    assert deliver(receiver, DELIVERY, sign(DELIVERY).upper()).status_code == 200
    assert len(receiver.stub.sent) == 1


@pytest.mark.parametrize(
    ("body", "challenge"),
    [
        (
            {
                "eventId": "e1",
                "eventType": "VERIFY",
                "data": {"challenge": CHALLENGE},
                "meta": {"version": "4.0", "webhookId": "w1", "deliveryId": "d1", "deliveredAt": "2025-09-18T19:36:44.078Z", "mode": "TEST"},
            },
            CHALLENGE,
        ),
        ({"version": "2.0", "webhookId": "w1", "eventName": "verify", "payload": {"challenge": CHALLENGE}}, CHALLENGE),
        ({"eventType": " Verify ", "data": {"challenge": "a" * MAX_CHALLENGE_LEN}}, "a" * MAX_CHALLENGE_LEN),
    ],
    ids=["v4", "legacy 2.0", "v4, another case, 256 characters"],
)
def test_verify_is_answered_without_the_interpreter(
    receiver: Receiver, body: dict[str, object], challenge: str
) -> None:
    got = deliver(receiver, json.dumps(body).encode(), None)
    assert got.status_code == 200
    assert got.headers["Content-Type"] == "application/json"
    assert got.json() == {"challenge": sign(challenge.encode())}
    if challenge == CHALLENGE:
        assert got.json()["challenge"] == OPENSSL_HMAC
    (result,) = receiver.results
    assert result.verify and result.error is None
    assert receiver.stub.sent == []


FORGED = json.dumps({"eventType": "VEHICLE_ERROR", "data": {"errors": []}})


@pytest.mark.parametrize(
    "challenge",
    [FORGED, "a" * (MAX_CHALLENGE_LEN + 1), "abc def", "café", "abc/def", "", 12345, None],
    ids=["a forged delivery", "257 characters", "a space", "non-ASCII", "a slash", "empty", "a number", "null"],
)
@pytest.mark.parametrize("envelope", ["v4", "legacy 2.0"])
def test_bad_challenges_are_refused(receiver: Receiver, challenge: object, envelope: str) -> None:
    if envelope == "v4":
        body = {"eventType": "VERIFY", "data": {"challenge": challenge}}
    else:
        body = {"eventName": "verify", "payload": {"challenge": challenge}}
    got = deliver(receiver, json.dumps(body).encode(), None)
    assert got.status_code == 401
    assert sign(FORGED.encode()) not in got.text
    (result,) = receiver.results
    assert isinstance(result.error, WebhookRejected) and result.error.reason == "CHALLENGE"
    assert receiver.stub.sent == []


def test_a_body_over_the_limit_is_refused(server: Server) -> None:
    for kind, cls in RECEIVERS.items():
        with cls(server.addr, USED, max_body_bytes=len(DELIVERY)) as receiver:
            over = DELIVERY + b" "
            assert deliver(receiver, over, sign(over)).status_code == 413, kind
            assert deliver(receiver, DELIVERY, sign(DELIVERY)).status_code == 200, kind
            refused, _ = receiver.results
            assert isinstance(refused.error, WebhookRejected), kind
            assert refused.error.reason == "BODY_TOO_LARGE", kind
            assert len(receiver.stub.sent) == 1, kind


@pytest.mark.parametrize("kind", list(RECEIVERS))
def test_killed_interpreter_still_acknowledged(kind: str) -> None:
    srv = Server()
    with srv, RECEIVERS[kind](srv.addr, USED) as receiver:
        srv.kill()
        got = deliver(receiver, DELIVERY, sign(DELIVERY))
        assert got.status_code == 200
        (result,) = receiver.results
        assert result.interpretation is None
        assert isinstance(result.error, grpc.RpcError)
        assert result.error.code() == grpc.StatusCode.UNAVAILABLE


@pytest.mark.parametrize("kind", list(RECEIVERS))
def test_frozen_interpreter_still_acknowledged_within_the_deadline(kind: str) -> None:
    """SIGSTOP: the connection stays open and nothing answers. The
    handler's own deadline (0.3 s here) ends the wait, far inside the HTTP
    client's timeout, which would fail the test instead."""
    with Server() as srv, RECEIVERS[kind](srv.addr, USED, deadline=0.3) as receiver:
        # Connected first, so the call meets a frozen server.
        assert deliver(receiver, b"{}", sign(b"{}")).status_code == 200
        srv.pause()
        try:
            got = deliver(receiver, DELIVERY, sign(DELIVERY))
        finally:
            srv.resume()
        assert got.status_code == 200
        result = receiver.results[-1]
        assert result.interpretation is None
        assert isinstance(result.error, grpc.RpcError)
        assert result.error.code() == grpc.StatusCode.DEADLINE_EXCEEDED


def test_framework_agnostic_inputs(server: Server) -> None:
    """Bytes, a str, a file-like body; a plain dict of headers in another
    letter case, ASGI's raw header pairs; no network in front."""
    with Client(server.addr) as client:
        for body, headers in [
            (DELIVERY, {"sc-signature": sign(DELIVERY)}),
            (DELIVERY.decode(), {"SC-SIGNATURE": sign(DELIVERY)}),
            (bytearray(DELIVERY), [(b"sc-signature", sign(DELIVERY).encode())]),
        ]:
            result = client.handle_webhook(body, headers, TOKEN, USED)
            assert result.status == 200 and result.interpretation is not None, result.error
        unsigned = client.handle_webhook(DELIVERY, {}, TOKEN.encode(), USED)
        assert unsigned.status == 401


def test_invalid_utf8_is_signed_raw_and_sent_repaired(server: Server) -> None:
    body = b'{"eventType":"VEHICLE_ERROR","data":{"errors":[]},"x":"\xff"}'
    with Client(server.addr) as client:
        result = client.handle_webhook(body, {SIGNATURE_HEADER: sign(body)}, TOKEN)
        assert result.status == 200 and result.error is None, result.error
        assert result.interpretation is not None
        assert result.interpretation.payload_kind == pb.PAYLOAD_KIND_WEBHOOK


class _CountingStream:
    """A request stream that counts the bytes read from it."""

    def __init__(self, size: int) -> None:
        self.left, self.read_bytes = size, 0

    def read(self, n: int) -> bytes:
        n = min(n, self.left)
        self.left -= n
        self.read_bytes += n
        return b"x" * n


def test_bodies_are_read_only_up_to_the_limit(server: Server) -> None:
    """A stream (sync: `read(n)`; asyncio: an async iterator of chunks, as
    Starlette's `request.stream()`) is read to the limit plus one byte at
    most, then answered 413, never interpreted."""
    limit = 10_000
    with Client(server.addr) as client:
        stream = _CountingStream(10 * limit)
        result = client.handle_webhook(stream, {}, TOKEN, max_body_bytes=limit)
        assert result.status == 413 and stream.read_bytes == limit + 1

    pulled = 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal pulled
        for _ in range(100):
            pulled += 1
            yield b"x" * 1000

    async def main() -> int:
        async with AsyncClient(server.addr) as aclient:
            return (await aclient.handle_webhook(chunks(), {}, TOKEN, max_body_bytes=limit)).status

    assert asyncio.run(main()) == 413
    assert pulled == limit // 1000 + 1
