"""Health (grpcio-health-checking) and reflection (grpcio-reflection)."""

from __future__ import annotations

import grpc
import pytest
from google.protobuf.descriptor_pool import DescriptorPool
from grpc_health.v1 import health_pb2
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import (
    ProtoReflectionDescriptorDatabase,
)

from server import Server
from vehicle_error_interpreter import Client

SERVICE = "vehicle_errors.v1.InterpreterService"


def test_registered_names_are_serving_and_others_not_found(client: Client) -> None:
    for name in ("", SERVICE):
        assert client.check_health(name) == "SERVING"
    with pytest.raises(grpc.RpcError) as raised:
        client.check_health("nope")
    assert raised.value.code() == grpc.StatusCode.NOT_FOUND


def test_watch_sees_not_serving_on_sigterm_then_server_exits_0() -> None:
    # The lame-duck delay keeps the server answering after SIGTERM, so a new
    # Check can observe NOT_SERVING too.
    with Server("--shutdown-delay", "2s") as srv, Client(srv.addr) as client:
        watch = client.health.Watch(health_pb2.HealthCheckRequest(service=SERVICE), timeout=10)
        assert next(watch).status == health_pb2.HealthCheckResponse.SERVING
        srv.terminate()
        assert next(watch).status == health_pb2.HealthCheckResponse.NOT_SERVING
        assert client.check_health("") == "NOT_SERVING"
        # An open Watch holds the drain until the server's drain timeout; a
        # client that saw NOT_SERVING lets go, and the server exits at once.
        watch.cancel()
        assert srv.wait(timeout=10) == 0


def test_reflection_v1alpha_lists_and_describes_the_services(client: Client) -> None:
    db = ProtoReflectionDescriptorDatabase(client.channel)
    services = set(db.get_services())
    assert {SERVICE, "grpc.health.v1.Health"} <= services
    service = DescriptorPool(db).FindServiceByName(SERVICE)
    assert [m.name for m in service.methods] == [
        "Interpret",
        "BatchInterpret",
        "GetVehicleStateError",
        "ListVehicleStateErrors",
        "ListErrorTypes",
        "InterpretPayload",
    ]
