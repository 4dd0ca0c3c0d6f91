"""What `make bench` runs against and for how long: environment variables with their defaults."""

import os
import shutil
import sys
import tempfile
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

GUILD = os.environ.get("BENCH_GUILD", "100000000000000003")  # Vegas Insiders: a demo tenant on enterprise
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "8"))
WRK_THREADS = int(os.environ.get("BENCH_WRK_THREADS", "2"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "10"))
REPEATS = int(os.environ.get("BENCH_REPEATS", "3"))
WORKERS = int(os.environ.get("BENCH_WEB_WORKERS", "2"))
MICRO_RUNS = int(os.environ.get("BENCH_MICRO_RUNS", "5000"))
MICRO_ROUNDS = 10
MEMORY_REQUESTS = int(os.environ.get("BENCH_MEMORY_REQUESTS", "100000"))
MEMORY_MAX_SECONDS = float(os.environ.get("BENCH_MEMORY_MAX_SECONDS", "1500"))
# BENCH_ONLY=http,micro runs only those parts (http: figures 1-2, micro: 3, leaderboard: 5, fault: 4,
# memory: 6) and prints their figures without writing bench/results.md, which only a full run writes.
SECTIONS = ("http", "micro", "leaderboard", "fault", "memory")
ONLY = {name.strip() for name in os.environ.get("BENCH_ONLY", "").split(",") if name.strip()}
if ONLY - set(SECTIONS):
    raise SystemExit(f"BENCH_ONLY: unknown parts {sorted(ONLY - set(SECTIONS))}; choose from {', '.join(SECTIONS)}")
FAULT_KILL_AT, FAULT_RESTART_AT, FAULT_END = 10.0, 25.0, 40.0
BREAKER_SETTLE_SECONDS = 1.0  # after the kill, before "the breaker is open" is counted
RESULTS = BASE_DIR / "bench" / "results.md"
LUA = BASE_DIR / "bench" / "wrk_report.lua"
WRK = shutil.which("wrk") or "/usr/bin/wrk"  # Debian's; `make bench` installs it when missing
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"

WORK = Path(tempfile.mkdtemp(prefix="dbsbm-bench-"))
