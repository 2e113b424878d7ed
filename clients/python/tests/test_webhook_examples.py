"""The webhook examples (examples/webhook_fastapi.py, webhook_flask.py)
served by their frameworks' real servers (uvicorn, werkzeug) on free
ports, against the real interpreter: VERIFY answered, an unsigned
delivery refused, a signed one acknowledged and logged with its verdict.
FastAPI, uvicorn and Flask are test dependencies (requirements-dev.txt),
not the package's."""

from __future__ import annotations

import importlib.util
import json
import logging
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from types import ModuleType

import pytest
import requests
import uvicorn
from werkzeug.serving import make_server

from receivers import TOKEN
from server import Server
from test_webhook import CHALLENGE, DELIVERY, OPENSSL_HMAC, sign

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def load(name: str, server: Server, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """Imports examples/<name>.py afresh, configured as its docstring says."""
    monkeypatch.setenv("MANAGEMENT_TOKEN", TOKEN)
    monkeypatch.setenv("VEI_ADDR", server.addr)
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@contextmanager
def fastapi_app(module: ModuleType) -> Iterator[str]:
    # The socket is listening before uvicorn starts, so requests wait in
    # its backlog until the app (and its lifespan) is up: no polling.
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    server = uvicorn.Server(uvicorn.Config(module.app, log_config=None, lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


@contextmanager
def flask_app(module: ModuleType) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, module.app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(10)
        module.interpreter.close()


APPS: dict[str, Callable[[ModuleType], AbstractContextManager[str]]] = {
    "webhook_fastapi": fastapi_app,
    "webhook_flask": flask_app,
}


@pytest.mark.parametrize("name", list(APPS))
def test_example_endpoint(
    name: str, server: Server, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="webhooks")
    module = load(name, server, monkeypatch)
    with APPS[name](module) as base:
        url = f"{base}/webhooks/vehicle"
        verify = {"eventType": "VERIFY", "data": {"challenge": CHALLENGE}}
        got = requests.post(url, data=json.dumps(verify), timeout=10)
        assert (got.status_code, got.json()) == (200, {"challenge": OPENSSL_HMAC})

        assert requests.post(url, data=DELIVERY, timeout=10).status_code == 401
        signed = requests.post(url, data=DELIVERY, headers={"SC-Signature": sign(DELIVERY)}, timeout=10)
        assert signed.status_code == 200

    messages = [r.getMessage() for r in caplog.records if r.name == "webhooks"]
    assert any("not interpreted" in m and "SC-Signature" in m for m in messages), messages
    assert any(
        m.startswith("delivery 49c3f6bb vehicle a1d50709: VERDICT_OUTCOME_UNSUPPORTED COMPATIBILITY")
        for m in messages
    ), messages
    assert not any(TOKEN in m for m in messages)
