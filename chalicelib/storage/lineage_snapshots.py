"""The lineage a production freezes, as its snapshot items hold it.

A royalty run reads the whole snapshot (10^5 records at scale) every month, so the stored form is
the one cheapest to read back. A chunk holds its records as six columns (ids, owner ids, owner
handles, titles, source lists, licences) in one JSON array, zlib-compressed, in a binary
attribute (`LineageSnapshotItem.packed`):

- binary travels as base64, which neither the store nor the SDK escapes or unescapes; JSON text
  inside a string attribute travels JSON-escaped (every `"` of it), and both ends paid for that;
- the columns compress (ids repeat as sources, owners and licences repeat): with random 26-letter
  ids, 2.6 times fewer bytes on the wire and in read capacity; more with ids that share prefixes;
- columns decode into `FrozenNode`s with C-level `zip`/`map`, no Python loop per record.

A chunk is cut at `CHUNK_BYTES` of JSON before compression, so its item stays below DynamoDB's
400 KB whatever the titles hold. Items written before carry the row form (`nodes`, JSON text
`[[id, owner id, owner handle, title, [source ids](, licence)], ...]`) and are still read.
"""
from __future__ import annotations

import json
import zlib
from collections.abc import Iterable
from functools import partial

from chalicelib.domain.licences import DEFAULT_LICENCE
from chalicelib.domain.lineage import FrozenNode

CHUNK_BYTES = 300_000  # of JSON before compression: the compressed item cannot outgrow it
COMPRESSION_LEVEL = 1  # written once at release, read every month: level 1 is 3x faster to write, ~20% larger

_node = partial(tuple.__new__, FrozenNode)  # FrozenNode._make without its Python frame and length check
_LICENCED = "licence" in FrozenNode._fields


def pack(lineage: Iterable[FrozenNode]) -> list[bytes]:
    """The snapshot's chunks, records in id order: each a compressed JSON array of columns."""
    chunks: list[bytes] = []
    columns: list[list] = [[], [], [], [], [], []]
    size = 0
    for node in sorted(lineage, key=lambda n: n.id):
        values = (node.id, node.owner_id, node.owner_handle, node.title, list(node.sources),
                  getattr(node, "licence", DEFAULT_LICENCE))
        for column, value in zip(columns, values):
            column.append(value)
        size += len(json.dumps(values, ensure_ascii=False).encode())
        if size > CHUNK_BYTES:
            chunks.append(_compress(columns))
            columns, size = [[], [], [], [], [], []], 0
    if columns[0] or not chunks:  # an empty lineage is one empty chunk, as before
        chunks.append(_compress(columns))
    return chunks


def _compress(columns: list[list]) -> bytes:
    return zlib.compress(json.dumps(columns, separators=(",", ":"), ensure_ascii=False).encode(), COMPRESSION_LEVEL)


def unpack(packed: bytes | None, rows: str | None, into: dict[str, FrozenNode]) -> None:
    """Adds one item's records to `into`: its packed columns, or the rows of an item written before."""
    if packed is not None:
        ids, owners, handles, titles, sources, licences = json.loads(zlib.decompress(packed))
        columns = (ids, owners, handles, titles, map(tuple, sources)) + ((licences,) if _LICENCED else ())
        into.update(zip(ids, map(_node, zip(*columns))))
        return
    for row in json.loads(rows or "[]"):
        licence = (row[5] if len(row) > 5 else DEFAULT_LICENCE,) if _LICENCED else ()
        into[row[0]] = _node((row[0], row[1], row[2], row[3], tuple(row[4])) + licence)
