"""Checks that two servers answer the same requests with the same bytes.

Usage: same_answers.py REAL_ADDR FLOOR_ADDR METHOD=REQUEST_FILE...

Each REQUEST_FILE is a gRPC length-prefixed request (`loadgen
--dump-request`). The floor (examples/floor.rs) answers its first call
for real and keeps that answer's bytes for every later call, so each
request goes to it three times; every answer must equal the real
server's, byte for byte, with status OK.
"""

import sys

import grpc


def answer(addr, method, request):
    with grpc.insecure_channel(addr) as channel:
        try:
            # No serializers: the answer's raw bytes.
            return channel.unary_unary(method)(request)
        except grpc.RpcError as err:
            sys.exit(f"{addr} {method}: {err.code()} {err.details()}")


def main(real, floor, *pairs):
    for pair in pairs:
        method, path = pair.split("=", 1)
        with open(path, "rb") as f:
            request = f.read()[5:]
        expected = answer(real, method, request)
        for attempt in range(3):
            got = answer(floor, method, request)
            if got != expected:
                sys.exit(f"{method}: floor answer {attempt + 1} differs ({len(got)} bytes, server {len(expected)})")
        print(f"{method}: the floor answers the server's {len(expected)} bytes")


if __name__ == "__main__":
    main(*sys.argv[1:])
