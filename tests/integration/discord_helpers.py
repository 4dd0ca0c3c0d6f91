"""Plain helpers of the Discord tests: a key pair, signed requests, interaction payloads and a local
stand-in for Discord's HTTP API (a real HTTP server on 127.0.0.1 that records what it receives)."""

import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from apps.core.discord import DISCORD_EPOCH_MS

INTERACTIONS_URL = "/discord/interactions/"
APPLICATION_ID = "900000000000000001"
GUILD_ID = "111111111111111111"  # the `tenant` fixture's guild
USER_ID = "500000000000000001"
_sequence = itertools.count(1)


def key_pair() -> tuple[Ed25519PrivateKey, str]:
    """A fresh signing key and its public key in hex, as the developer portal shows it."""
    private = Ed25519PrivateKey.generate()
    return private, private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


def snowflake(*, at_ms: int | None = None) -> str:
    """A Discord id created now (or at `at_ms`), unique within the test run."""
    at_ms = int(time.time() * 1000) if at_ms is None else at_ms
    return str(((at_ms - DISCORD_EPOCH_MS) << 22) + next(_sequence))


def command(name: str, *, guild_id: str | None = GUILD_ID, user_id: str = USER_ID, interaction_id: str | None = None,
            **options) -> dict:  # fmt: skip
    """An APPLICATION_COMMAND interaction as Discord sends it (the fields the endpoint reads, and a few more)."""
    user = {"id": user_id, "username": f"user{user_id[-4:]}", "global_name": "Joe Capper"}
    payload = {
        "type": 2,
        "id": interaction_id or snowflake(),
        "application_id": APPLICATION_ID,
        "token": f"token-{next(_sequence)}",
        "version": 1,
        "channel_id": "700000000000000001",
        "locale": "en-US",
        "data": {
            "id": "800000000000000001",
            "name": name,
            "type": 1,
            "options": [{"name": key, "type": 3, "value": value} for key, value in options.items()],
        },
    }
    if guild_id is None:
        payload["user"] = user
    else:
        payload.update(guild_id=guild_id, member={"user": user, "nick": None, "roles": []})
    return payload


def signed_headers(private: Ed25519PrivateKey, body: bytes, *, timestamp: int | None = None) -> dict[str, str]:
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    return {"X-Signature-Ed25519": private.sign(stamp.encode() + body).hex(), "X-Signature-Timestamp": stamp}


def post_signed(client, private: Ed25519PrivateKey, payload: dict | bytes, **header_options):
    """POST the payload (a dict is sent as JSON) to the interactions endpoint, signed with `private`."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    headers = signed_headers(private, body, **header_options)
    return client.post(INTERACTIONS_URL, data=body, content_type="application/json", headers=headers)


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: object


@dataclass
class DiscordStandIn:
    """A local HTTP server answering like Discord's API; `status` and `answer` decide its replies."""

    status: int = 200
    answer: object = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/api/v10"

    def start(self) -> "DiscordStandIn":
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def _record(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                stand_in.received.append(
                    Received(self.command, self.path, dict(self.headers), json.loads(raw) if raw else None)
                )
                body = json.dumps(stand_in.answer).encode()
                self.send_response(stand_in.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_PATCH = do_POST = do_PUT = _record

            def log_message(self, *args) -> None:  # quiet
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def reset(self, *, status: int = 200, answer: object = None) -> None:
        self.status, self.answer, self.received = status, {} if answer is None else answer, []

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def wait_for(self, count: int, *, timeout: float = 30) -> list[Received]:
        """The requests received, once there are `count` (polling with a deadline)."""
        deadline = time.monotonic() + timeout
        while len(self.received) < count:
            assert time.monotonic() < deadline, f"{len(self.received)} of {count} requests arrived in {timeout} s"
            time.sleep(0.02)
        return self.received
