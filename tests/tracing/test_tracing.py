"""Traces end to end, against a real collector (scripts/test.d/70-tracing.sh).

Jaeger v2 (.tools/bin/jaeger, built by scripts/install-tools.sh) runs in
memory on free ports (scripts/tools/jaeger/config.yaml); the server exports to
it over OTLP/gRPC; the Go client (tests/tracing/goclient, otelgrpc) and the
Python client (opentelemetry-instrumentation-grpc) call the server; the
traces are read back through Jaeger's query API (/api/traces/<id>).

Asserted: one server span per call, child of the caller's client span, with
the RPC attributes and, for interpretations, their kinds, category and
reason; no span carries a body, a user message, the app name, baggage or a
raw unknown code. Then, with the collector stopped, calls still succeed and
vei_trace_spans_dropped_total rises. Every wait is bounded; nothing is timed.

Environment: VEI_SERVER_BIN, VEI_JAEGER_BIN, VEI_TRACING_GOCLIENT (the
built Go client); VEI_TRACE_SAMPLE, if set, is where the Go Interpret call's
trace is written as Jaeger returned it.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from opentelemetry import baggage, context, trace
from opentelemetry.instrumentation.grpc import GrpcInstrumentorClient
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

REPO = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(REPO / "clients/python/src"), str(REPO / "clients/python/gen")]

from vehicle_error_interpreter import Client  # noqa: E402

SERVICE = "vehicle-error-interpreter"
SVC = "vehicle_errors.v1.InterpreterService"
#: What callers send that must never reach a span.
SECRETS = ["SecretApp", "req-secret-42", "MADE_UP", "door is open", "acme"]
DOOR_OPEN_BODY = json.dumps(
    {
        "type": "VEHICLE_STATE",
        "code": "DOOR_OPEN",
        "description": "The door is open.",
        "requestId": "req-secret-42",
    }
)
#: Bound on every wait (start-up, spans reaching Jaeger, the counter).
WAIT = 30.0


def free_port() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{s.getsockname()[1]}"


def wait_for(what: str, check: Any, timeout: float = WAIT) -> Any:
    """Polls `check` until it returns something truthy; fails after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.1)


def http_get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()
    except OSError:
        return 0, b""


class Jaeger:
    """Jaeger v2 on free ports, in memory."""

    def __init__(self) -> None:
        self.otlp = free_port()
        self.query = free_port()
        env = {
            **os.environ,
            "VEI_JAEGER_OTLP_GRPC": self.otlp,
            "VEI_JAEGER_QUERY_HTTP": self.query,
            "VEI_JAEGER_QUERY_GRPC": free_port(),
        }
        self.log = open(os.devnull, "w")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [os.environ["VEI_JAEGER_BIN"], "--config", str(REPO / "scripts/tools/jaeger/config.yaml")],
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        wait_for("Jaeger's query API", lambda: http_get(f"http://{self.query}/api/services")[0] == 200)

    def trace(self, trace_id: str) -> dict[str, Any] | None:
        status, body = http_get(f"http://{self.query}/api/traces/{trace_id}")
        if status != 200:
            return None
        data = json.loads(body)["data"]
        return data[0] if data else None

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=WAIT)
        self.log.close()


class Server:
    """The server binary on free ports, exporting to `endpoint`."""

    def __init__(self, endpoint: str) -> None:
        env = {
            **os.environ,
            "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://{endpoint}",
            # Export within a fraction of a second (default 5 s), and give up
            # on an export within 2 s (default 10 s): short waits in the test.
            "OTEL_BSP_SCHEDULE_DELAY": "100",
            "OTEL_EXPORTER_OTLP_TIMEOUT": "2000",
        }
        self.proc = subprocess.Popen(
            [os.environ["VEI_SERVER_BIN"], "--listen-addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0", "--log-format", "json"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.addr = self.metrics = ""
        self.lines: list[str] = []
        serving = threading.Event()

        def read() -> None:
            assert self.proc.stderr is not None
            for line in self.proc.stderr:
                self.lines.append(line)
                try:
                    log = json.loads(line)
                except ValueError:
                    continue
                if log.get("message") == "serving metrics":
                    self.metrics = log["addr"]
                if log.get("message") == "serving":
                    self.addr = log["addr"]
                    serving.set()
            serving.set()

        threading.Thread(target=read, daemon=True).start()
        if not serving.wait(WAIT) or not self.addr:
            self.proc.kill()
            pytest.fail("server did not start:\n" + "".join(self.lines))

    def dropped(self) -> float:
        _, body = http_get(f"http://{self.metrics}/metrics")
        match = re.search(rb"^vei_trace_spans_dropped_total (\S+)$", body, re.M)
        assert match, body.decode()
        return float(match.group(1))

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=WAIT)


@pytest.fixture
def jaeger() -> Iterator[Jaeger]:
    j = Jaeger()
    yield j
    if j.proc.poll() is None:
        j.stop()


@pytest.fixture
def server(jaeger: Jaeger) -> Iterator[Server]:
    s = Server(jaeger.otlp)
    yield s
    if s.proc.poll() is None:
        s.proc.kill()


@pytest.fixture(scope="module")
def python_spans() -> Iterator[InMemorySpanExporter]:
    """The Python client's gRPC instrumentation, recording client spans."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    # The global provider: instrument(tracer_provider=...) is not used by
    # 0.66b2's client wrapper, which reads `tracer_provider` from the
    # channel call's own arguments and so falls back to the global one.
    trace.set_tracer_provider(provider)
    instrumentor = GrpcInstrumentorClient()
    instrumentor.instrument()
    yield exporter
    instrumentor.uninstrument()


def go_calls(addr: str, otlp: str) -> list[dict[str, str]]:
    """The Go client's calls: name, rpc, trace_id, span_id (its client span), code."""
    out = subprocess.run(
        [os.environ["VEI_TRACING_GOCLIENT"], "-addr", addr],
        env={**os.environ, "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://{otlp}"},
        check=True,
        capture_output=True,
        text=True,
        timeout=WAIT,
    ).stdout
    return [json.loads(line) for line in out.splitlines()]


def python_calls(addr: str, spans: InMemorySpanExporter) -> list[dict[str, str]]:
    """The same calls from the Python client; the same shape as `go_calls`."""
    spans.clear()
    token = context.attach(baggage.set_baggage("tenant", "acme"))
    calls: list[dict[str, str]] = []
    try:
        with Client(addr) as client:
            steps: list[tuple[str, Any]] = [
                ("interpret-body", lambda: client.interpret(DOOR_OPEN_BODY, app_name="SecretApp")),
                ("interpret-unknown-code", lambda: client.interpret(code="MADE_UP_BY_A_CALLER")),
                (
                    "batch",
                    lambda: client.batch_interpret(
                        [client_request("DOOR_OPEN"), client_request("MADE_UP_BY_A_CALLER")]
                    ),
                ),
                ("get-unknown-code", lambda: client.get_vehicle_state_error("MADE_UP_BY_A_CALLER")),
                ("health", lambda: client.check_health()),
            ]
            for name, do in steps:
                code = "OK"
                try:
                    do()
                except grpc.RpcError as err:
                    code = err.code().name
                span = spans.get_finished_spans()[-1]
                calls.append(
                    {
                        "name": name,
                        "rpc": span.name,
                        "trace_id": f"{span.context.trace_id:032x}",
                        "span_id": f"{span.context.span_id:016x}",
                        "code": code,
                    }
                )
    finally:
        context.detach(token)
    assert len(spans.get_finished_spans()) == len(calls)
    return calls


def client_request(code: str) -> Any:
    from vehicle_error_interpreter import interpret_request

    return interpret_request(code=code)


def tags(span: dict[str, Any]) -> dict[str, Any]:
    return {t["key"]: t["value"] for t in span["tags"]}


def server_spans(trace: dict[str, Any]) -> list[dict[str, Any]]:
    processes = {pid: p["serviceName"] for pid, p in trace["processes"].items()}
    return [
        s
        for s in trace["spans"]
        if processes[s["processID"]] == SERVICE and tags(s).get("span.kind") == "server"
    ]


#: What each call's server span says: name, status code, and (for
#: Interpret) the interpretation attributes.
EXPECTED: dict[str, tuple[str, int, dict[str, str]]] = {
    "interpret-body": (
        f"{SVC}/Interpret",
        0,
        {
            "vei.interpretation.identification": "EXACT_CODE",
            "vei.interpretation.decided_by": "CATALOG",
            "vei.interpretation.category": "CLOSURE",
            "vei.interpretation.reason": "VEHICLE_STATE_DOOR_OPEN",
        },
    ),
    "interpret-unknown-code": (
        f"{SVC}/Interpret",
        0,
        {
            "vei.interpretation.identification": "UNKNOWN_CODE",
            "vei.interpretation.category": "UNKNOWN",
            "vei.interpretation.reason": "VEHICLE_STATE_UNKNOWN",
        },
    ),
    "batch": (f"{SVC}/BatchInterpret", 0, {}),
    "get-unknown-code": (f"{SVC}/GetVehicleStateError", 5, {}),
    "health": ("grpc.health.v1.Health/Check", 0, {}),
}


def check_trace(jaeger: Jaeger, call: dict[str, str]) -> dict[str, Any]:
    """Waits for the call's server span in Jaeger and checks it."""

    def ready() -> dict[str, Any] | None:
        trace = jaeger.trace(call["trace_id"])
        return trace if trace and server_spans(trace) else None

    trace = wait_for(f"the server span of {call}", ready)
    spans = server_spans(trace)
    assert len(spans) == 1, f"{call['name']}: {len(spans)} server spans"
    span = spans[0]
    name, code, interpretation = EXPECTED[call["name"]]
    assert span["operationName"] == name
    assert span["references"] == [
        {"refType": "CHILD_OF", "traceID": call["trace_id"], "spanID": call["span_id"]}
    ], call
    service, method = name.split("/")
    attributes = tags(span)
    expected = {
        "rpc.system": "grpc",
        "rpc.service": service,
        "rpc.method": method,
        "rpc.grpc.status_code": code,
        **interpretation,
    }
    for key, value in expected.items():
        assert attributes.get(key) == value, f"{call['name']}: {key} in {attributes}"
    if call["name"] == "batch":
        events = [{f["key"]: f["value"] for f in log["fields"]} for log in span["logs"]]
        reasons = [e["vei.interpretation.reason"] for e in events]
        assert reasons == ["VEHICLE_STATE_DOOR_OPEN", "VEHICLE_STATE_UNKNOWN"], events
    text = json.dumps(span)
    for secret in SECRETS:
        assert secret not in text, f"{secret!r} in the server span of {call['name']}: {text}"
    return trace


def test_calls_from_go_and_python_are_traced(
    jaeger: Jaeger, server: Server, python_spans: InMemorySpanExporter
) -> None:
    go = go_calls(server.addr, jaeger.otlp)
    py = python_calls(server.addr, python_spans)
    for calls in (go, py):
        assert [c["name"] for c in calls] == list(EXPECTED)
        # Go spells codes NotFound, Python NOT_FOUND.
        codes = [c["code"].upper().replace("_", "") for c in calls]
        assert codes == ["OK", "OK", "OK", "NOTFOUND", "OK"], calls
        traces = [check_trace(jaeger, call) for call in calls]
    # Whole traces for the Go calls: its client spans went to Jaeger too.
    go_interpret = wait_for(
        "the Go client's span in Jaeger",
        lambda: (t := jaeger.trace(go[0]["trace_id"])) and len(t["spans"]) == 2 and t,
    )
    if sample := os.environ.get("VEI_TRACE_SAMPLE"):
        Path(sample).write_text(json.dumps(go_interpret, indent=2))
    assert len(traces) == len(EXPECTED)
    assert server.dropped() == 0
    assert server.stop() == 0


def test_collector_down_calls_succeed_and_drops_are_counted(
    jaeger: Jaeger, server: Server
) -> None:
    with Client(server.addr) as client:
        client.interpret(DOOR_OPEN_BODY)
        jaeger.stop()
        for _ in range(20):
            assert client.interpret(DOOR_OPEN_BODY).reason == "VEHICLE_STATE_DOOR_OPEN"
        first = wait_for("dropped spans to be counted", server.dropped)
        for _ in range(20):
            client.interpret(DOOR_OPEN_BODY)
        wait_for("the dropped-span counter to rise again", lambda: server.dropped() > first)
    # The exit flush has nowhere to go either; it is bounded, and the server
    # still exits 0.
    assert server.stop() == 0
    log = "".join(server.lines)
    assert "exporting spans failed" in log, log
