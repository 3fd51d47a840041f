"""Pure lineage rules: cycles and walks over in-memory graphs."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.lineage import find_cycle, freeze_ancestors, walk
from chalicelib.domain.records import READY, Record


def graph(sources: dict[str, list[str]], statuses: dict[str, str] | None = None) -> dict[str, Record]:
    remixes: dict[str, list[str]] = {}
    for remix, cited in sources.items():
        for source in cited:
            remixes.setdefault(source, []).append(remix)
    return {rid: Record(id=rid, kind="text", title=rid, owner_id="m", owner_handle="h", owner_sub="s",
                        status=(statuses or {}).get(rid, READY), created_at="t", updated_at="t",
                        sources=tuple(cited), remix_ids=tuple(remixes.get(rid, ())))
            for rid, cited in sources.items()}


def fetcher(records):
    calls = []

    def fetch(ids):
        calls.append(list(ids))
        return {i: records[i] for i in ids if i in records}

    return fetch, calls


def test_no_cycle_when_the_remix_is_not_among_the_new_sources_ancestors():
    records = graph({"A": [], "B": ["A"], "C": []})
    fetch, _ = fetcher(records)

    assert find_cycle("C", ["B"], fetch) is None


def test_the_cycle_path_reads_as_builds_on_from_the_remix_back_to_itself():
    records = graph({"A": [], "B": ["A"], "C": ["B"]})
    fetch, calls = fetcher(records)

    assert find_cycle("A", ["C"], fetch) == ["A", "C", "B", "A"]
    assert calls == [["C"], ["B"]]  # one batch per level, stopping once the remix is reached


def test_walks_read_one_batch_per_level():
    records = graph({"A": [], "B": ["A"], "C": ["A"], "D": ["B", "C"]})
    fetch, calls = fetcher(records)

    lineage = walk(records["D"], "ancestors", 10, fetch)

    assert sorted(n.id for n in lineage.nodes) == ["A", "B", "C", "D"]
    assert sorted(calls[0]) == ["B", "C"] and calls[1] == ["A"]


def test_walks_skip_records_that_are_not_ready_or_removed():
    records = graph({"A": [], "B": ["A"], "C": ["A"]}, statuses={"C": "rejected"})
    fetch, _ = fetcher(records)

    lineage = walk(records["A"], "descendants", 3, fetch)

    assert sorted(n.id for n in lineage.nodes) == ["A", "B"]
    assert lineage.edges == [("A", "B")]


@given(st.dictionaries(st.sampled_from("ABCDEFGH"), st.lists(st.sampled_from("ABCDEFGH"), max_size=3), min_size=1),
       st.sampled_from("ABCDEFGH"), st.sampled_from("ABCDEFGH"))
def test_a_cycle_is_found_exactly_when_the_remix_is_reachable_from_the_new_source(edges, remix, source):
    records = graph({node: edges.get(node, []) for node in "ABCDEFGH"})
    fetch, _ = fetcher(records)

    reachable, frontier = set(), [source]
    while frontier:
        node = frontier.pop()
        if node not in reachable:
            reachable.add(node)
            frontier.extend(records[node].sources)

    cycle = find_cycle(remix, [source], fetch)

    assert (cycle is not None) == (remix in reachable)
    if cycle:
        assert cycle[0] == cycle[-1] == remix and cycle[1] == source
        assert all(cycle[i + 1] in records[cycle[i]].sources for i in range(1, len(cycle) - 1))


def test_freezing_keeps_ancestors_within_the_depth_one_batch_per_level_and_drops_sources_beyond():
    chain = {f"r{n:02d}": [f"r{n + 1:02d}"] for n in range(12)}  # r00 cites r01 cites r02 ...
    chain["r12"] = []
    fetch, calls = fetcher(graph(chain))

    frozen = freeze_ancestors(["r00"], fetch, depth=8)

    assert sorted(frozen) == [f"r{n:02d}" for n in range(9)]
    assert frozen["r07"].sources == ("r08",) and frozen["r08"].sources == ()
    assert len(calls) == 9


def test_freezing_meets_a_record_at_its_shortest_distance():
    # D cites B and C; C cites A directly, B reaches A only through E: A is at distance 2, not 3.
    records = graph({"D": ["B", "C"], "B": ["E"], "E": ["A", "Z"], "C": ["A"], "A": [], "Z": []})
    fetch, calls = fetcher(records)

    frozen = freeze_ancestors(["D"], fetch, depth=2)

    assert sorted(frozen) == ["A", "B", "C", "D", "E"]  # Z, at distance 3, is never fetched
    assert frozen["E"].sources == ("A",) and frozen["C"].sources == ("A",)
    assert [sorted(c) for c in calls] == [["D"], ["B", "C"], ["A", "E"]]
