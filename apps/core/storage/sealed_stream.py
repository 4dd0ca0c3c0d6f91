"""Sealed streams: a file encrypted and authenticated in chunks (AES-256-GCM), for archives at rest.

The writer takes bytes as they come (a gzip stream) and seals them in chunks of up to 64 KiB; the
reader returns them only after each chunk authenticated. The layout, after the STREAM construction
(Hoang, Reyhanitabar, Rogaway, Vizár 2015):

    MAGIC, a 7-byte random nonce prefix,
    then per chunk: its sealed length (4 bytes, big-endian) and AES-GCM(chunk), with the nonce
    prefix + chunk counter (4 bytes) + a last-chunk flag (1 byte) as nonce and MAGIC + prefix as
    associated data.

So a chunk cannot be altered, dropped, reordered or moved from another file, and a file cut short
is told apart from a complete one (its last chunk does not carry the flag). `flush()` seals what is
buffered as a chunk of its own, so a writer that dies leaves a readable, but visibly incomplete,
prefix. The key is the caller's: one per file, kept encrypted in the database (see the callers).
"""

import io
import os
import struct
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = b"DBSBM-SEALED/1\n"
_PREFIX_BYTES = 7
_CHUNK = 1 << 16
_LENGTH = struct.Struct(">I")
_TAG_BYTES = 16


class SealedStreamError(ValueError):
    """The stream is not sealed with this key, or was altered, truncated or reordered."""


def new_stream_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


def is_sealed(path) -> bool:
    with open(path, "rb") as stream:
        return stream.read(len(MAGIC)) == MAGIC


def _nonce(prefix: bytes, counter: int, last: bool) -> bytes:
    return prefix + counter.to_bytes(4, "big") + (b"\x01" if last else b"\x00")


class SealedWriter(io.RawIOBase):
    """A write-only file object that seals what is written to `raw` (which it does not close)."""

    def __init__(self, raw: BinaryIO, key: bytes) -> None:
        super().__init__()
        self._raw = raw
        self._aead = AESGCM(key)
        self._prefix = os.urandom(_PREFIX_BYTES)
        self._associated = MAGIC + self._prefix
        self._counter = 0
        self._buffer = bytearray()
        raw.write(self._associated)

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._buffer += data
        while len(self._buffer) > _CHUNK:  # keep at least one byte back: the last chunk is sealed by close()
            self._seal(bytes(self._buffer[:_CHUNK]), last=False)
            del self._buffer[:_CHUNK]
        return len(data)

    def flush(self) -> None:
        if self._buffer and not self.closed:
            self._seal(bytes(self._buffer), last=False)
            self._buffer.clear()
        self._raw.flush()

    def close(self) -> None:
        if not self.closed:
            self._seal(bytes(self._buffer), last=True)
            self._buffer.clear()
            self._raw.flush()
        super().close()

    def _seal(self, chunk: bytes, *, last: bool) -> None:
        if self._counter >= 1 << 32:
            raise SealedStreamError("too many chunks for one sealed stream")
        sealed = self._aead.encrypt(_nonce(self._prefix, self._counter, last), chunk, self._associated)
        self._raw.write(_LENGTH.pack(len(sealed)) + sealed)
        self._counter += 1


class SealedReader(io.RawIOBase):
    """A read-only file object returning the authenticated content of a sealed `raw` stream."""

    def __init__(self, raw: BinaryIO, key: bytes) -> None:
        super().__init__()
        self._raw = raw
        self._aead = AESGCM(key)
        header = raw.read(len(MAGIC) + _PREFIX_BYTES)
        if len(header) != len(MAGIC) + _PREFIX_BYTES or not header.startswith(MAGIC):
            raise SealedStreamError("not a sealed stream (no header)")
        self._prefix = header[len(MAGIC) :]
        self._associated = header
        self._counter = 0
        self._pending = b""
        self._finished = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._pending and not self._finished:
            self._pending = self._next_chunk()
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size

    def _next_chunk(self) -> bytes:
        length = self._raw.read(_LENGTH.size)
        if len(length) != _LENGTH.size:
            raise SealedStreamError("the sealed stream ends before its last chunk (truncated)")
        (size,) = _LENGTH.unpack(length)
        sealed = self._raw.read(size)
        if size < _TAG_BYTES or len(sealed) != size:
            raise SealedStreamError("a chunk of the sealed stream is cut short")
        for last in (False, True):
            try:
                chunk = self._aead.decrypt(_nonce(self._prefix, self._counter, last), sealed, self._associated)
            except InvalidTag:
                continue
            self._counter += 1
            if last:
                if self._raw.read(1):
                    raise SealedStreamError("bytes follow the last chunk of the sealed stream")
                self._finished = True
            return chunk
        raise SealedStreamError("a chunk of the sealed stream does not authenticate (wrong key, altered or moved)")
