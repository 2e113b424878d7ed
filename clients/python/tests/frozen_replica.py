"""A stand-in InterpreterService replica that freezes in the middle of a
response: it answers each Interpret call with its response headers only,
then prints "in-call" and waits; the test then stops it (SIGSTOP), so
nothing more comes and keepalive pings go unanswered. Prints "port N" once
serving. Run as a script: python frozen_replica.py"""

from __future__ import annotations

import threading
from concurrent import futures

import grpc

_never = threading.Event()


def interpret(request: bytes, context: grpc.ServicerContext) -> bytes:
    context.send_initial_metadata((("x-replica", "frozen"),))  # the headers go out now
    print("in-call", flush=True)
    _never.wait()  # until the process is stopped, then killed
    return b""


if __name__ == "__main__":
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    server.add_generic_rpc_handlers(
        [
            grpc.method_handlers_generic_handler(
                "vehicle_errors.v1.InterpreterService",
                {"Interpret": grpc.unary_unary_rpc_method_handler(interpret)},
            )
        ]
    )
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    print(f"port {port}", flush=True)
    server.wait_for_termination()
