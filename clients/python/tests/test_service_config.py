"""The Python and Go clients' default channel configs, compared.

The two clients are written apart (two languages, two packages that cannot
share a file), so this test keeps them together: the retry policy must be the
same in both, and every other difference must be one listed in `ON_PURPOSE`,
with the values it has today. The Go side is what its `Dial` uses, written
by the Go test `TestEffectiveConfig` into the file below (which that test
checks against the code); the Python side is `CHANNEL_OPTIONS`, what every
`Client` channel gets.
"""

from __future__ import annotations

import json
from typing import Any, NamedTuple

from server import REPO

from vehicle_error_interpreter import CHANNEL_OPTIONS, DEFAULT_TIMEOUT

GO_CONFIG = REPO / "clients/go/interpreter/testdata/effective_config.json"


def python_config() -> dict[str, Any]:
    """`CHANNEL_OPTIONS` in the shape of the Go file; the settings only the Go
    client has are None."""
    opts = dict(CHANNEL_OPTIONS)
    assert len(opts) == len(CHANNEL_OPTIONS), "an option is given twice"
    config = {
        "defaultTimeoutSeconds": DEFAULT_TIMEOUT,
        "retriesEnabled": opts.pop("grpc.enable_retries") == 1,
        "serviceConfig": json.loads(opts.pop("grpc.service_config")),
        "keepalive": {
            "timeSeconds": opts.pop("grpc.keepalive_time_ms") / 1000,
            "timeoutSeconds": opts.pop("grpc.keepalive_timeout_ms") / 1000,
            "permitWithoutCalls": opts.pop("grpc.keepalive_permit_without_calls") == 1,
            "pingTimeoutSeconds": opts.pop("grpc.http2.ping_timeout_ms") / 1000,
            "maxPingsWithoutData": opts.pop("grpc.http2.max_pings_without_data"),
        },
        "attemptTimeout": None,
        "ejectionSeconds": None,
    }
    assert not opts, f"map these options above, so they are compared with Go's: {opts}"
    return config


def go_config() -> dict[str, Any]:
    config: dict[str, Any] = json.loads(GO_CONFIG.read_text())
    return config


class Difference(NamedTuple):
    go: Any
    python: Any
    why: str


#: The differences there on purpose, by path ("a.b" is config["a"]["b"]);
#: each is explained where its value is set.
ON_PURPOSE: dict[str, Difference] = {
    "serviceConfig.loadBalancingConfig": Difference(
        [{"vehicle_errors_round_robin": {}}],
        [{"round_robin": {}}],
        "Go's round_robin sets aside for a second a backend whose attempt timed "
        "out (clients/go/interpreter/eject.go, BalancerName); grpcio takes no "
        "custom balancer from Python",
    ),
    "ejectionSeconds": Difference(
        1,
        None,
        "how long Go's balancer sets a backend aside (eject.go, EjectionTime)",
    ),
    "attemptTimeout": Difference(
        {
            "seconds": 0.5,
            "maxAttempts": 4,
            "services": ["vehicle_errors.v1.InterpreterService", "grpc.health.v1.Health"],
        },
        None,
        "grpc-go has no per-attempt timeout and raises keepalive below 10 s to "
        "10 s, so Go moves a call off a frozen replica with an interceptor "
        "(clients/go/interpreter/attempt.go); Python does it with 1 s "
        "keepalive, its perAttemptRecvTimeout having been measured worse "
        "(client.py, KEEPALIVE_OPTIONS)",
    ),
    "keepalive": Difference(
        {"timeSeconds": 10, "timeoutSeconds": 2, "permitWithoutCalls": True},
        {
            "timeSeconds": 1,
            "timeoutSeconds": 1,
            "permitWithoutCalls": True,
            "pingTimeoutSeconds": 1,
            "maxPingsWithoutData": 0,
        },
        "10 s is grpc-go's floor (client.go, DefaultKeepalive); grpcio takes "
        "1 s, and needs ping_timeout_ms and max_pings_without_data besides "
        "to act on an unanswered PING (client.py, KEEPALIVE_OPTIONS)",
    ),
}


def take(config: dict[str, Any], path: str) -> Any:
    """Removes and returns the value at `path` (None when it is absent)."""
    *parents, last = path.split(".")
    for key in parents:
        config = config.get(key) or {}
    return config.pop(last, None)


def test_retry_policy_is_the_same_in_both() -> None:
    go, python = go_config(), python_config()
    go_methods = go["serviceConfig"]["methodConfig"]
    assert [m["retryPolicy"] for m in go_methods] == [
        {
            "maxAttempts": 4,
            "initialBackoff": "0.05s",
            "maxBackoff": "1s",
            "backoffMultiplier": 2,
            "retryableStatusCodes": ["UNAVAILABLE"],
        }
    ]
    assert python["serviceConfig"]["methodConfig"] == go_methods
    assert python["retriesEnabled"] and go["retriesEnabled"]


def test_the_clients_differ_only_where_documented() -> None:
    go, python = go_config(), python_config()
    for path, expected in ON_PURPOSE.items():
        assert (take(go, path), take(python, path)) == (expected.go, expected.python), (
            f"{path} changed; if on purpose, update ON_PURPOSE and say why: {expected.why}"
        )
    # Everything else, the retry policy, the default deadline and any
    # setting added later, is the same in both.
    assert python == go
