"""The platform's own telemetry: the beat sampler that turns the running counters in Redis (requests,
cache reads), the broker's queues, the outbox and the workers' heartbeats into TelemetrySample rows, their
compaction and retention, and the percentile arithmetic of the latency histograms."""
