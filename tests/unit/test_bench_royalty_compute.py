"""The royalty compute benchmark's generated graph, its plain reference, its measurement on a tiny
graph, its verdict and its table."""
from __future__ import annotations

import bench.__main__ as bench_main
from bench.royalty_compute import (
    CONTRIBUTIONS, MAX_CITED, MAX_RATIO, NODES, Result, generate, measure, record_id, reference_split, report,
)
from chalicelib.domain.royalties import CONTRIBUTION, LINEAGE, MAX_DEPTH, split

TINY = dict(nodes=300, contributions=30, pool=10**9)


def result(ratio: float = 1.0, identical: bool = True, conserved: bool = True,
           holders: tuple[int, ...] = (3, 2, 2, 2, 1, 1, 1, 1, 1)) -> Result:
    return Result(split_seconds=0.5 * ratio, reference_seconds=0.5, repeats=3, identical=identical,
                  conserved=conserved, holders=holders, records=12)


def test_the_graph_is_the_same_for_the_same_seed_and_differs_for_another():
    assert generate(seed=7, **TINY) == generate(seed=7, **TINY)
    assert generate(seed=7, **TINY) != generate(seed=8, **TINY)


def test_every_record_cites_up_to_three_distinct_earlier_records_and_ids_sort_by_node():
    production = generate(**TINY)

    assert list(production.ids) == sorted(production.ids) and len(set(production.ids)) == 300
    assert len(record_id(0)) == 26
    for remix, cited in production.sources.items():
        assert 1 <= len(cited) <= MAX_CITED
        assert len(set(cited)) == len(cited)
        assert all(source < remix for source in cited)
    assert len(production.contributions) == 30
    assert all(1 <= weight <= 1_000_000 for weight in production.contributions.values())


def test_the_full_graph_has_its_sizes_and_its_lineage_reaches_the_last_level():
    production = generate()
    holders: list[int] = []

    amounts = reference_split(production.pool, production.contributions, production.sources,
                              production.upstream_share_bps, holders=holders)

    assert len(production.ids) == NODES and len(production.contributions) == CONTRIBUTIONS
    assert len(holders) == MAX_DEPTH + 1 and holders[MAX_DEPTH] > 0
    assert sum(amounts.values()) == production.pool


def test_the_reference_splits_a_diamond_by_the_rules():
    sources = {"D": ["B", "C"], "B": ["A"], "C": ["A"], "A": ["Z"]}

    assert reference_split(150, {"D": 1}, sources, 2_000) == {
        ("D", CONTRIBUTION): 120, ("B", LINEAGE): 12, ("C", LINEAGE): 12, ("A", LINEAGE): 5, ("Z", LINEAGE): 1}


def test_split_and_the_reference_agree_on_a_tiny_graph_and_the_measurement_says_so():
    production = generate(**TINY)
    expected = reference_split(production.pool, production.contributions, production.sources,
                               production.upstream_share_bps)

    assert split(production.pool, production.contributions, production.sources,
                 production.upstream_share_bps) == expected

    measured = measure(production, repeats=1)
    assert measured.identical and measured.conserved
    assert measured.records == len(expected)
    assert measured.split_seconds > 0 and measured.reference_seconds > 0


def test_a_ratio_within_the_budget_passes_and_beyond_it_fails():
    assert result(ratio=MAX_RATIO).passed
    assert not result(ratio=MAX_RATIO + 0.01).passed


def test_different_cents_a_lost_cent_or_a_shallow_graph_fail_whatever_the_times():
    assert not result(ratio=0.1, identical=False).passed
    assert not result(ratio=0.1, conserved=False).passed
    shallow = result(ratio=0.1, holders=(3, 2, 1, 0, 0, 0, 0, 0, 0))
    assert shallow.deepest_level == 2 and not shallow.passed


def test_the_table_shows_both_times_the_ratio_and_the_verdict(capsys):
    production = generate(**TINY)

    assert report(production, result(ratio=2.0)) is False

    lines = capsys.readouterr().out.splitlines()
    assert any("reference" in line and "0.500 s" in line for line in lines)
    assert any("split" in line and "1.000 s" in line and "within" in line for line in lines)
    assert any("ratio" in line and "2.000" in line and f"<= {MAX_RATIO}" in line and "FAIL" in line
               for line in lines)


def test_make_bench_runs_the_royalty_compute_benchmark():
    assert "royalty_compute" in [bench_main.name_of(b) for b in bench_main.BENCHMARKS]
