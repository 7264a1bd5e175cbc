"""reports/common/idjoin.py: request ids as integer codes, for the client-server join of a million rows.

The join (stats.join_telemetry) needs, for every sample and every telemetry row, one integer code
per distinct id. Hashing two million 32-character strings one by one is most of a report's time,
so the common case takes another road: scorebench's ids all have one width (32 hex digits), so
each id's bytes are read as four 64-bit words and mixed into one key; the client keys go in a hash
table (`client_ids`), and each telemetry chunk's keys are looked up in it (`id_codes`). A found id
counts only if all its bytes equal the client id's: the result is exact whatever the keys. Two
client ids with one key, a repeated or missing client id, or ids of other widths take the general
road: Arrow's dictionary encoding of both columns together.
Rules: pure (no files, no clock); codes are -1 for a missing id (and, on the fast road, for a
telemetry id no sample carries: it cannot match anything either).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

_MIX = np.uint64(0x9E3779B97F4A7C15)


@dataclasses.dataclass(frozen=True, eq=False)
class ClientIds:
    """The samples' ids, ready for lookups."""

    chunks: list[pa.Array]
    """The id column's Arrow chunks (large_string)."""
    words: np.ndarray | None
    """(n, width/8) uint64: each id's bytes; None when the ids are not all distinct, present and of
    one width, a multiple of 8 bytes (the general road)."""
    index: pd.Index | None
    """The words' keys (unique), whose position is the sample's code; None on the general road."""


def client_ids(ids: pd.Series) -> ClientIds:
    """The samples' id column made ready for `id_codes`."""
    chunks = _chunks(ids)
    words = _id_words(chunks)
    if words is None:
        return ClientIds(chunks, None, None)
    index = pd.Index(_key(words))
    if not index.is_unique:  # a repeated id, or two ids with one key: the general road
        return ClientIds(chunks, None, None)
    return ClientIds(chunks, words, index)


def id_codes(client: ClientIds, server: pd.Series) -> tuple[np.ndarray, np.ndarray, int]:
    """(client codes, server codes, how many codes there are): one shared dictionary of ids."""
    server_chunks = _chunks(server)
    if client.words is not None and client.index is not None:
        parts = [_lookup(chunk, client.words, client.index) for chunk in server_chunks]
        server_codes = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
        return np.arange(len(client.words), dtype=np.int64), server_codes, len(client.words)
    # One chunked dictionary_encode: its chunks share one memo table, so codes agree across them.
    encoded = pa.chunked_array([*client.chunks, *server_chunks], type=pa.large_string()).dictionary_encode()
    parts = [pc.fill_null(chunk.indices, -1).to_numpy(zero_copy_only=False) for chunk in encoded.chunks]
    codes = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int32)
    distinct = len(encoded.chunk(0).dictionary) if encoded.num_chunks else 0
    clients = sum(len(chunk) for chunk in client.chunks)
    return codes[:clients], codes[clients:], distinct


def _lookup(ids: pa.Array, client_words: np.ndarray, index: pd.Index) -> np.ndarray:
    """Per id of one server chunk: the position of the client id with the same bytes, or -1."""
    codes = np.full(len(ids), -1, dtype=np.int64)
    width = client_words.shape[1] * 8
    fits = np.diff(_offsets(ids)) == width
    if ids.null_count:
        fits &= ids.is_valid().to_numpy(zero_copy_only=False)
    rows = np.flatnonzero(fits)
    if len(rows) == 0:
        return codes
    words = _words(ids if len(rows) == len(ids) else ids.filter(pa.array(fits)), width // 8)
    found = index.get_indexer(_key(words))
    same = found >= 0
    for column in range(words.shape[1]):  # a word at a time: small temporaries
        same &= client_words[found, column] == words[:, column]
    codes[rows[same]] = found[same]
    return codes


def _id_words(chunks: list[pa.Array]) -> np.ndarray | None:
    """Ids all present and of one width, a multiple of 8 bytes, as an (n, width/8) uint64 array."""
    if not chunks or any(chunk.null_count for chunk in chunks) or sum(len(c) for c in chunks) == 0:
        return None
    widths = [np.diff(_offsets(chunk)) for chunk in chunks if len(chunk)]
    width = int(widths[0][0])
    if width == 0 or width % 8 or any((w != width).any() for w in widths):
        return None
    return np.concatenate([_words(chunk, width // 8) for chunk in chunks])


def _offsets(ids: pa.Array) -> np.ndarray:
    offsets: np.ndarray = np.frombuffer(ids.buffers()[1], dtype=np.int64, count=len(ids) + 1, offset=ids.offset * 8)
    return offsets


def _words(ids: pa.Array, words: int) -> np.ndarray:
    """The bytes of ids all `words` * 8 long as an (n, words) uint64 array (no copy)."""
    if len(ids) == 0:
        return np.zeros((0, words), dtype="<u8")
    start = int(_offsets(ids)[0])
    data = np.frombuffer(ids.buffers()[2], dtype="<u8", count=len(ids) * words, offset=start)
    return data.reshape(len(ids), words)


def _key(words: np.ndarray) -> np.ndarray:
    """One 64-bit key per row of words: a polynomial of them (multiply and add, wrapping)."""
    key: np.ndarray = words[:, 0].copy()
    for column in words.T[1:]:
        key *= _MIX
        key += column
    return key


def _chunks(values: pd.Series) -> list[pa.Array]:
    """The Arrow chunks of a string column as large_string (no copy when it is Arrow-backed already)."""
    array = pa.array(values, from_pandas=True)
    chunks = list(array.chunks) if isinstance(array, pa.ChunkedArray) else [array]
    return [c if c.type == pa.large_string() else c.cast(pa.large_string()) for c in chunks]
