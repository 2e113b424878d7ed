"""A thin client over the generated stubs, with the defaults a production
caller needs so that every service does not rediscover them:

* a deadline on every call (`DEFAULT_TIMEOUT` unless given), because a call
  without one can hang forever;
* round_robin over every address the target resolves to, because one HTTP/2
  connection otherwise pins all calls to one pod behind a headless Service;
* retries of UNAVAILABLE only (every RPC of the service is idempotent),
  plus one application-level attempt for a call the retry policy cannot
  retry because its replica had already sent response headers
  (`vehicle_error_interpreter.retry`);
* client keepalive every second (`KEEPALIVE_OPTIONS`), because a replica
  that is frozen or cut off (no FIN, no RST) otherwise holds every call
  routed to it for its whole deadline (docs/reliability.md, "A frozen
  replica").
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, TypedDict

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from vehicle_error_interpreter import webhook
from vehicle_error_interpreter.http_response import DEFAULT_MAX_BODY_BYTES, read_response
from vehicle_error_interpreter.retry import RetryUnavailable
from vehicle_error_interpreter.smartcar_exception import smartcar_request
from vehicle_errors.v1 import interpreter_pb2 as pb
from vehicle_errors.v1 import interpreter_pb2_grpc as pb_grpc

if TYPE_CHECKING:  # typing.Unpack is 3.11+; annotations are not evaluated at run time
    from typing_extensions import Unpack

#: Seconds a call may take when the caller gives no timeout. The server
#: answers in well under a millisecond; five seconds (the server's own
#: request timeout) leaves room for retries and a slow network.
DEFAULT_TIMEOUT = 5.0

#: The channel's service config: round_robin, and up to 4 attempts of any
#: InterpreterService call that fails with UNAVAILABLE (a pod going away, a
#: connection refused), with jittered exponential backoff. The retry policy
#: is the Go client's (tests/test_service_config.py).
SERVICE_CONFIG = json.dumps(
    {
        "loadBalancingConfig": [{"round_robin": {}}],
        "methodConfig": [
            {
                "name": [{"service": "vehicle_errors.v1.InterpreterService"}],
                "retryPolicy": {
                    "maxAttempts": 4,
                    "initialBackoff": "0.05s",
                    "maxBackoff": "1s",
                    "backoffMultiplier": 2,
                    "retryableStatusCodes": ["UNAVAILABLE"],
                },
            }
        ],
    }
)

#: Client keepalive, so that a frozen or cut-off replica (no FIN, no RST)
#: is noticed within about two seconds: a PING after 1 s without reads, and
#: the connection closed when no answer came within 1 s. Its calls then fail
#: with UNAVAILABLE, which the retry policy above retries on the other
#: backend, and round_robin stops picking it until it answers again (the
#: reconnect completes only when the server reads again). Measured with a
#: 15 s freeze of one of two servers (docs/reliability.md): no failed call,
#: the slowest about 2 s, against 8 calls lost to the 5 s deadline without
#: keepalive.
#:
#: `grpc.http2.ping_timeout_ms` is needed besides `keepalive_timeout_ms`:
#: in grpcio 1.85 an unanswered keepalive PING closed nothing within an 8 s
#: freeze without it. `max_pings_without_data` 0 lets pings go on while no
#: request is sent, and `keepalive_permit_without_calls` on an idle channel,
#: so an idle connection to a dead replica is closed before a call meets it.
#: grpcio takes intervals below 10 s (grpc-go does not; the Go package uses
#: a per-attempt timeout instead). The server allows this: tonic polices no
#: ping interval, and --max-control-frames-per-second (10/s after a burst of
#: 100) is ten times one PING a second.
#:
#: Measured and not chosen: the retry policy's `perAttemptRecvTimeout`
#: (0.5 s), which grpcio 1.85.1 honours only with
#: `grpc.experimental.enable_hedging`: calls moved, but the frozen replica
#: kept its share of attempts for the whole freeze (199 in 15 s; round_robin
#: re-picks it, and at most 5 attempts are allowed), and on SIGCONT the
#: pile of cancelled streams tripped the server's reset-flood guard
#: (GOAWAY too_many_resets): 5 of 6,370 calls failed, the slowest 2.4 s.
KEEPALIVE_OPTIONS: tuple[tuple[str, int], ...] = (
    ("grpc.keepalive_time_ms", 1000),
    ("grpc.keepalive_timeout_ms", 1000),
    ("grpc.http2.ping_timeout_ms", 1000),
    ("grpc.keepalive_permit_without_calls", 1),
    ("grpc.http2.max_pings_without_data", 0),
)

#: The options every `Client` channel starts with, before the caller's own:
#: the service config, retries switched on explicitly, and keepalive.
#: tests/test_service_config.py compares them with the Go client's defaults.
CHANNEL_OPTIONS: tuple[tuple[str, Any], ...] = (
    ("grpc.service_config", SERVICE_CONFIG),
    ("grpc.enable_retries", 1),
    *KEEPALIVE_OPTIONS,
)


class RequestFields(TypedDict, total=False):
    """The keyword arguments of `interpret_request` (all but `body`), which
    `Client.interpret` passes on as they are, so that its defaults and rules
    are written once."""

    error_type: str
    code: str | None
    app_name: str
    http_status: int
    retry_after: str
    request_id: str
    locale: str
    view: pb.InterpretationView
    operation: pb.Operation


class Client:
    """A channel to the service with its stub and the health stub.

    `target` is any gRPC target: `localhost:50051`, or in Kubernetes
    `dns:///vehicle-error-interpreter-headless.<ns>.svc.cluster.local:50051`.
    The channel is plaintext unless `credentials` are given. `options` are
    added after the defaults (`CHANNEL_OPTIONS`). Use it as a context
    manager, or call `close()`.
    """

    def __init__(
        self,
        target: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        credentials: grpc.ChannelCredentials | None = None,
        options: Sequence[tuple[str, Any]] = (),
    ) -> None:
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        opts = [*CHANNEL_OPTIONS, *options]
        if credentials is None:
            channel = grpc.insecure_channel(target, options=opts)
        else:
            channel = grpc.secure_channel(target, credentials, options=opts)
        #: The channel, with one more attempt for calls the retry policy
        #: cannot retry (`vehicle_error_interpreter.retry`).
        self.channel = grpc.intercept_channel(channel, RetryUnavailable())
        self.timeout = timeout
        #: The generated stub, for calls the helpers below do not cover.
        self.stub = pb_grpc.InterpreterServiceStub(self.channel)
        #: The server's grpc.health.v1 service.
        self.health = health_pb2_grpc.HealthStub(self.channel)

    def interpret(
        self,
        body: str | None = None,
        *,
        timeout: float | None = None,
        metadata: Sequence[tuple[str, str | bytes]] | None = None,
        wait_for_ready: bool | None = None,
        **fields: Unpack[RequestFields],
    ) -> pb.InterpretResponse:
        """Interprets one error: its `body` as received, or its `code`.

        The request fields (`code`, `app_name`, `locale`, `view`,
        `operation`...) are `interpret_request`'s, with its defaults.
        `metadata` is sent with the call; `wait_for_ready=True` makes the
        call wait (within its timeout) for a connection instead of failing
        at once while none is ready.
        """
        return self.stub.Interpret(
            interpret_request(body, **fields),
            timeout=timeout or self.timeout,
            metadata=metadata,
            wait_for_ready=wait_for_ready,
        )

    def batch_interpret(
        self,
        requests: Iterable[pb.InterpretRequest],
        *,
        operation: pb.Operation = pb.OPERATION_UNSPECIFIED,
        timeout: float | None = None,
    ) -> pb.BatchInterpretResponse:
        """Interprets many errors; each result has its own status.
        `operation`, when given, goes to every request that does not name
        its own (the requests passed in are not changed)."""
        return self.stub.BatchInterpret(
            batch_request(requests, operation), timeout=timeout or self.timeout
        )

    def interpret_payload(
        self,
        body: str,
        used_signals: Iterable[str] = (),
        *,
        app_name: str = "",
        locale: str = "",
        view: pb.InterpretationView = pb.INTERPRETATION_VIEW_UNSPECIFIED,
        operation: pb.Operation = pb.OPERATION_UNSPECIFIED,
        timeout: float | None = None,
        metadata: Sequence[tuple[str, str | bytes]] | None = None,
        wait_for_ready: bool | None = None,
    ) -> pb.InterpretPayloadResponse:
        """Interprets a payload that carries several errors: a webhook
        delivery's body (verify its signature first, or use
        `handle_webhook`), a v3 signals response or a v2 batch response, as
        received. `used_signals` are the signal codes (or `Group.Name`
        strings) the application relies on; empty means all. `operation`
        applies to a batch or signals response's items (a webhook ignores
        it, with a warning)."""
        request = payload_request(
            body, used_signals, app_name=app_name, locale=locale, view=view, operation=operation
        )
        return self.stub.InterpretPayload(
            request, timeout=timeout or self.timeout, metadata=metadata, wait_for_ready=wait_for_ready
        )

    def handle_webhook(
        self,
        body: Any,
        headers: Any,
        management_token: str | bytes,
        used_signals: Iterable[str] = (),
        *,
        app_name: str = "",
        locale: str = "",
        view: pb.InterpretationView = pb.INTERPRETATION_VIEW_UNSPECIFIED,
        deadline: float = webhook.DEFAULT_WEBHOOK_DEADLINE,
        max_body_bytes: int = webhook.DEFAULT_MAX_PAYLOAD_BYTES,
        metadata: Sequence[tuple[str, str | bytes]] | None = None,
    ) -> webhook.WebhookResult:
        """What to answer one webhook delivery, in any web framework.

        `body` is the raw request body (bytes), or a file-like object to
        read it from (Flask's `request.stream`), read up to
        `max_body_bytes` (413 above it); `headers` the request's headers
        (any mapping; looked up case-insensitively); `management_token` the
        application's management token, which keys the HMACs and never
        leaves this process. VERIFY is answered here; any other delivery
        must carry a valid `SC-Signature` (401 otherwise), is interpreted
        with `InterpretPayload` within `deadline` seconds and answered 200
        whatever the outcome (see `vehicle_error_interpreter.webhook`).
        Never raises for the delivery's sake: the result's `error` says
        what went wrong.
        """
        raw = webhook.read_body(body, max_body_bytes)
        checked = webhook.screen(raw, webhook.headers_of(headers), management_token, max_body_bytes)
        if isinstance(checked, webhook.WebhookResult):  # VERIFY, or refused
            return checked
        request = webhook.payload_request(checked, used_signals, app_name, locale, view)
        try:
            answer = self.stub.InterpretPayload(request, timeout=deadline, metadata=metadata)
        except Exception as err:  # noqa: BLE001 - acknowledged whatever happened; the caller logs it
            return webhook.acknowledge(None, err)
        return webhook.acknowledge(answer, None)

    def get_vehicle_state_error(
        self, code: str, *, timeout: float | None = None
    ) -> pb.VehicleStateError:
        """Returns one catalog entry; NOT_FOUND for an unknown code."""
        resp = self.stub.GetVehicleStateError(
            pb.GetVehicleStateErrorRequest(code=code), timeout=timeout or self.timeout
        )
        return resp.vehicle_state_error

    def list_vehicle_state_errors(
        self,
        *,
        category: pb.Category = pb.CATEGORY_UNSPECIFIED,
        strategy: pb.RetryStrategy = pb.RETRY_STRATEGY_UNSPECIFIED,
        timeout: float | None = None,
    ) -> list[pb.VehicleStateError]:
        """Returns the catalog (filtered), following every page."""
        entries: list[pb.VehicleStateError] = []
        req = pb.ListVehicleStateErrorsRequest(category=category, strategy=strategy)
        while True:
            page = self.stub.ListVehicleStateErrors(req, timeout=timeout or self.timeout)
            entries.extend(page.vehicle_state_errors)
            if not page.next_page_token:
                return entries
            req.page_token = page.next_page_token

    def check_health(self, service: str = "", *, timeout: float | None = None) -> str:
        """Returns the health status of `service` ("" is the whole server) by
        name: "SERVING", "NOT_SERVING". An unknown service is NOT_FOUND."""
        resp = self.health.Check(
            health_pb2.HealthCheckRequest(service=service), timeout=timeout or self.timeout
        )
        name: str = health_pb2.HealthCheckResponse.ServingStatus.Name(resp.status)
        return name

    def close(self) -> None:
        """Closes the channel; calls in flight are cancelled."""
        self.channel.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def interpret_http_response(
        self,
        response: Any,
        *,
        app_name: str = "",
        locale: str = "",
        view: pb.InterpretationView = pb.INTERPRETATION_VIEW_UNSPECIFIED,
        operation: pb.Operation = pb.OPERATION_UNSPECIFIED,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        timeout: float | None = None,
        metadata: Sequence[tuple[str, str | bytes]] | None = None,
        wait_for_ready: bool | None = None,
    ) -> pb.InterpretResponse:
        """Interprets the error response a `requests` or `httpx` (sync) call
        returned: its status, `Retry-After`, `SC-Request-Id` and body, read
        up to `max_body_bytes + 1` bytes (the server's `--max-body-bytes`,
        16 KiB by default; over it, the answer comes from the status with
        the warning `BODY_TOO_LARGE`). Pass `stream=True` (requests) or use
        `client.stream(...)` (httpx) to keep the library from reading a huge
        body whole first. An unreadable body gives an answer from the status.
        `operation` is what the failed request asked the vehicle to do.
        """
        request = read_response(response, max_body_bytes).request(
            app_name=app_name, locale=locale, view=view, operation=operation
        )
        return self.stub.Interpret(
            request, timeout=timeout or self.timeout, metadata=metadata, wait_for_ready=wait_for_ready
        )

    def interpret_smartcar_exception(
        self,
        exc: BaseException,
        *,
        app_name: str = "",
        locale: str = "",
        view: pb.InterpretationView = pb.INTERPRETATION_VIEW_UNSPECIFIED,
        operation: pb.Operation = pb.OPERATION_UNSPECIFIED,
        timeout: float | None = None,
        metadata: Sequence[tuple[str, str | bytes]] | None = None,
        wait_for_ready: bool | None = None,
    ) -> pb.InterpretResponse:
        """Interprets a `smartcar.SmartcarException` from the vendor's SDK
        (the `[smartcar]` extra): a body rebuilt per shape from its fields,
        plus its status, Retry-After and request id (`smartcar_request`).
        `ValueError` when it has neither a status nor a type."""
        request = smartcar_request(
            exc, app_name=app_name, locale=locale, view=view, operation=operation
        )
        return self.stub.Interpret(
            request, timeout=timeout or self.timeout, metadata=metadata, wait_for_ready=wait_for_ready
        )


def interpret_request(
    body: str | None = None,
    *,
    error_type: str = "VEHICLE_STATE",
    code: str | None = None,
    app_name: str = "",
    http_status: int = 0,
    retry_after: str = "",
    request_id: str = "",
    locale: str = "",
    view: pb.InterpretationView = pb.INTERPRETATION_VIEW_UNSPECIFIED,
    operation: pb.Operation = pb.OPERATION_UNSPECIFIED,
) -> pb.InterpretRequest:
    """Builds an InterpretRequest from a body or a code (exactly one).

    `locale` is a BCP 47 tag such as "fr-CA" ("" means English); `view`
    unspecified means BASIC (the decision), FULL adds the catalog entry and
    the other rendered messages. `operation` is what the failed request
    asked the vehicle to do (`pb.OPERATION_START_CHARGE`, ...): it lets
    "already done" be decided instead of guessed (a start-charge answered
    CHARGING_IN_PROGRESS is done, a stop-charge answered the same did not
    take); unspecified keeps the answers that do not depend on it.
    """
    if (body is None) == (code is None):
        raise ValueError("give exactly one of body and code")
    req = pb.InterpretRequest(
        app_name=app_name,
        http_status=http_status,
        retry_after=retry_after,
        request_id=request_id,
        locale=locale,
        view=view,
        operation=operation,
    )
    if body is not None:
        req.body = body
    else:
        req.structured.type = error_type
        req.structured.code = code or ""
    return req


def payload_request(
    body: str,
    used_signals: Iterable[str] = (),
    *,
    app_name: str = "",
    locale: str = "",
    view: pb.InterpretationView = pb.INTERPRETATION_VIEW_UNSPECIFIED,
    operation: pb.Operation = pb.OPERATION_UNSPECIFIED,
) -> pb.InterpretPayloadRequest:
    """Builds an InterpretPayloadRequest: the payload as received, the
    signals the application relies on (codes or `Group.Name`; empty means
    all), and the operation its batch or signals response answered."""
    return pb.InterpretPayloadRequest(
        body=body,
        used_signals=list(used_signals),
        app_name=app_name,
        locale=locale,
        view=view,
        operation=operation,
    )


def batch_request(
    requests: Iterable[pb.InterpretRequest], operation: pb.Operation
) -> pb.BatchInterpretRequest:
    """The BatchInterpretRequest of `requests`, `operation` set on copies
    of those that name none."""
    if operation == pb.OPERATION_UNSPECIFIED:
        return pb.BatchInterpretRequest(requests=requests)
    items = []
    for request in requests:
        if request.operation == pb.OPERATION_UNSPECIFIED:
            copy = pb.InterpretRequest()
            copy.CopyFrom(request)
            copy.operation = operation
            request = copy
        items.append(request)
    return pb.BatchInterpretRequest(requests=items)
