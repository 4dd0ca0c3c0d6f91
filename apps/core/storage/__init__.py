"""Bytes at rest: canonical JSON and file digests, sealed streams, archive files and manifests."""
