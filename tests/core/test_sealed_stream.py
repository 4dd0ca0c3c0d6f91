"""Sealed streams: what was written comes back only whole, unaltered, in order and under its key."""

import io
import os
import struct

import pytest

from apps.core.storage.archives import JsonLinesArchive, read_rows
from apps.core.storage.sealed_stream import MAGIC, SealedReader, SealedStreamError, SealedWriter, new_stream_key

HEADER = len(MAGIC) + 7
CONTENT = os.urandom(200_000)  # four chunks: three full ones and a last one


def _seal(content: bytes, key: bytes, *, flush_every: int = 0) -> bytes:
    raw = io.BytesIO()
    writer = SealedWriter(raw, key)
    for start in range(0, len(content), 10_000):
        writer.write(content[start : start + 10_000])
        if flush_every and start and start % flush_every == 0:
            writer.flush()
    writer.close()
    return raw.getvalue()


def _open(sealed: bytes, key: bytes) -> bytes:
    return SealedReader(io.BytesIO(sealed), key).read()


def _flip(data: bytes, offset: int) -> bytes:
    return data[:offset] + bytes([data[offset] ^ 1]) + data[offset + 1 :]


def _chunks(sealed: bytes) -> list[bytes]:
    """The length-prefixed records after the header."""
    records, offset = [], HEADER
    while offset < len(sealed):
        (size,) = struct.unpack(">I", sealed[offset : offset + 4])
        records.append(sealed[offset : offset + 4 + size])
        offset += 4 + size
    return records


def test_what_is_written_comes_back_and_nothing_of_it_is_readable_at_rest():
    key = new_stream_key()
    sealed = _seal(CONTENT, key)

    assert _open(sealed, key) == CONTENT
    assert len(_chunks(sealed)) == 4
    assert CONTENT[1000:1032] not in sealed
    assert _seal(b"", key) != _seal(b"", key)  # a fresh nonce prefix per stream
    assert _open(_seal(b"", key), key) == b""


def test_flushes_make_more_chunks_and_the_same_content():
    key = new_stream_key()
    sealed = _seal(CONTENT, key, flush_every=30_000)

    assert len(_chunks(sealed)) > 4
    assert _open(sealed, key) == CONTENT


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda s, c: s[:-1], id="last byte cut"),
        pytest.param(lambda s, c: s[:HEADER] + b"".join(c[:-1]), id="last chunk dropped"),
        pytest.param(lambda s, c: s[:HEADER] + c[1] + c[0] + b"".join(c[2:]), id="chunks reordered"),
        pytest.param(lambda s, c: s[:HEADER] + b"".join(c) + b"\x00", id="bytes appended"),
        pytest.param(
            lambda s, c: s[: HEADER + 100] + bytes([s[HEADER + 100] ^ 1]) + s[HEADER + 101 :], id="bit flipped"
        ),
        pytest.param(lambda s, c: s[: len(MAGIC)] + os.urandom(7) + s[HEADER:], id="header changed"),
    ],
)
def test_any_damage_is_refused(damage):
    key = new_stream_key()
    sealed = _seal(CONTENT, key)

    with pytest.raises(SealedStreamError):
        _open(damage(sealed, _chunks(sealed)), key)


def test_a_chunk_from_another_stream_under_the_same_key_is_refused():
    key = new_stream_key()
    first, second = _seal(CONTENT, key), _seal(CONTENT, key)
    mixed = first[:HEADER] + _chunks(second)[0] + b"".join(_chunks(first)[1:])

    with pytest.raises(SealedStreamError, match="does not authenticate"):
        _open(mixed, key)


def test_the_wrong_key_and_a_clear_file_are_refused():
    sealed = _seal(CONTENT, new_stream_key())

    with pytest.raises(SealedStreamError, match="does not authenticate"):
        _open(sealed, new_stream_key())
    with pytest.raises(SealedStreamError, match="no header"):
        _open(b"just some text that is long enough", new_stream_key())


def test_a_writer_that_died_after_a_flush_leaves_a_readable_prefix_known_as_incomplete():
    key = new_stream_key()
    raw = io.BytesIO()
    writer = SealedWriter(raw, key)
    writer.write(b"first rows\n")
    writer.flush()  # then the process dies: close() never seals a last chunk
    reader = SealedReader(io.BytesIO(raw.getvalue()), key)

    assert reader.read(11) == b"first rows\n"
    with pytest.raises(SealedStreamError, match="truncated"):
        reader.read()


def test_sealed_archives_read_back_with_their_key_only(tmp_path):
    key = new_stream_key()
    with JsonLinesArchive(tmp_path, "people.jsonl.gz", key=key) as archive:
        for number in range(3):
            archive.write({"n": number, "ip": f"203.0.113.{number}"})
        written = archive.close()

    path = tmp_path / written.name
    assert written.name == "people.jsonl.gz.sealed" and written.rows == 3
    assert b"203.0.113" not in path.read_bytes()
    assert [row["ip"] for row in read_rows(path, key=key)] == ["203.0.113.0", "203.0.113.1", "203.0.113.2"]
    with pytest.raises(SealedStreamError, match="its key is needed"):
        list(read_rows(path))
    with pytest.raises(SealedStreamError, match="does not authenticate"):
        list(read_rows(path, key=new_stream_key()))
