"""The one canonical JSON and the one file digest: anything that is hashed or signed is encoded here.

Canonical JSON is sorted keys and no whitespace, UTF-8. The audit chain, deletion certificates,
compliance evidence and reports, archive rows and checkpoints hash these bytes, so the encoding must
never change: a different byte breaks every stored hash (tests/audit recompute them).
"""

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

_CHUNK = 1 << 16


class _Chunked(Protocol):
    def seek(self, offset: int) -> Any: ...
    def chunks(self) -> Any: ...


def canonical_json(
    value: Any,
    *,
    default: Callable[[Any], Any] | None = None,
    encoder: type[json.JSONEncoder] | None = None,
    ascii_only: bool = False,
) -> bytes:
    """Sorted keys, `,`/`:` separators, UTF-8. `ascii_only` escapes non-ASCII (archives, checkpoints
    were written that way); `default` or `encoder` turn values JSON lacks (dates, decimals) into text."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=ascii_only, default=default, cls=encoder
    ).encode()


def file_sha256(source: Path | str | _Chunked) -> str:
    """SHA-256 hex of a file on disk (a path) or an uploaded Django `File` (read in chunks, rewound after)."""
    digest = hashlib.sha256()
    if isinstance(source, Path | str):
        with open(source, "rb") as stream:
            while chunk := stream.read(_CHUNK):
                digest.update(chunk)
        return digest.hexdigest()
    source.seek(0)
    for chunk in source.chunks():
        digest.update(chunk)
    source.seek(0)
    return digest.hexdigest()
