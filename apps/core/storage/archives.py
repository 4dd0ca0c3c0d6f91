"""Archive files: compressed JSON lines (`.jsonl.gz`) and a manifest naming each file's SHA-256.

Used by retention (apps/privacy) and by the audit trail's own retention (apps/audit). A file is
written with a fixed gzip header (no name, no time) so that the same rows always give the same
bytes; its SHA-256 is over the bytes as stored. The manifest is plain JSON beside the files (it
names files, counts and hashes, no row content); `archive_manifest_verify` re-hashes every file and
counts its rows again.

Given a key, the gzip stream is sealed as it is written (sealed_stream.py) and the file is named
`.jsonl.gz.sealed`: archived personal data is as unreadable at rest as it was in the database. The
key is the caller's (one per archive, kept encrypted by the data key ring in the row that records
the archive); without it the rows cannot be read, and the file's SHA-256 can still be checked.
"""

import gzip
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

from apps.core.storage.digests import canonical_json, file_sha256
from apps.core.storage.sealed_stream import SealedReader, SealedStreamError, SealedWriter, is_sealed

MANIFEST_NAME = "manifest.json"
MANIFEST_FORMAT = "dbsbm-archive-manifest/1"
_CHUNK = 1 << 16


def encode_row(row: dict[str, Any]) -> bytes:
    """One JSON line: sorted keys, no whitespace, dates and decimals as strings."""
    return canonical_json(row, encoder=DjangoJSONEncoder, ascii_only=True) + b"\n"


@dataclass(frozen=True)
class ArchiveFile:
    """A written archive file: its name (relative to the manifest), rows, size and SHA-256."""

    name: str
    rows: int
    bytes: int
    sha256: str

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "rows": self.rows, "bytes": self.bytes, "sha256": self.sha256}


class JsonLinesArchive:
    """Writes rows to one `.jsonl.gz` file, or `.jsonl.gz.sealed` with a key; `close()` returns its
    `ArchiveFile` (hash of the stored bytes)."""

    def __init__(self, directory: Path, name: str, *, key: bytes | None = None) -> None:
        if not name.endswith(".jsonl.gz") or "/" in name:
            raise ValueError(f"archive file name {name!r} must be a plain name ending in .jsonl.gz")
        if key is not None:
            name += ".sealed"
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / name
        self.name = name
        self.rows = 0
        self._raw = open(self.path, "xb")  # noqa: SIM115 (closed by close()); "x": never overwrite an archive
        self._sealed = SealedWriter(self._raw, key) if key is not None else None
        self._gzip = gzip.GzipFile(filename="", mode="wb", fileobj=self._sealed or self._raw, mtime=0)

    def write(self, row: dict[str, Any]) -> None:
        self._gzip.write(encode_row(row))
        self.rows += 1

    def flush(self) -> None:
        """Make what was written so far readable from the file (a crash leaves a valid prefix)."""
        self._gzip.flush()
        if self._sealed is not None:
            self._sealed.flush()
        self._raw.flush()

    def close(self) -> ArchiveFile:
        self._close_streams()
        return ArchiveFile(self.name, self.rows, self.path.stat().st_size, file_sha256(self.path))

    def _close_streams(self) -> None:
        self._gzip.close()
        if self._sealed is not None:
            self._sealed.close()
        self._raw.close()

    def __enter__(self) -> "JsonLinesArchive":
        return self

    def __exit__(self, *exc_info) -> None:
        if not self._gzip.closed:
            self._close_streams()


def read_rows(path: Path, *, key: bytes | None = None) -> Iterator[dict[str, Any]]:
    """The rows of one archive file, in order (a sealed one needs its key; SealedStreamError, a
    ValueError, when it is missing, wrong, or the file was altered)."""
    sealed = is_sealed(path)
    if sealed and key is None:
        raise SealedStreamError(f"{Path(path).name} is sealed: its key is needed to read it")
    if key is not None and not sealed:  # a clear file where a sealed one was written: swapped
        raise SealedStreamError(f"{Path(path).name} is not sealed, but its archive was")
    with open(path, "rb") as raw:
        source = io.BufferedReader(SealedReader(raw, key), buffer_size=_CHUNK) if sealed else raw
        with gzip.GzipFile(fileobj=source, mode="rb") as compressed:
            for line in io.TextIOWrapper(compressed, encoding="utf-8"):
                if line.strip():
                    yield json.loads(line)


def write_manifest(directory: Path, *, files: list[ArchiveFile], **details: Any) -> tuple[Path, str]:
    """Write `manifest.json` listing `files` and `details`; returns its path and SHA-256."""
    directory.mkdir(parents=True, exist_ok=True)
    manifest = {"format": MANIFEST_FORMAT, **details, "files": [item.as_dict() for item in files]}
    path = directory / MANIFEST_NAME
    path.write_text(json.dumps(manifest, cls=DjangoJSONEncoder, indent=2, sort_keys=True) + "\n")
    return path, file_sha256(path)


@dataclass
class ManifestVerification:
    """The outcome of re-hashing a manifest's files: how many checked, and each problem found."""

    manifest: Path
    files_checked: int = 0
    rows_checked: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def is_intact(self) -> bool:
        return not self.problems


def archive_manifest_verify(
    manifest_path: Path, *, expected_sha256: str = "", key: bytes | None = None
) -> ManifestVerification:
    """Re-hash every file the manifest names and count its rows again (and the manifest's own hash, if
    given); sealed files are opened with `key`."""
    result = ManifestVerification(manifest_path)
    if not manifest_path.is_file():
        result.problems.append(f"manifest {manifest_path} is missing")
        return result
    if expected_sha256 and file_sha256(manifest_path) != expected_sha256:
        result.problems.append(f"manifest {manifest_path} was altered (its SHA-256 differs from the recorded one)")
    try:
        manifest = json.loads(manifest_path.read_text())
    except ValueError:
        result.problems.append(f"manifest {manifest_path} is not valid JSON")
        return result
    for entry in manifest.get("files", []):
        path = manifest_path.parent / entry["name"]
        if not path.is_file():
            result.problems.append(f"{entry['name']}: missing")
            continue
        if file_sha256(path) != entry["sha256"]:
            result.problems.append(f"{entry['name']}: SHA-256 differs from the manifest (the file was altered)")
            continue
        try:
            rows = sum(1 for _ in read_rows(path, key=key))
        except (OSError, EOFError, ValueError) as error:
            result.problems.append(f"{entry['name']}: unreadable ({error.__class__.__name__})")
            continue
        if rows != entry["rows"]:
            result.problems.append(f"{entry['name']}: {rows} rows, the manifest says {entry['rows']}")
        result.files_checked += 1
        result.rows_checked += rows
    return result
