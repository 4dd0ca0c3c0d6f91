"""`make bench-ml` (parser part): the bet-text parser on the labelled set (tests/ml/nlp/labelled_bets.yaml).

On its own database (BENCH_ML_PARSER_DATABASE, default dbsbm_bench_ml_parser; re-created and migrated),
with the demo's catalogue, curated aliases and one scheduled game per team (tests/ml/nlp/catalogue.py),
in this process, with the full configuration (PostgreSQL, Redis as cache):

- accuracy per field (team, market, selection, line, odds over the labelled legs; units over the bets;
  the unparsed flag over the messages) and the share of messages fully correct (target >= 95%);
- time per message through `bet_text_parse` (language, sentiment, keywords and entities included): one
  warm-up pass (lingua's models load on first use), then BENCH_PASSES timed passes; p50/p95 (target p95 < 20 ms);
- the first parse of a fresh process (what a worker's first message waits for), measured apart.

Appends its section to bench/results-ml.md.
"""

import os
import platform
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import psycopg

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

SERVER_URL = os.environ.get("BENCH_SERVER_URL", "postgres://postgres@127.0.0.1:5432")
DATABASE = os.environ.get("BENCH_ML_PARSER_DATABASE", "dbsbm_bench_ml_parser")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
PASSES = int(os.environ.get("BENCH_PASSES", "5"))
RESULTS = BASE_DIR / "bench" / "results-ml.md"
TARGET_ACCURACY, TARGET_P95_MS = 0.95, 20.0

os.environ.update(
    DATABASE_URL=f"{SERVER_URL}/{DATABASE}", REDIS_URL=REDIS_URL, DJANGO_SETTINGS_MODULE="dbsbm.settings.local"
)
os.environ["DJANGO_DEBUG"] = "false"
os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")


def recreate_database() -> None:
    with psycopg.connect(f"{SERVER_URL}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{DATABASE}"')


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> int:
    recreate_database()
    import django

    django.setup()
    from django.core.cache import cache
    from django.core.management import call_command

    from apps.ml.nlp.services import bet_text_parse
    from tests.ml.nlp.catalogue import demo_catalogue_build
    from tests.ml.nlp.labelled import FIELDS, Score, labelled_messages, score_message

    call_command("migrate", verbosity=0)
    cache.clear()
    games = demo_catalogue_build()
    messages = labelled_messages()

    started = time.perf_counter()
    bet_text_parse(messages[0]["t"])
    first_parse_ms = (time.perf_counter() - started) * 1000

    score = Score()
    for item in messages:  # the warm-up pass is the scored one: the parse does not depend on timing
        score_message(score, item, bet_text_parse(item["t"]), games)
    timings = []
    for _ in range(PASSES):
        for item in messages:
            begun = time.perf_counter()
            bet_text_parse(item["t"])
            timings.append((time.perf_counter() - begun) * 1000)

    p50, p95, p99 = (percentile(timings, share) for share in (0.5, 0.95, 0.99))
    full = score.full_accuracy
    verdict_accuracy = "PASS" if full >= TARGET_ACCURACY else "MISS"
    verdict_speed = "PASS" if p95 < TARGET_P95_MS else "MISS"
    lines = [
        f"## Bet-text parser — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores (shared), Python {platform.python_version()}, "
        f"PostgreSQL + Redis. Labelled set: {len(messages)} messages (tests/ml/nlp/labelled_bets.yaml), "
        f"{score.total['team']} legs, {score.total['units']} bets.",
        "",
        "| field | correct | of | accuracy |",
        "|---|---:|---:|---:|",
        *(f"| {name} | {score.correct[name]} | {score.total[name]} | {score.accuracy(name):.1%} |" for name in FIELDS),
        f"| **fully correct messages** | {score.fully_correct} | {score.messages} | **{full:.1%}** |",
        "",
        f"- fully correct: {full:.1%} (target >= {TARGET_ACCURACY:.0%}): **{verdict_accuracy}**",
        f"- time per message over {len(timings)} parses ({PASSES} passes): p50 {p50:.2f} ms, p95 {p95:.2f} ms, "
        f"p99 {p99:.2f} ms, mean {statistics.fmean(timings):.2f} ms (target p95 < {TARGET_P95_MS:.0f} ms): "
        f"**{verdict_speed}**",
        f"- first parse of the process (lingua loads its six language models): {first_parse_ms:.0f} ms",
        "",
    ]
    if score.failures:
        lines += ["Messages not fully correct:", ""]
        lines += [f"- `{text!r}` → {got}" for text, got in score.failures]
        lines.append("")
    report = "\n".join(lines)
    print(report)
    with RESULTS.open("a") as results:
        results.write(report + "\n")
    return 0 if verdict_accuracy == verdict_speed == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
