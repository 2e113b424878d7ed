"""Asks vehicle-error-interpreter about one error and prints the interpretation.

    python examples/interpret.py --addr localhost:50051 --body @error.json --app "My App"
    python examples/interpret.py --type VEHICLE_STATE --code DOOR_OPEN

An RPC error prints its code, message, ErrorInfo reason and BadRequest field
violations, and the exit status is 1.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import grpc

from vehicle_error_interpreter import Client, error_details, status_details
from vehicle_errors.v1 import interpreter_pb2 as pb


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--addr", default="localhost:50051", help="server target")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--body", help="the error body as received; @FILE reads FILE, @- stdin")
    source.add_argument("--code", help="error code such as DOOR_OPEN")
    parser.add_argument("--type", default="VEHICLE_STATE", help="error type, with --code")
    parser.add_argument("--app", default="", help="app name for <app name>")
    parser.add_argument("--timeout", type=float, default=5.0, help="call deadline, seconds")
    args = parser.parse_args(argv)

    body = args.body
    if body is not None and body.startswith("@"):
        body = sys.stdin.read() if body == "@-" else Path(body[1:]).read_text()

    with Client(args.addr, timeout=args.timeout) as client:
        try:
            resp = client.interpret(body, code=args.code, error_type=args.type, app_name=args.app)
        except grpc.RpcError as err:
            details = error_details(err)
            print(f"interpret: {details.code.name}: {details.message}", file=sys.stderr)
            if details.error_info is not None:
                print(f"  reason: {details.error_info.reason}", file=sys.stderr)
            if details.bad_request is not None:
                for v in details.bad_request.field_violations:
                    print(f"  field {v.field}: {v.description}", file=sys.stderr)
            return 1

    advice = resp.retry_advice
    print(
        f"reason:     {resp.reason} ({pb.Identification.Name(resp.identification)}, "
        f"decided by {pb.DecisionSource.Name(resp.decided_by)})"
    )
    print(f"error:      {resp.error_type} {resp.error_code} ({pb.Category.Name(resp.category)})")
    print(
        f"retry:      {pb.RetryStrategy.Name(advice.strategy)}, action "
        f"{pb.Action.Name(advice.action)}, after {advice.suggested_delay.ToSeconds()}s"
    )
    print(f"propagate:  {status_details(resp.propagation_status).code.name}")
    print(f"message:    {resp.user_message}")
    for warning in resp.warnings:
        print(f"warning:    {warning.reason} ({warning.field}): {warning.message}")
    if resp.request_id:
        print(f"request id: {resp.request_id}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
