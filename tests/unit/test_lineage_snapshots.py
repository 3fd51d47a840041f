"""The stored form of a frozen lineage: what is packed reads back the same, every chunk fits an item."""
from __future__ import annotations

import json
import random
import zlib

import pytest

from chalicelib.domain.lineage import FrozenNode
from chalicelib.storage import lineage_snapshots
from chalicelib.storage.lineage_snapshots import CHUNK_BYTES, pack, unpack

ITEM_LIMIT = 400 * 1024  # DynamoDB's item size


def _node(record_id: str, sources: tuple[str, ...] = (), title: str | None = None, **extra) -> FrozenNode:
    return FrozenNode(record_id, f"owner-{record_id[-2:]}", f"handle{record_id[-2:]}", title or f"Title {record_id}",
                      sources, **extra)


def _read(chunks: list[bytes]) -> dict[str, FrozenNode]:
    nodes: dict[str, FrozenNode] = {}
    for chunk in chunks:
        unpack(chunk, None, nodes)
    return nodes


def test_a_packed_lineage_reads_back_as_the_same_nodes_with_sources_as_tuples():
    lineage = {n.id: n for n in [_node("01A", ("01B", "01C")), _node("01B", ("01C",)), _node("01C"),
                                 _node("01D", title='quotes " and \\ and émojis 🎛️, commas = fine')]}

    read = _read(pack(lineage.values()))

    assert read == lineage
    assert all(type(node) is FrozenNode and type(node.sources) is tuple for node in read.values())


def test_an_empty_lineage_is_one_chunk_that_reads_back_empty():
    chunks = pack([])

    assert len(chunks) == 1
    assert _read(chunks) == {}


def test_a_large_lineage_with_long_titles_is_cut_into_chunks_that_each_fit_an_item():
    rng = random.Random(7)
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    ids = sorted("01J" + "".join(rng.choice(alphabet) for _ in range(23)) for _ in range(6_000))
    lineage = {record_id: FrozenNode(record_id, rng.choice(ids), "h" * 30,
                                     "".join(rng.choice("αβγδ🎵xyz ") for _ in range(200)),
                                     tuple(rng.sample(ids, 3)))
               for record_id in ids}

    chunks = pack(lineage.values())

    assert len(chunks) > 1
    assert all(len(chunk) < ITEM_LIMIT - 1_000 for chunk in chunks)
    assert all(len(zlib.decompress(chunk)) <= CHUNK_BYTES + 10_000 for chunk in chunks)
    assert _read(chunks) == lineage


def test_chunks_hold_the_records_in_id_order():
    lineage = [_node(f"01{n:04d}") for n in reversed(range(50))]

    ids = json.loads(zlib.decompress(pack(lineage)[0]))[0]

    assert ids == sorted(ids) and len(ids) == 50


def test_items_written_before_in_the_row_form_are_still_read():
    rows = json.dumps([["01A", "o1", "h1", "A", ["01B"]], ["01B", "o2", "h2", "B", []]])
    nodes: dict[str, FrozenNode] = {}

    unpack(None, rows, nodes)

    assert nodes == {"01A": FrozenNode("01A", "o1", "h1", "A", ("01B",)), "01B": FrozenNode("01B", "o2", "h2", "B", ())}


def test_packing_is_deterministic_whatever_order_the_nodes_come_in():
    nodes = [_node(f"01{n:03d}", (f"01{n + 1:03d}",)) for n in range(300)]

    assert pack(nodes) == pack(list(reversed(nodes)))
    assert lineage_snapshots.COMPRESSION_LEVEL >= 1


@pytest.mark.skipif("licence" not in FrozenNode._fields, reason="nodes carry no licence yet")
def test_each_records_frozen_licence_is_kept():
    lineage = {"01A": _node("01A", licence="cc-by-nc"), "01B": _node("01B")}

    assert _read(pack(lineage.values())) == lineage
