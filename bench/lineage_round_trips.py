"""Lineage walks: depth d in <= d + 1 DynamoDB round trips for up to 100 nodes per level.

Counted by `dynamodb_counter` in front of moto, as in `record_round_trips`. The store is
seeded through the API (POST /records citing `sources`) with a generated DAG: 1,000 ready text
records in 10 layers of 100, each record past the first layer citing 1 to 3 records of the
layer before, chosen by a seeded RNG (so the graph, its diamonds and its figures are the same
on every run). Several members publish in turn; each also cites its own records.

From the last-layer record with the most ancestors, `GET /records/{id}/lineage?direction=
ancestors&depth=d` is measured for d = 1..10, and from the first-layer record with the most
descendants the same with `direction=descendants`. Each request runs once unmeasured first (a
warm container), then `REPEATS` times measured; the worst count is held against d + 1 (one
read of the start, one batch per level). Every response is checked against a breadth-first
walk of the generated edges: the same nodes, the same edges, not truncated. Descendant walks
follow at most `REMIX_IDS_CAP` remixes of each record; the generated graph is checked to stay
under it, so the cap cannot hide a node.

Runs in a fresh interpreter (`python -m bench.lineage_round_trips`) for the reasons given in
`record_round_trips`.
"""
from __future__ import annotations

import random
import sys
import time
from dataclasses import dataclass
from functools import cached_property

from bench.support import app_output_held_back, counted_app, describe_operations, expect, requester, run_fresh
from chalicelib.domain.lineage import MAX_DEPTH, MAX_LINEAGE_NODES, REMIX_IDS_CAP

SEED = 1000
LAYERS = 10
LAYER_WIDTH = 100  # the "up to 100 nodes per level"
MAX_CITED = 3
MEMBERS = 5
REPEATS = 3
HANDLE = "bench"

ANCESTORS, DESCENDANTS = "ancestors", "descendants"


@dataclass(frozen=True)
class Walk:
    """What a walk from one node should return: nodes, (source, remix) edges, widest level."""

    nodes: frozenset[int]
    edges: frozenset[tuple[int, int]]
    widest: int


@dataclass(frozen=True)
class Dag:
    """Nodes are 0..n-1 in publishing order, layer by layer; a node cites only earlier ones."""

    width: int
    sources: tuple[tuple[int, ...], ...]  # by node

    @property
    def size(self) -> int:
        return len(self.sources)

    def layer(self, node: int) -> int:
        return node // self.width

    def layer_nodes(self, layer: int) -> range:
        return range(layer * self.width, min((layer + 1) * self.width, self.size))

    @property
    def layers(self) -> int:
        return -(-self.size // self.width)

    @cached_property
    def remixes(self) -> tuple[tuple[int, ...], ...]:
        """Direct remixes by node, oldest first (as the service remembers them)."""
        found: list[list[int]] = [[] for _ in self.sources]
        for remix, cited in enumerate(self.sources):
            for source in cited:
                found[source].append(remix)
        return tuple(map(tuple, found))

    @property
    def edge_count(self) -> int:
        return sum(map(len, self.sources))

    @property
    def diamonds(self) -> int:
        """(remix, ancestor) pairs joined by two or more paths of two citations."""
        count = 0
        for cited in self.sources:
            paths: dict[int, int] = {}
            for source in cited:
                for grand in self.sources[source]:
                    paths[grand] = paths.get(grand, 0) + 1
            count += sum(1 for n in paths.values() if n > 1)
        return count

    def walk(self, start: int, direction: str, depth: int) -> Walk:
        """Breadth first, `depth` levels: every edge followed from a node closer than `depth`."""
        linked = self.sources if direction == ANCESTORS else self.remixes
        seen, level, edges, widest = {start}, [start], set(), 0
        for _ in range(depth):
            following = []
            for node in level:
                for other in linked[node]:
                    edges.add((other, node) if direction == ANCESTORS else (node, other))
                    if other not in seen:
                        seen.add(other)
                        following.append(other)
            if not following:
                break
            widest = max(widest, len(following))
            level = following
        return Walk(frozenset(seen), frozenset(edges), widest)

    def deepest_reach(self, candidates: range, direction: str) -> int:
        """The candidate whose walk to the greatest depth reaches the most nodes (lowest on ties)."""
        return max(candidates, key=lambda n: (len(self.walk(n, direction, MAX_DEPTH).nodes), -n))


def owner_of(node: int) -> int:
    """The member (0..MEMBERS-1) who publishes `node`: in turn, so some cite their own records."""
    return node % MEMBERS


def generate(seed: int = SEED, layers: int = LAYERS, width: int = LAYER_WIDTH,
             max_cited: int = MAX_CITED) -> Dag:
    """`layers` x `width` nodes; each past the first cites 1..`max_cited` of the layer before."""
    rng = random.Random(seed)
    sources: list[tuple[int, ...]] = [() for _ in range(width)]
    for layer in range(1, layers):
        previous = range((layer - 1) * width, layer * width)
        for _ in range(width):
            sources.append(tuple(sorted(rng.sample(previous, rng.randint(1, max_cited)))))
    return Dag(width, tuple(sources))


@dataclass(frozen=True)
class Case:
    direction: str
    depth: int
    start: int  # node of the generated DAG

    @property
    def budget(self) -> int:
        return self.depth + 1


@dataclass(frozen=True)
class Row:
    direction: str
    depth: int
    nodes: int  # as returned
    edges: int
    widest: int  # the widest level of the expected walk
    worst: dict[str, int]  # operations of the most expensive measured run
    totals: tuple[int, ...]  # round trips of every measured run
    mismatch: str | None = None  # how a response differed from the expected walk

    @property
    def budget(self) -> int:
        return self.depth + 1

    @property
    def round_trips(self) -> int:
        return max(self.totals)

    @property
    def passed(self) -> bool:
        return self.round_trips <= self.budget and self.mismatch is None


@dataclass(frozen=True)
class Seeding:
    members: int
    seconds: float
    round_trips: dict[str, int]
    leaf: str  # record ids of the two starts
    root: str


def run(runs: int = 9) -> bool:
    """Measures in a fresh interpreter (see the module's doc); `runs` does not apply here."""
    return run_fresh("bench.lineage_round_trips")


def measure(dag: Dag) -> tuple[Seeding, list[Row]]:
    """Starts the embedded AWS and the counter, seeds `dag`, measures every case."""
    with counted_app() as (app, client, counter):
        request = requester(client)
        with counter.measure() as calls:
            started = time.perf_counter()
            ids = _seed(request, dag)
            seconds = time.perf_counter() - started
        leaf, root = _starts(dag)
        seeding = Seeding(MEMBERS, seconds, calls.by_operation, ids[leaf], ids[root])
        cases = [Case(direction, depth, start) for direction, start in ((ANCESTORS, leaf), (DESCENDANTS, root))
                 for depth in range(1, MAX_DEPTH + 1)]
        return seeding, [_measure_case(counter, request, dag, ids, case) for case in cases]


def _starts(dag: Dag) -> tuple[int, int]:
    """A last-layer leaf and a first-layer root, each the one whose walk reaches furthest."""
    return (dag.deepest_reach(dag.layer_nodes(dag.layers - 1), ANCESTORS),
            dag.deepest_reach(dag.layer_nodes(0), DESCENDANTS))


def _seed(request, dag: Dag) -> list[str]:
    """Publishes every node in order (members in turn); returns the record id of each node."""
    from local.tokens import mint

    members = [mint(f"sub-{HANDLE}{n}") for n in range(MEMBERS)]
    for n, member in enumerate(members):
        expect(request("POST", "/members", member, {"handle": f"{HANDLE}{n}", "display_name": f"Bench {n}"}), 201)
    ids: list[str] = []
    for node, cited in enumerate(dag.sources):
        body = {"kind": "text", "title": f"layer {dag.layer(node)} #{node % dag.width}", "body": "Once.",
                "sources": [{"record_id": ids[source]} for source in cited]}
        ids.append(expect(request("POST", "/records", members[owner_of(node)], body), 201)["record"]["id"])
    return ids


def _measure_case(counter, request, dag: Dag, ids: list[str], case: Case) -> Row:
    path = f"/records/{ids[case.start]}/lineage?direction={case.direction}&depth={case.depth}"
    expected = dag.walk(case.start, case.direction, case.depth)
    runs, mismatch, reply = [], None, None
    for _ in range(1 + REPEATS):  # the first is the warm-up, not held against the budget
        with counter.measure() as calls:
            response = request("GET", path)
        reply = expect(response, 200)
        mismatch = mismatch or _mismatch(reply, expected, ids)
        runs.append(calls.by_operation)
    measured = runs[1:]
    worst = max(measured, key=lambda ops: sum(ops.values()))
    return Row(case.direction, case.depth, len(reply["nodes"]), len(reply["edges"]), expected.widest, worst,
               tuple(sum(ops.values()) for ops in measured), mismatch)


def _mismatch(reply: dict, expected: Walk, ids: list[str]) -> str | None:
    """How a lineage response differs from the expected walk, or None."""
    nodes = {n["id"] for n in reply["nodes"]}
    edges = {(e["source"], e["remix"]) for e in reply["edges"]}
    want_nodes = {ids[n] for n in expected.nodes}
    want_edges = {(ids[s], ids[r]) for s, r in expected.edges}
    problems = []
    if len(nodes) != len(reply["nodes"]) or len(edges) != len(reply["edges"]):
        problems.append("duplicates")
    if nodes != want_nodes:
        problems.append(f"nodes -{len(want_nodes - nodes)} +{len(nodes - want_nodes)}")
    if edges != want_edges:
        problems.append(f"edges -{len(want_edges - edges)} +{len(edges - want_edges)}")
    if reply["truncated"]:
        problems.append("truncated")
    if any(n["status"] != "ready" for n in reply["nodes"]):
        problems.append("not ready")
    return ", ".join(problems) or None


def report(dag: Dag, seeding: Seeding, rows: list[Row]) -> bool:
    most_remixes = max(map(len, dag.remixes))
    print(f"DynamoDB round trips per lineage walk (warm; worst of {REPEATS} runs; budget depth + 1)")
    print(f"  DAG: {dag.size:,} ready text records in {dag.layers} layers of {dag.width}, seed {SEED}; "
          f"1-{MAX_CITED} sources each from the layer before: {dag.edge_count:,} edges, "
          f"{dag.diamonds} diamonds")
    seeded_trips = sum(seeding.round_trips.values())
    print(f"  seeded through POST /records by {seeding.members} members in {seeding.seconds:.1f} s "
          f"({seeding.seconds / dag.size * 1000:.0f} ms and {seeded_trips / dag.size:.1f} round trips a record)")
    print(f"  most remixes of one record: {most_remixes} (descendant walks follow {REMIX_IDS_CAP}: "
          f"{'not reached' if most_remixes <= REMIX_IDS_CAP else 'EXCEEDED, the check below may fail'}); "
          f"largest walk {max(r.nodes for r in rows)} nodes (stops at {MAX_LINEAGE_NODES})")
    print(f"  ancestors from {seeding.leaf} (last layer), descendants from {seeding.root} (first layer)")
    print(f"  {'direction':<11}  depth  nodes  edges  widest  trips  {'operations':<26}  budget  vs BFS")
    for row in rows:
        operations = describe_operations(row.worst)
        spread = "" if len(set(row.totals)) == 1 else f"  (runs: {', '.join(map(str, row.totals))})"
        print(f"  {row.direction:<11}  {row.depth:5d}  {row.nodes:5d}  {row.edges:5d}  {row.widest:6d}  "
              f"{row.round_trips:5d}  {operations:<26}  <= {row.budget:<3d}  {row.mismatch or 'same':<6}  "
              f"{'PASS' if row.passed else 'FAIL'}{spread}")
    return all(row.passed for row in rows)


def main() -> int:
    dag = generate()
    with app_output_held_back():
        seeding, rows = measure(dag)
    return 0 if report(dag, seeding, rows) else 1


if __name__ == "__main__":
    sys.exit(main())
