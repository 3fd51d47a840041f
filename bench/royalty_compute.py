"""Royalty compute: one production's split of its pool, 10,000 contributions over a 100,000-node
lineage DAG, in process, in <= 1 s on the 2-core machine the issue was measured on.

Seconds depend on the machine, so the verdict is a ratio measured in the same run: `split`
against `reference_split` below, a deliberately plain implementation of the same rules (API.md,
"Royalties", rules 3 and 4: a general largest-remainder step for every split, sources sorted
again every time they are met, nothing cached). A plain implementation took about 0.65 s where
the issue's 1 s was set, so the budget is split <= 1.54 x reference. The absolute seconds are
printed beside it, and the issue's 1 s is shown as a report.

The graph is generated from a seed, so it is the same on every run: nodes in publishing order,
each citing 0-3 earlier nodes (1.75 on average; 60% of citations go to one of the 50 nodes just
before, which makes chains deep enough for the lineage to reach its last level), with
26-character ULID-like ids that sort by node. The contributions are 10,000 distinct nodes with
weights from 1 to 1,000,000 (most small, a few large). Both implementations must give the same cents for every (record, via) and add up to the
pool to the cent, and some amount must reach level 8; otherwise the benchmark fails whatever
its times.

Each repetition times both, interleaved so that machine noise hits both, after a full
collection; the best of the repetitions counts.
"""
from __future__ import annotations

import gc
import random
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from chalicelib.domain.royalties import BPS, CONTRIBUTION, LINEAGE, MAX_DEPTH, split

SEED = 2026
NODES = 100_000
CONTRIBUTIONS = 10_000
MAX_CITED = 3
CITED_COUNT_WEIGHTS = (10, 30, 35, 25)  # how often a node cites 0, 1, 2, 3 earlier nodes
RECENT_SHARE = 0.6  # of citations going to one of the RECENT_WINDOW nodes just before
RECENT_WINDOW = 50
POOL = 12_345_678_901  # minor units
UPSTREAM_SHARE_BPS = 2000  # the API's default
MAX_RATIO = 1.54  # split / reference: the issue's 1 s over the plain implementation's 0.65 s
ISSUE_SECONDS = 1.0
MIN_REPEATS = 3


@dataclass(frozen=True)
class Production:
    """What `split` gets for one production: its contributions and the frozen lineage."""

    ids: tuple[str, ...]  # by node
    sources: dict[str, tuple[str, ...]]  # only records that cite something
    contributions: dict[str, int]
    pool: int
    upstream_share_bps: int

    @property
    def edge_count(self) -> int:
        return sum(map(len, self.sources.values()))


def record_id(node: int) -> str:
    """A 26-character id, like the service's ULIDs, that sorts by node."""
    return f"01JDZ{node:021d}"


def generate(seed: int = SEED, nodes: int = NODES, contributions: int = CONTRIBUTIONS, pool: int = POOL,
             upstream_share_bps: int = UPSTREAM_SHARE_BPS) -> Production:
    rng = random.Random(seed)
    ids = tuple(record_id(node) for node in range(nodes))
    sources: dict[str, tuple[str, ...]] = {}
    for node in range(1, nodes):
        wanted = min(node, rng.choices(range(MAX_CITED + 1), weights=CITED_COUNT_WEIGHTS)[0])
        cited: set[int] = set()
        while len(cited) < wanted:
            if rng.random() < RECENT_SHARE:
                cited.add(rng.randint(max(0, node - RECENT_WINDOW), node - 1))
            else:
                cited.add(rng.randrange(node))
        if cited:
            sources[ids[node]] = tuple(ids[source] for source in rng.sample(sorted(cited), len(cited)))
    chosen = rng.sample(range(nodes), contributions)
    weights = {ids[node]: _weight(rng) for node in chosen}
    return Production(ids, sources, weights, pool, upstream_share_bps)


def _weight(rng: random.Random) -> int:
    draw = rng.random()
    if draw < 0.70:
        return rng.randint(1, 100)
    if draw < 0.95:
        return rng.randint(101, 10_000)
    return rng.randint(10_001, 1_000_000)


# --- the plain reference -----------------------------------------------------------------------


def reference_largest_remainder(total: int, weights: Mapping[str, int]) -> dict[str, int]:
    """Rule 3 as written: floors, then the leftover cents by (remainder, weight, id)."""
    whole = sum(weights.values())
    shares = {}
    order = []
    for record_id_, weight in weights.items():
        shares[record_id_] = total * weight // whole
        order.append((-(total * weight % whole), -weight, record_id_))
    order.sort()
    for _, _, record_id_ in order[:total - sum(shares.values())]:
        shares[record_id_] += 1
    return shares


def reference_split(pool: int, contributions: Mapping[str, int], sources: Mapping[str, Sequence[str]],
                    upstream_share_bps: int, max_depth: int = MAX_DEPTH,
                    holders: list[int] | None = None) -> dict[tuple[str, str], int]:
    """Rule 4 as written, level by level. `holders`, if given, gets the number of records
    holding a non-zero amount at each level."""
    amounts: dict[tuple[str, str], int] = {}
    holding = reference_largest_remainder(pool, contributions)
    for level in range(max_depth + 1):
        if holders is not None:
            holders.append(sum(1 for amount in holding.values() if amount))
        via = CONTRIBUTION if level == 0 else LINEAGE
        next_holding: dict[str, int] = {}
        for record_id_, amount in holding.items():
            cited = sorted(set(sources.get(record_id_, ())))
            if level == max_depth or not cited:
                passed = 0
            else:
                passed = amount * upstream_share_bps // BPS
            key = (record_id_, via)
            amounts[key] = amounts.get(key, 0) + amount - passed
            if cited:
                for source, share in reference_largest_remainder(passed, {s: 1 for s in cited}).items():
                    next_holding[source] = next_holding.get(source, 0) + share
        holding = next_holding
    return {key: amount for key, amount in amounts.items() if amount}


# --- measuring ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    split_seconds: float  # best of the repetitions
    reference_seconds: float
    repeats: int
    identical: bool  # the same cents for every (record, via)
    conserved: bool  # Σ == pool, to the cent, for both
    holders: tuple[int, ...]  # records holding a non-zero amount, by level
    records: int  # (record, via) amounts in the result

    @property
    def ratio(self) -> float:
        return self.split_seconds / self.reference_seconds

    @property
    def deepest_level(self) -> int:
        return max((level for level, count in enumerate(self.holders) if count), default=-1)

    @property
    def reaches_last_level(self) -> bool:
        return self.deepest_level == MAX_DEPTH

    @property
    def passed(self) -> bool:
        return self.identical and self.conserved and self.reaches_last_level and self.ratio <= MAX_RATIO


def _timed(function, *args, **kwargs):
    gc.collect()
    started = time.perf_counter()
    value = function(*args, **kwargs)
    return time.perf_counter() - started, value


def measure(production: Production, repeats: int) -> Result:
    p = production
    holders: list[int] = []
    expected = reference_split(p.pool, p.contributions, p.sources, p.upstream_share_bps, holders=holders)
    split_times, reference_times = [], []
    identical = conserved = True
    for _ in range(repeats):
        seconds, got = _timed(split, p.pool, p.contributions, p.sources, p.upstream_share_bps)
        split_times.append(seconds)
        seconds, reference = _timed(reference_split, p.pool, p.contributions, p.sources, p.upstream_share_bps)
        reference_times.append(seconds)
        identical = identical and got == expected and reference == expected
        conserved = conserved and sum(got.values()) == p.pool and sum(reference.values()) == p.pool
        del got, reference
    return Result(split_seconds=min(split_times), reference_seconds=min(reference_times), repeats=repeats,
                  identical=identical, conserved=conserved, holders=tuple(holders), records=len(expected))


def report(production: Production, result: Result) -> bool:
    p = production
    print(f"royalty compute (in process, best of {result.repeats} interleaved repetitions)")
    print(f"  graph      {len(p.ids):,} records, {p.edge_count:,} citations, "
          f"{len(p.contributions):,} contributions (weights {min(p.contributions.values()):,}"
          f"..{max(p.contributions.values()):,}), pool {p.pool:,}, upstream {p.upstream_share_bps} bps")
    print(f"  holders    by level {', '.join(f'{n:,}' for n in result.holders)}  "
          f"(deepest level reached: {result.deepest_level}"
          f"{'' if result.reaches_last_level else f', not {MAX_DEPTH}: the graph proves too little'})")
    print(f"  result     {result.records:,} (record, via) amounts; identical to the reference: "
          f"{'yes' if result.identical else 'NO'}; sum == pool: {'yes' if result.conserved else 'NO'}")
    print(f"  reference  {result.reference_seconds:7.3f} s  (plain implementation of the same rules)")
    print(f"  split      {result.split_seconds:7.3f} s  issue's figure <= {ISSUE_SECONDS:.1f} s on its machine: "
          f"{'within' if result.split_seconds <= ISSUE_SECONDS else 'over'} (report)")
    print(f"  ratio      {result.ratio:7.3f}    budget <= {MAX_RATIO}  {'PASS' if result.passed else 'FAIL'}")
    return result.passed


def run(runs: int = 9) -> bool:
    production = generate()
    return report(production, measure(production, repeats=max(runs, MIN_REPEATS)))


if __name__ == "__main__":
    sys.exit(0 if run() else 1)
