"""Memory monitoring: real RSS snapshots, levels with cleanups, leak suspects, tracemalloc growth."""

import pytest
from django.dispatch import receiver

from apps.core.choices import MemoryLevel, ProcessKind
from apps.core.models import LeakSuspect, MemorySnapshot
from apps.core.monitoring import memory
from apps.core.signals import memory_leak_suspected, memory_threshold_crossed

pytestmark = pytest.mark.django_db

MEBIBYTE = 1024 * 1024
NEVER = 10**9  # MiB: a threshold no test process reaches


@pytest.fixture(autouse=True)
def monitor(settings):
    settings.MEMORY_MONITORING_ENABLED = True
    settings.MEMORY_TRACEMALLOC_ENABLED = False
    settings.MEMORY_THRESHOLDS_MB = {"low": NEVER, "medium": NEVER, "high": NEVER, "critical": NEVER}
    memory.memory_monitor_reset()
    yield
    memory.memory_monitor_reset()


def _signal_recorder(signal):
    sent = []

    @receiver(signal, weak=False)
    def _record(sender, **kwargs):
        kwargs.pop("signal")
        sent.append(kwargs)

    return sent, lambda: signal.disconnect(_record)


@pytest.fixture
def crossings():
    sent, disconnect = _signal_recorder(memory_threshold_crossed)
    yield sent
    disconnect()


@pytest.fixture
def leaks():
    sent, disconnect = _signal_recorder(memory_leak_suspected)
    yield sent
    disconnect()


def _vm_rss_bytes() -> int:
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmRSS:"))
    return int(line.split()[1]) * 1024


def test_a_snapshot_records_the_real_resident_size():
    before = _vm_rss_bytes()
    snapshot = memory.memory_snapshot_record(kind=ProcessKind.WORKER)
    after = _vm_rss_bytes()

    snapshot.refresh_from_db()
    assert 0.9 * before <= snapshot.rss_bytes <= 1.1 * after
    assert snapshot.rss_bytes > 20 * MEBIBYTE  # a Django process, not a made-up number
    assert snapshot.process_kind == ProcessKind.WORKER
    assert snapshot.level == MemoryLevel.NORMAL
    assert len(snapshot.gc_counts) == len(snapshot.gc_collections) == 3
    assert snapshot.top_growth is None and snapshot.cleanups == []


def test_a_web_process_snapshots_once_per_interval(settings, api_client):
    settings.MEMORY_SNAPSHOT_INTERVAL_SECONDS = 3600

    for _ in range(3):
        api_client.get("/healthz")

    assert list(MemorySnapshot.objects.values_list("process_kind", flat=True)) == [ProcessKind.WEB]


def test_no_snapshot_when_disabled(settings, api_client):
    settings.MEMORY_MONITORING_ENABLED = False

    api_client.get("/healthz")

    assert not MemorySnapshot.objects.exists()


def test_crossing_a_threshold_alerts_once_and_runs_the_cleanups_of_its_level(settings, crossings):
    settings.MEMORY_THRESHOLDS_MB = {"low": 1, "medium": NEVER, "high": NEVER, "critical": NEVER}
    ran = []
    memory.cleanup_register(name="test: low", function=lambda: ran.append("low"), level=MemoryLevel.LOW)
    memory.cleanup_register(name="test: high", function=lambda: ran.append("high"), level=MemoryLevel.HIGH)
    try:
        first = memory.memory_snapshot_record(kind=ProcessKind.WEB)
        second = memory.memory_snapshot_record(kind=ProcessKind.WEB)
    finally:
        memory.cleanup_unregister(name="test: low")
        memory.cleanup_unregister(name="test: high")

    assert (first.level, second.level) == (MemoryLevel.LOW, MemoryLevel.LOW)
    assert ran == ["low", "low"]  # every snapshot at the level cleans up; gc.collect waits for medium
    assert first.cleanups == ["test: low"] and first.rss_after_cleanup_bytes > 0
    assert crossings == [
        {
            "level": MemoryLevel.LOW,
            "previous_level": MemoryLevel.NORMAL,
            "rss_bytes": first.rss_bytes,
            "process": first.process,
            "snapshot_id": first.pk,
        }
    ]  # the second snapshot stayed at the level: no new alert


def test_a_failing_cleanup_does_not_stop_the_others(settings):
    settings.MEMORY_THRESHOLDS_MB = {"low": 1, "medium": 1, "high": NEVER, "critical": NEVER}
    memory.cleanup_register(name="test: broken", function=lambda: 1 / 0, level=MemoryLevel.LOW)
    try:
        snapshot = memory.memory_snapshot_record(kind=ProcessKind.WEB)
    finally:
        memory.cleanup_unregister(name="test: broken")

    assert snapshot.level == MemoryLevel.MEDIUM
    assert snapshot.cleanups == ["gc.collect"]


def test_sustained_growth_over_n_snapshots_is_a_leak_suspect(settings, leaks):
    settings.MEMORY_LEAK_SNAPSHOTS = 3
    settings.MEMORY_LEAK_MIN_GROWTH_MB = 16
    held = []
    snapshots = []
    for _ in range(3):
        # written, so resident; over glibc's largest mmap threshold (32 MiB), so fresh pages, never reused ones
        # that a long-lived test process already had resident (the growth would then be less than allocated)
        held.append(b"\x01" * (40 * MEBIBYTE))
        snapshots.append(memory.memory_snapshot_record(kind=ProcessKind.WORKER))

    suspect = LeakSuspect.objects.get()
    assert suspect.process == snapshots[0].process
    assert suspect.snapshot_count == 3
    assert (suspect.first_rss_bytes, suspect.last_rss_bytes) == (snapshots[0].rss_bytes, snapshots[-1].rss_bytes)
    assert suspect.growth_bytes >= 64 * MEBIBYTE  # two more chunks of 40 MiB between the first and last
    assert leaks == [{"leak_suspect_id": suspect.pk, "process": suspect.process, "growth_bytes": suspect.growth_bytes}]

    held.append(b"\x01" * (40 * MEBIBYTE))
    memory.memory_snapshot_record(kind=ProcessKind.WORKER)  # the growth goes on: the same suspect
    suspect.refresh_from_db()
    assert suspect.snapshot_count == 4
    assert LeakSuspect.objects.count() == 1 and len(leaks) == 1


def test_flat_memory_is_not_a_leak_suspect(settings, leaks):
    settings.MEMORY_LEAK_SNAPSHOTS = 3
    settings.MEMORY_LEAK_MIN_GROWTH_MB = 16

    for _ in range(5):
        memory.memory_snapshot_record(kind=ProcessKind.WORKER)

    assert not LeakSuspect.objects.exists() and leaks == []


def test_tracemalloc_growth_is_recorded_only_when_enabled(settings):
    assert memory.memory_snapshot_record().top_growth is None

    settings.MEMORY_TRACEMALLOC_ENABLED = True
    baseline = memory.memory_snapshot_record()
    held = [str(number) * 10 for number in range(50_000)]
    grown = memory.memory_snapshot_record()

    assert baseline.top_growth == []
    assert grown.top_growth, "the list built above should be the top growth"
    top = grown.top_growth[0]
    assert __file__ in top["where"]
    assert top["size_diff_bytes"] > MEBIBYTE
    assert len(held) == 50_000

    settings.MEMORY_TRACEMALLOC_ENABLED = False
    assert memory.memory_snapshot_record().top_growth is None
