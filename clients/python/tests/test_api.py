"""Every RPC through the wrapper against the real server."""

from __future__ import annotations

import socket
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import grpc
import pytest

from server import Server

from vehicle_error_interpreter import Client, error_details, interpret_request, status_details
from vehicle_errors.v1 import interpreter_pb2 as pb


def test_seed_body_is_matched_classified_and_rendered(
    client: Client, seed_body: Callable[[str], str]
) -> None:
    resp = client.interpret(seed_body("DOOR_OPEN"), app_name="My App")
    assert resp.identification == pb.IDENTIFICATION_EXACT_CODE
    assert resp.catalog_code == "DOOR_OPEN"
    assert resp.category == pb.CATEGORY_CLOSURE
    assert resp.retry_advice.strategy == pb.RETRY_STRATEGY_RETRY_AFTER_ACTION
    assert resp.retry_advice.action == pb.ACTION_DRIVER_AT_VEHICLE
    assert resp.request_id == "5dea93a1-3f79-4246-90c5-89610a20471b"
    # The ready status is what a caller returns to its own callers.
    ready = status_details(resp.propagation_status)
    assert ready.code == grpc.StatusCode.FAILED_PRECONDITION
    assert ready.error_info is not None and ready.error_info.metadata["code"] == "DOOR_OPEN"


def test_structured_code_renders_app_name_and_retry_advice(client: Client) -> None:
    resp = client.interpret(code="in_motion", error_type="vehicle_state", app_name="My App")
    assert "My App" in resp.user_message
    assert "<app name>" not in resp.user_message
    assert resp.retry_advice.strategy == pb.RETRY_STRATEGY_RETRY_LATER
    assert resp.retry_advice.suggested_delay.ToSeconds() == 600
    ready = status_details(resp.propagation_status)
    # A vehicle-state wait: never UNAVAILABLE, which retry layers retry.
    assert ready.code == grpc.StatusCode.FAILED_PRECONDITION
    assert ready.retry_info is not None and ready.retry_info.retry_delay.ToSeconds() == 600


def test_gateway_page_is_answered_from_the_status_with_a_warning(client: Client) -> None:
    """A gateway's HTML page with a 504 is no caller mistake: it is answered
    from the status (DEADLINE_EXCEEDED: the command may have run), with a
    warning that the body was not used."""
    resp = client.interpret("<html>504 Gateway Time-out</html>", app_name="My App", http_status=504)
    assert resp.reason == "HTTP_504"
    assert resp.identification == pb.IDENTIFICATION_NO_ERROR_BODY
    assert resp.decided_by == pb.DECISION_SOURCE_HTTP_STATUS
    assert resp.category == pb.CATEGORY_PROVIDER
    assert resp.retry_advice.strategy == pb.RETRY_STRATEGY_RETRY_LATER
    assert status_details(resp.propagation_status).code == grpc.StatusCode.DEADLINE_EXCEEDED
    assert "My App" in resp.user_message
    assert [(w.reason, w.field) for w in resp.warnings] == [("BODY_NOT_JSON", "body")]


def test_batch_item_fails_alone_with_its_details(
    client: Client, seed_body: Callable[[str], str]
) -> None:
    resp = client.batch_interpret(
        [interpret_request(seed_body("ASLEEP")), interpret_request("not json")]
    )
    ok, bad = resp.results
    assert ok.WhichOneof("result") == "response"
    assert ok.response.catalog_code == "ASLEEP"
    assert bad.WhichOneof("result") == "error"
    details = status_details(bad.error)
    assert details.code == grpc.StatusCode.INVALID_ARGUMENT
    assert details.bad_request is not None
    assert details.bad_request.field_violations[0].field == "requests[1].body"


def test_get_by_code_any_case_and_legacy_code(client: Client) -> None:
    assert client.get_vehicle_state_error("vs_001").code == "DOOR_OPEN"
    assert client.get_vehicle_state_error("asleep").code == "ASLEEP"


def test_unknown_code_is_not_found_with_error_info(client: Client) -> None:
    with pytest.raises(grpc.RpcError) as raised:
        client.get_vehicle_state_error("NOPE")
    details = error_details(raised.value)
    assert details.code == grpc.StatusCode.NOT_FOUND
    assert details.error_info is not None
    assert details.error_info.reason == "UNKNOWN_CODE"
    assert details.error_info.domain == "vehicle-error-interpreter"
    assert details.error_info.metadata["code"] == "NOPE"


def test_list_is_the_catalog_in_order_filtered_and_paged(
    client: Client, catalog: list[dict[str, Any]]
) -> None:
    want = [e["code"] for e in catalog]
    assert [e.code for e in client.list_vehicle_state_errors()] == want
    closures = client.list_vehicle_state_errors(category=pb.CATEGORY_CLOSURE)
    assert [e.code for e in closures] == ["DOOR_OPEN", "HOOD_OPEN", "TRUNK_OPEN"]
    # Pages of 5 add up to the whole list.
    paged: list[str] = []
    req = pb.ListVehicleStateErrorsRequest(page_size=5)
    for _ in range(10):
        page = client.stub.ListVehicleStateErrors(req, timeout=5)
        paged += [e.code for e in page.vehicle_state_errors]
        if not page.next_page_token:
            break
        req.page_token = page.next_page_token
    assert paged == want


def test_bad_body_is_invalid_argument_with_bad_request_and_error_info(client: Client) -> None:
    with pytest.raises(grpc.RpcError) as raised:
        client.interpret("not json")
    details = error_details(raised.value)
    assert details.code == grpc.StatusCode.INVALID_ARGUMENT
    assert details.bad_request is not None
    [violation] = details.bad_request.field_violations
    assert violation.field == "body" and violation.description
    assert details.error_info is not None
    assert details.error_info.reason == "BODY_NOT_JSON"
    assert details.error_info.metadata["field"] == "body"


def test_bad_app_name_names_the_field(client: Client) -> None:
    with pytest.raises(grpc.RpcError) as raised:
        client.interpret(code="ASLEEP", app_name="bad\napp")
    details = error_details(raised.value)
    assert details.code == grpc.StatusCode.INVALID_ARGUMENT
    assert details.bad_request is not None
    assert details.bad_request.field_violations[0].field == "app_name"


def test_default_deadline_bounds_a_call_to_a_hung_server() -> None:
    """A call made without a timeout still ends: the wrapper's default
    deadline fails it with DEADLINE_EXCEEDED when the server hangs (here:
    SIGSTOP, so the connection stays open and nothing answers)."""
    with Server() as srv, Client(srv.addr, timeout=0.5) as client:
        client.check_health()  # connected before the server hangs
        srv.pause()
        try:
            with ThreadPoolExecutor(1) as pool:
                call = pool.submit(client.interpret, code="ASLEEP")
                # Bounded, so a missing deadline fails the test instead of
                # hanging it.
                err = call.exception(timeout=10)
        finally:
            srv.resume()
        assert isinstance(err, grpc.RpcError)
        assert err.code() == grpc.StatusCode.DEADLINE_EXCEEDED


def test_interpret_passes_locale_view_metadata(client: Client) -> None:
    # The locale reaches the server: a malformed one names its field.
    with pytest.raises(grpc.RpcError) as raised:
        client.interpret(code="ASLEEP", locale="not a tag")
    details = error_details(raised.value)
    assert details.bad_request is not None
    assert details.bad_request.field_violations[0].field == "locale"
    ok = client.interpret(code="ASLEEP", locale="en-US", metadata=[("x-request-source", "test")])
    assert ok.catalog_code == "ASLEEP"
    # BASIC (the default) has no catalog entry; FULL has it.
    assert not client.interpret(code="ASLEEP").HasField("vehicle_state_error")
    full = client.interpret(code="ASLEEP", view=pb.INTERPRETATION_VIEW_FULL)
    assert full.vehicle_state_error.code == "ASLEEP"


def test_wait_for_ready_waits_for_a_connection_within_the_timeout() -> None:
    # Nothing listens on a port the kernel just handed out and took back.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with Client(f"127.0.0.1:{port}") as client:
        with pytest.raises(grpc.RpcError) as fails_fast:
            client.interpret(code="ASLEEP", timeout=2)
        assert fails_fast.value.code() == grpc.StatusCode.UNAVAILABLE
        with pytest.raises(grpc.RpcError) as waits:
            client.interpret(code="ASLEEP", timeout=0.3, wait_for_ready=True)
        assert waits.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
