"""Helpers of the telemetry tests: a metric query in one call, an in-process ASGI GET."""

import asyncio
from datetime import date

from apps.analytics.query import MetricQuery, QueryResult, run_query


def query(metrics: str, *, start: date, end: date, tenant=None, grain: str = "none", **extra: str) -> QueryResult:
    params = {"metrics": metrics, "from": start.isoformat(), "to": end.isoformat(), "grain": grain, **extra}
    return run_query(MetricQuery.parse(params, tenant=tenant))


def asgi_get(application, path: str, headers: dict[str, str]) -> int:
    """One GET through an ASGI application, in process; returns the status."""
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
        "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
        "headers": [(b"host", b"testserver"), *((k.lower().encode(), v.encode()) for k, v in headers.items())],
        "client": ("127.0.0.1", 50000), "server": ("testserver", 80),
    }  # fmt: skip
    sent: list[dict] = []

    async def run() -> None:
        done = asyncio.Event()
        received: list[int] = []

        async def receive() -> dict:
            if not received:
                received.append(1)
                return {"type": "http.request", "body": b"", "more_body": False}
            await done.wait()
            return {"type": "http.disconnect"}

        async def send(message: dict) -> None:
            sent.append(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                done.set()

        await application(scope, receive, send)

    asyncio.run(run())
    return sent[0]["status"]
