"""Fixtures of the channel tests: the fake Microsoft cloud on loopback, the key its tokens
are signed with, and a starter of real uvicorn servers on loopback (Teams and HTTP tests)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import ExitStack
from http.server import ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI

from tests.channels.teams.support import KID, Cloud, make_handler
from tests.serving import served


@pytest.fixture(scope="module")
def signing_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def cloud(signing_key: rsa.RSAPrivateKey) -> Iterator[Cloud]:
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(signing_key.public_key()))
    jwk.update({"kid": KID, "use": "sig", "alg": "RS256", "endorsements": ["msteams"]})
    state = Cloud(url="", jwks={"keys": [jwk]})
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(state))
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture(scope="module")
def serve() -> Iterator[Any]:
    with ExitStack() as running:

        def start(app: FastAPI) -> str:
            return running.enter_context(served(app, log_level="warning", lifespan="off"))

        yield start
