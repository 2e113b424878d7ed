from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from server import REPO, Server
from vehicle_error_interpreter import Client


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    """One server shared by the tests of a module that do not stop it."""
    with Server() as srv:
        yield srv


@pytest.fixture
def client(server: Server) -> Iterator[Client]:
    with Client(server.addr) as c:
        yield c


@pytest.fixture(scope="session")
def catalog() -> list[dict[str, Any]]:
    """The repository's catalog file, the source the server embeds."""
    text = (REPO / "catalog/vehicle_state_errors.json").read_text()
    errors: list[dict[str, Any]] = json.loads(text)["errors"]
    return errors


@pytest.fixture(scope="session")
def seed_body(catalog: list[dict[str, Any]]) -> Callable[[str], str]:
    """The documented JSON body of one catalog entry, as text."""

    def body(code: str) -> str:
        return next(json.dumps(e["body"]) for e in catalog if e["code"] == code)

    return body
