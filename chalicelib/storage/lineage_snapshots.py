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

The packing is `storage.columns`' (chunks below DynamoDB's 400 KB whatever the titles hold).
Items written before carry the row form (`nodes`, JSON text `[[id, owner id, owner handle,
title, [source ids](, licence)], ...]`) and are still read.
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from functools import partial

from chalicelib.domain.licences import DEFAULT_LICENCE
from chalicelib.domain.lineage import FrozenColumns, FrozenNode
from chalicelib.storage import columns
from chalicelib.storage.columns import CHUNK_BYTES, COMPRESSION_LEVEL  # noqa: F401  (the snapshot's, as before)

_node = partial(tuple.__new__, FrozenNode)  # FrozenNode._make without its Python frame and length check
_LICENCED = "licence" in FrozenNode._fields


def pack(lineage: Iterable[FrozenNode]) -> list[bytes]:
    """The snapshot's chunks, records in id order: each a compressed JSON array of columns."""
    return columns.pack(((node.id, node.owner_id, node.owner_handle, node.title, list(node.sources),
                          getattr(node, "licence", DEFAULT_LICENCE)) for node in sorted(lineage, key=lambda n: n.id)),
                        6)


def unpack(packed: bytes | None, rows: str | None, into: dict[str, FrozenNode]) -> None:
    """Adds one item's records to `into`: its packed columns, or the rows of an item written before."""
    if packed is not None:
        ids, owners, handles, titles, sources, licences = columns.unpack(packed)
        fields = (ids, owners, handles, titles, map(tuple, sources)) + ((licences,) if _LICENCED else ())
        into.update(zip(ids, map(_node, zip(*fields))))
        return
    for row in json.loads(rows or "[]"):
        licence = (row[5] if len(row) > 5 else DEFAULT_LICENCE,) if _LICENCED else ()
        into[row[0]] = _node((row[0], row[1], row[2], row[3], tuple(row[4])) + licence)


def unpack_columns(packed: bytes | None, rows: str | None, into: FrozenColumns) -> None:
    """Adds one item's records to the columns of `into` (licences are not kept)."""
    if packed is not None:
        ids, owners, handles, titles, sources, _ = columns.unpack(packed)
    else:
        ids, owners, handles, titles, sources = [], [], [], [], []
        for row in json.loads(rows or "[]"):
            for column, value in zip((ids, owners, handles, titles, sources), row):
                column.append(value)
    into.ids.extend(ids)
    into.owner_ids.extend(owners)
    into.owner_handles.extend(handles)
    into.titles.extend(titles)
    into.sources.extend(sources)
