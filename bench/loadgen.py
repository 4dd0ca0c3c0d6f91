"""A small closed-loop HTTP/1.1 load generator, run as its own process by bench/performance.py.

    python bench/loadgen.py SPEC.json OUT.json

SPEC: {"port", "paths": [...], "headers": {...}, "connections", "seconds"}. Each connection is one
keep-alive socket that sends the next request as soon as the previous answer is read (paths taken in
turn). Every request is recorded as (start offset in s, latency in ms, status; 0 = connection error)
so the caller can cut the run into phases (e.g. before and after Redis was stopped). The start time
is written as "started" (time.time()) so the caller can relate its own events to the offsets.

asyncio with raw sockets and httptools' parser (both come with uvicorn[standard]): cheap enough per
request that a single process drives a 2-worker server on the same 2-core machine.
"""

import asyncio
import json
import sys
import time

import httptools


class _Response:
    def __init__(self) -> None:
        self.done = False

    def on_message_complete(self) -> None:
        self.done = True


async def _connection(port: int, requests: list[bytes], deadline: float, offset: int, records: list, t0: float):
    index = offset
    reader = writer = None
    while time.perf_counter() < deadline:
        if writer is None:
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                records.append((time.perf_counter() - t0, 0.0, 0))
                await asyncio.sleep(0.05)
                continue
        request = requests[index % len(requests)]
        index += 1
        started = time.perf_counter()
        response = _Response()
        parser = httptools.HttpResponseParser(response)
        try:
            writer.write(request)
            while not response.done:
                chunk = await reader.read(65536)
                if not chunk:
                    raise ConnectionError("closed")
                parser.feed_data(chunk)
            status = parser.get_status_code()
        except (OSError, httptools.HttpParserError):
            status = 0
            writer.close()
            reader = writer = None
        records.append((started - t0, (time.perf_counter() - started) * 1000, status))
        if status and not parser.should_keep_alive():
            writer.close()
            reader = writer = None
    if writer is not None:
        writer.close()


async def run(spec: dict) -> dict:
    headers = "".join(f"{name}: {value}\r\n" for name, value in spec.get("headers", {}).items())
    requests = [f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{headers}\r\n".encode("latin-1") for path in spec["paths"]]
    records: list = []
    started = time.time()
    t0 = time.perf_counter()
    deadline = t0 + spec["seconds"]
    await asyncio.gather(
        *(_connection(spec["port"], requests, deadline, n, records, t0) for n in range(spec["connections"]))
    )
    return {"started": started, "seconds": time.perf_counter() - t0, "records": records}


def main() -> None:
    spec_path, out_path = sys.argv[1], sys.argv[2]
    with open(spec_path) as spec_file:
        spec = json.load(spec_file)
    try:
        import uvloop
    except ImportError:
        result = asyncio.run(run(spec))
    else:
        result = uvloop.run(run(spec))
    with open(out_path, "w") as out:
        json.dump(result, out)


if __name__ == "__main__":
    main()
