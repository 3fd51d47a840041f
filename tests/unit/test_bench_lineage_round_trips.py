"""The lineage benchmark's generated DAG, its expected walks, the response check and the verdict."""
from __future__ import annotations

import bench.__main__ as bench_main
from bench.lineage_round_trips import (
    ANCESTORS, DESCENDANTS, LAYER_WIDTH, LAYERS, MAX_CITED, Dag, Row, Seeding, Walk, _mismatch, generate, owner_of,
    report,
)
from chalicelib.domain.lineage import MAX_DEPTH, MAX_LINEAGE_NODES, REMIX_IDS_CAP

# 0 ── 2 ── 4        a diamond: 4 builds on 2 and 3, which both build on 0
#  \       /
#   ── 3 ─┘          1 is cited by 3 only
# 1 ──┘
DIAMOND = Dag(width=2, sources=((), (), (0,), (0, 1), (2, 3)))


def test_the_dag_is_the_same_for_the_same_seed_and_differs_for_another():
    assert generate(seed=7) == generate(seed=7)
    assert generate(seed=7) != generate(seed=8)


def test_the_generated_dag_has_a_thousand_nodes_in_layers_of_a_hundred_citing_the_layer_before():
    dag = generate()

    assert dag.size == 1000 and dag.layers == LAYERS and dag.width == LAYER_WIDTH == 100
    assert all(dag.sources[n] == () for n in dag.layer_nodes(0))
    for node in range(LAYER_WIDTH, dag.size):
        cited = dag.sources[node]
        assert 1 <= len(cited) <= MAX_CITED
        assert len(set(cited)) == len(cited)
        assert all(dag.layer(source) == dag.layer(node) - 1 for source in cited)


def test_the_generated_dag_has_diamonds_and_members_citing_their_own_records():
    dag = generate()

    assert dag.diamonds > 0
    assert any(owner_of(source) == owner_of(node) for node, cited in enumerate(dag.sources) for source in cited)


def test_no_walk_of_the_generated_dag_meets_the_services_caps():
    dag = generate()

    assert max(map(len, dag.remixes)) <= REMIX_IDS_CAP  # descendant walks see every remix
    for start in (*dag.layer_nodes(0), *dag.layer_nodes(LAYERS - 1)):
        direction = DESCENDANTS if dag.layer(start) == 0 else ANCESTORS
        walk = dag.walk(start, direction, MAX_DEPTH)
        assert len(walk.nodes) <= MAX_LINEAGE_NODES  # never truncated
        assert walk.widest <= LAYER_WIDTH


def test_remixes_are_the_sources_turned_around():
    assert DIAMOND.remixes == ((2, 3), (3,), (4,), (4,), ())
    assert DIAMOND.edge_count == 5
    assert DIAMOND.diamonds == 1  # 4 reaches 0 through 2 and through 3


def test_an_ancestor_walk_stops_at_its_depth_and_keeps_both_edges_of_a_diamond():
    assert DIAMOND.walk(4, ANCESTORS, 1) == Walk(frozenset({4, 2, 3}), frozenset({(2, 4), (3, 4)}), 2)
    assert DIAMOND.walk(4, ANCESTORS, 2) == Walk(frozenset({4, 2, 3, 0, 1}),
                                                 frozenset({(2, 4), (3, 4), (0, 2), (0, 3), (1, 3)}), 2)
    assert DIAMOND.walk(4, ANCESTORS, 10) == DIAMOND.walk(4, ANCESTORS, 2)


def test_a_descendant_walk_follows_remixes():
    assert DIAMOND.walk(0, DESCENDANTS, 1) == Walk(frozenset({0, 2, 3}), frozenset({(0, 2), (0, 3)}), 2)
    assert DIAMOND.walk(0, DESCENDANTS, 2) == Walk(frozenset({0, 2, 3, 4}),
                                                   frozenset({(0, 2), (0, 3), (2, 4), (3, 4)}), 2)


def test_the_start_chosen_is_the_one_reaching_most():
    assert DIAMOND.deepest_reach(range(0, 2), DESCENDANTS) == 0
    assert DIAMOND.deepest_reach(range(2, 4), ANCESTORS) == 3


def reply_for(walk: Walk, ids: list[str], truncated: bool = False) -> dict:
    return {"nodes": [{"id": ids[n], "status": "ready"} for n in sorted(walk.nodes)],
            "edges": [{"source": ids[s], "remix": ids[r]} for s, r in sorted(walk.edges)],
            "truncated": truncated}


IDS = ["r0", "r1", "r2", "r3", "r4"]


def test_a_response_with_the_expected_nodes_and_edges_matches():
    walk = DIAMOND.walk(4, ANCESTORS, 2)

    assert _mismatch(reply_for(walk, IDS), walk, IDS) is None


def test_a_missing_node_a_missing_edge_or_a_truncated_walk_is_a_mismatch():
    walk = DIAMOND.walk(4, ANCESTORS, 2)
    reply = reply_for(walk, IDS, truncated=True)
    reply["nodes"] = [n for n in reply["nodes"] if n["id"] != "r1"]
    reply["edges"] = [e for e in reply["edges"] if e["source"] != "r1"]

    assert _mismatch(reply, walk, IDS) == "nodes -1 +0, edges -1 +0, truncated"


def test_a_walk_one_level_too_deep_is_a_mismatch():
    assert _mismatch(reply_for(DIAMOND.walk(4, ANCESTORS, 2), IDS), DIAMOND.walk(4, ANCESTORS, 1), IDS) \
        == "nodes -0 +2, edges -0 +3"


def row(depth: int, totals: tuple[int, ...], mismatch: str | None = None) -> Row:
    return Row(ANCESTORS, depth, nodes=4, edges=3, widest=3, worst={"GetItem": 1, "BatchGetItem": max(totals) - 1},
               totals=totals, mismatch=mismatch)


def test_depth_d_may_take_d_plus_one_round_trips_in_its_worst_run():
    assert row(3, (4, 4, 4)).passed
    assert not row(3, (4, 5, 4)).passed
    assert row(3, (4, 5, 4)).round_trips == 5


def test_a_wrong_answer_fails_even_within_budget():
    assert not row(1, (2, 2, 2), mismatch="nodes -1 +0").passed


def test_the_table_shows_operations_budget_and_fails_on_one_row_over(capsys):
    seeding = Seeding(members=5, seconds=20.0, round_trips={"TransactWriteItems": 1000}, leaf="LEAF", root="ROOT")
    rows = [row(1, (2, 2, 2)), row(2, (4, 4, 4))]

    assert report(generate(), seeding, rows) is False

    lines = capsys.readouterr().out.splitlines()
    assert any("1,000 ready text records" in line and "diamonds" in line for line in lines)
    assert any("not reached" in line for line in lines)
    assert any("BatchGetItem 1, GetItem 1" in line and "<= 2" in line and "PASS" in line for line in lines)
    assert any("BatchGetItem 3, GetItem 1" in line and "<= 3" in line and "FAIL" in line for line in lines)


def test_make_bench_runs_the_lineage_benchmark():
    assert "lineage_round_trips" in [bench_main.name_of(b) for b in bench_main.BENCHMARKS]
