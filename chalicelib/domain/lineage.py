"""Remix lineage: the rules for citing sources, cycle detection and tree walks. No storage here:
walks take a `fetch(ids) -> {id: Record}` that reads one level in one batch."""
from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from chalicelib.domain.licences import DEFAULT_LICENCE, first_breach
from chalicelib.domain.records import READY, REMOVED, Record
from chalicelib.errors import FieldError, NotFound, RuleViolation

MAX_SOURCES = 50
MAX_DEPTH = 10
DEFAULT_DEPTH = 3
# Direct remixes remembered on a source record for descendant walks (one batch per level).
# GET /records/{id}/remixes pages through all of them.
REMIX_IDS_CAP = 100
MAX_LINEAGE_NODES = 1000

Fetch = Callable[[Iterable[str]], dict[str, Record]]


def check_sources(remix_id: str, remix_licence: str, source_ids: list[str], found: dict[str, Record]) -> None:
    """The contract's source rules, after duplicates and counts were refused as bad input.
    `source_ids` in the request's order: a licence rule names the first source that breaks it,
    and its field (`sources.<n>.record_id`) its place in the request."""
    missing = [s for s in source_ids if s not in found]
    if missing:
        raise NotFound(f"No record has the id '{missing[0]}'.")
    if remix_id in source_ids:
        raise RuleViolation("A record cannot be its own source.")
    for source_id in source_ids:
        source = found[source_id]
        if source.status != READY:
            raise RuleViolation(f"Source '{source_id}' is {source.status}; only ready records can be remixed.")
        if source.is_hidden:
            raise RuleViolation(f"Source '{source_id}' is hidden by moderation; it cannot be cited.")
    breach = first_breach(remix_licence, [(s, found[s].licence) for s in source_ids])
    if breach:  # before "not remixable": a no-derivatives source is never remixable, the rule says why
        raise RuleViolation(
            f"This record ({remix_licence}) cannot cite '{breach.source_id}': {breach.message}.",
            errors=[FieldError(f"sources.{breach.position}.record_id", breach.message)],
            extensions={"rule": breach.rule, "source_id": breach.source_id})
    for source_id in source_ids:
        if not found[source_id].remixable:
            raise RuleViolation(f"Source '{source_id}' is not remixable: its owner does not allow remixes.")


def find_cycle(remix_id: str, new_source_ids: list[str], fetch: Fetch) -> list[str] | None:
    """The loop that citing `new_source_ids` from `remix_id` would close, as ids from the remix
    back to itself (each builds on the next), or None. Walks every ancestor, one batch a level."""
    parent: dict[str, str] = {s: remix_id for s in new_source_ids}
    level = list(dict.fromkeys(new_source_ids))
    seen = set(level)
    while level:
        if remix_id in seen:
            break
        records = fetch(level)
        next_level = []
        for record_id in level:
            for source_id in records[record_id].sources if record_id in records else ():
                if source_id not in seen:
                    seen.add(source_id)
                    parent[source_id] = record_id
                    next_level.append(source_id)
        level = next_level
    if remix_id not in seen:
        return None
    # parent[x] cites x; following it from the remix (found among its own ancestors) leads
    # back through the new source to the remix: reversed, it reads "builds on".
    chain = [remix_id]
    node = parent[remix_id]
    while node != remix_id:
        chain.append(node)
        node = parent[node]
    chain.append(remix_id)
    return chain[::-1]


@dataclass(frozen=True)
class Lineage:
    nodes: list[Record]
    edges: list[tuple[str, str]]  # (source, remix)
    truncated: bool


def walk(start: Record, direction: str, depth: int, fetch: Fetch) -> Lineage:
    """Ancestors (sources of sources...) or descendants (remixes of remixes...) up to `depth`
    levels, one `fetch` per level. Only ready and removed records appear besides the start."""
    nodes = {start.id: start}
    edges: list[tuple[str, str]] = []
    level = [start]
    truncated = False
    for _ in range(depth):
        links = [(record, linked) for record in level for linked in _linked(record, direction)]
        wanted = [linked for _, linked in links if linked not in nodes]
        if len(nodes) + len(set(wanted)) > MAX_LINEAGE_NODES:
            truncated = True
            break
        fetched = fetch(list(dict.fromkeys(wanted))) if wanted else {}
        level = []
        for record, linked in links:
            other = nodes.get(linked) or fetched.get(linked)
            if other is None or other.status not in (READY, REMOVED):
                continue
            if linked not in nodes:
                nodes[linked] = other
                level.append(other)
            edges.append((linked, record.id) if direction == "ancestors" else (record.id, linked))
        if not level:
            break
    return Lineage(nodes=list(nodes.values()), edges=list(dict.fromkeys(edges)), truncated=truncated)


def _linked(record: Record, direction: str) -> tuple[str, ...]:
    return record.sources if direction == "ancestors" else record.remix_ids


class FrozenNode(NamedTuple):
    """A record as a released production pays through it: who owns it and what it cites.

    A named tuple rather than a frozen dataclass: a royalty run builds one per record of a
    lineage (10^5 of them) from the stored snapshot, and a frozen dataclass costs several times
    as much to build."""

    id: str
    owner_id: str
    owner_handle: str
    title: str
    sources: tuple[str, ...]
    licence: str = DEFAULT_LICENCE  # as frozen: grants, credits and proposals are judged on it


@dataclass(frozen=True)
class FrozenColumns:
    """A frozen lineage as its snapshot stores it: one list per field, a record's fields at the
    same index of each. A royalty run reads every record's sources (10^5 records at scale) but
    names only the records it credits, so it builds no `FrozenNode` per record."""

    ids: list[str]
    owner_ids: list[str]
    owner_handles: list[str]
    titles: list[str]
    sources: list[Sequence[str]]

    def sources_by_id(self) -> dict[str, Sequence[str]]:
        return dict(zip(self.ids, self.sources))

    def index(self, of: Collection[str]) -> dict[str, int]:
        """The index in the columns of each record of `of` (a set, or a dict's keys) that is there."""
        return {record_id: at for at, record_id in enumerate(self.ids) if record_id in of}


class LineageTooLarge(Exception):
    """The lineage holds more records than the caller would read (`freeze_ancestors(most=)`)."""


def freeze_ancestors(record_ids: Iterable[str], fetch: Fetch, depth: int,
                     most: int | None = None) -> dict[str, FrozenNode]:
    """The records `record_ids` build on, up to `depth` levels, with their sources as they are
    now: one `fetch` per level (of `Record`s or `FrozenNode`s: only their shared fields are read).
    Breadth first, so a record is met at its shortest distance; the sources of one met at `depth`
    are not fetched (it never passes anything on), so sources outside the frozen set are left out.
    With `most`, LineageTooLarge as soon as more than that many records are to be read."""
    records: dict[str, Record] = {}
    level = list(dict.fromkeys(record_ids))
    seen = set(level)
    for distance in range(depth + 1):
        if not level:
            break
        if most is not None and len(seen) > most:
            raise LineageTooLarge(f"more than {most} records")
        fetched = fetch(level)
        next_level = []
        for record_id in level:
            record = fetched.get(record_id)
            if record is None:
                continue
            records[record_id] = record
            if distance < depth:
                for source_id in record.sources:
                    if source_id not in seen:
                        seen.add(source_id)
                        next_level.append(source_id)
        level = next_level
    return {
        record_id: FrozenNode(record_id, r.owner_id, r.owner_handle, r.title,
                              tuple(s for s in r.sources if s in records), r.licence)
        for record_id, r in records.items()
    }
