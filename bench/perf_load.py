"""Load from a second process (wrk, bench/loadgen.py) and what its output says."""

import json
import re
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from bench.perf_config import BASE_DIR, CONNECTIONS, LUA, SECONDS, WORK, WRK, WRK_THREADS
from bench.perf_processes import WebServer

# ---- load ----------------------------------------------------------------------------------------------


def wrk(url: str, secret: str, *, seconds: float, etag: str | None = None, paths_file: Path | None = None):
    """One wrk run (WRK_THREADS threads, CONNECTIONS connections); its totals and latency percentiles."""
    command = [WRK, "-t", str(WRK_THREADS), "-c", str(CONNECTIONS), "-d", f"{seconds:.0f}s", "--timeout", "10s",
               "-H", f"Authorization: Bearer {secret}", "-s", str(LUA)]  # fmt: skip
    if etag:
        command += ["-H", f"If-None-Match: {etag}"]
    command.append(url)
    if paths_file:
        command += ["--", str(paths_file)]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return wrk_totals(output)


def wrk_totals(output: str) -> dict:
    match = re.search(r"^WRKJSON (\{.*\})$", output, re.MULTILINE)
    if not match:
        raise RuntimeError(f"wrk printed no totals:\n{output}")
    totals = json.loads(match.group(1))
    totals["rate"] = totals["requests"] / (totals["duration_us"] / 1e6)
    totals["errors"] = sum(totals[name] for name in ("connect", "read", "write", "status", "timeout"))
    return totals


def measured_run(server: WebServer, path: str, secret: str, *, etag: str | None = None) -> dict:
    """A wrk run with the workers' CPU read before and after: throughput, latency and CPU per request."""
    cpu_before, database_before = server.cpu_seconds(), server.database_cpu()
    totals = wrk(server.base + path, secret, seconds=SECONDS, etag=etag)
    cpu = server.cpu_seconds() - cpu_before
    database = sum(seconds - database_before.get(pid, 0.0) for pid, seconds in server.database_cpu().items())
    requests = totals["requests"] or 1
    totals["cpu_ms_per_request"] = cpu / requests * 1000
    totals["db_cpu_ms_per_request"] = database / requests * 1000
    totals["bytes_per_request"] = totals["bytes"] / totals["requests"] if totals["requests"] else 0
    return totals


def loadgen(port: int, paths: list[str], secret: str, *, seconds: float, connections: int = CONNECTIONS):
    """Start bench/loadgen.py as a second process; returns (process, output path)."""
    spec = {
        "port": port,
        "paths": paths,
        "headers": {"Authorization": f"Bearer {secret}"},
        "connections": connections,
        "seconds": seconds,
    }
    spec_path = WORK / f"loadgen-{time.monotonic_ns()}.json"
    spec_path.write_text(json.dumps(spec))
    out = spec_path.with_suffix(".out.json")
    process = subprocess.Popen([sys.executable, "-m", "bench.loadgen", str(spec_path), str(out)], cwd=BASE_DIR)
    return process, out


def loadgen_result(process: subprocess.Popen, out: Path) -> dict:
    if process.wait(timeout=600) != 0:
        raise RuntimeError("loadgen failed")
    return json.loads(out.read_text())


def phase(records: list, start: float, end: float) -> dict:
    chosen = [record for record in records if start <= record[0] < end]
    latencies = [record[1] for record in chosen]
    errors = sum(1 for record in chosen if not 200 <= record[2] < 400)
    return {
        "requests": len(chosen),
        "errors": errors,
        "rate": len(chosen) / (end - start) if end > start else 0,
        "p50": percentile(latencies, 0.5),
        "p95": percentile(latencies, 0.95),
        "max": max(latencies, default=float("nan")),
        "statuses": sorted({record[2] for record in chosen}),
    }


def http_get(url: str, secret: str, etag: str | None = None) -> tuple[int, dict, bytes]:
    headers = {"Authorization": f"Bearer {secret}"}
    if etag:
        headers["If-None-Match"] = etag
    request = urllib.request.Request(url, headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] if ordered else float("nan")


def spread(values: list[float]) -> str:
    """min–max around the median, as a share of the median: how noisy the repeats were."""
    middle = statistics.median(values)
    return f"±{(max(values) - min(values)) / 2 / middle * 100:.0f}%" if middle else "n/a"
