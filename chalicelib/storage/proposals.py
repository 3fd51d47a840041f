"""Payment proposals: a production's proposal head, the frozen document of each revision, objections,
commercial grants, and the index that tells which frozen lineages hold a record.

Every change of a proposal (opening, a revision, an objection, an answer, a grant, a withdrawal,
the release) is one transaction conditioned on the head's status and revision (and what else it
read): of two that race, the loser's condition fails and it changes nothing (409). Opening and
revising also move the lineage version (`META#LINEAGE`), so they are ordered with every licence
change and every source added: a licence change either happened before the freeze read it, or
sees the frozen lineage that holds its record.

Large pieces (the frozen document, the lineage snapshot, the contribution list, the index) are
written before the transaction under keys of a fresh contribution-list version, which only the
transaction makes current: a reader never sees half of a revision, and a racer that loses leaves
only unreferenced items behind.
"""
from __future__ import annotations

import json
import zlib

from pynamodb.exceptions import DoesNotExist, TransactWriteError

from chalicelib.config import Settings
from chalicelib.domain.production_names import DRAFT, PROPOSED, RELEASED
from chalicelib.domain.proposals import FREEZING, FROZEN_BUCKETS, Frozen, Grant, Objection, ProposalHead, bucket_of
from chalicelib.domain.productions import Production
from chalicelib.errors import Conflict
from chalicelib.storage.connection import bind_models, condition_failed, write_transaction
from chalicelib.storage.models import LineageVersionItem, ProductionItem
from chalicelib.storage.proposal_items import (
    DOC, GRANT, HEAD, OBJECTION, FrozenIndexItem, GrantItem, ObjectionItem, ProposalDocItem, ProposalHeadItem,
    production_pk,
)

DOC_CHUNK_BYTES = 350_000  # compressed bytes per document item, below DynamoDB's 400 KB
PROPOSED_LIST = "PROPOSED"
RELEASED_LIST = "RELEASED"


class LineageMoved(Exception):
    """The lineage version moved since the freeze read it: freeze again."""


class ProposalRepository:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        bind_models(settings)

    # --- reads ---------------------------------------------------------------------------

    def head(self, production_id: str) -> ProposalHead | None:
        try:
            return _head(ProposalHeadItem.get(*ProposalHeadItem.key(production_id), consistent_read=True))
        except DoesNotExist:
            return None

    def read(self, production: Production) -> tuple[ProposalHead, Frozen, dict[str, str]] | None:
        """The head, the current revision's frozen document and the grants, in one Query (their
        keys sort together: DOC of this version and later, GRANT, HEAD). None while the
        production has no proposal, or when a revision moved it on meanwhile (read it again)."""
        head, chunks, grants = None, {}, {}
        for item in _raw_query(production_pk(production.id),
                               ProposalHeadItem.sk.between(ProposalDocItem.prefix(production.contributions_version), HEAD)):
            sk = item["sk"]["S"]
            if sk == HEAD:
                head = _head(ProposalHeadItem.from_raw_data(item))
            elif sk.startswith(GRANT):
                grant = GrantItem.from_raw_data(item)
                grants[grant.record_id] = grant.granted_at
            elif sk.startswith(DOC):
                chunks[sk] = item["doc"]["B"]
        if head is None:
            return None
        prefix = ProposalDocItem.prefix(head.version)
        parts = [chunks[sk] for sk in sorted(chunks) if sk.startswith(prefix)]
        if not parts:
            return None
        return head, Frozen.from_json(json.loads(zlib.decompress(b"".join(parts)))), grants

    def grants(self, production_id: str) -> dict[str, str]:
        items = GrantItem.query(production_pk(production_id), GrantItem.sk.startswith(GRANT), consistent_read=True)
        return {i.record_id: i.granted_at for i in items}

    def grant_of(self, production_id: str, record_id: str) -> Grant | None:
        try:
            item = GrantItem.get(*GrantItem.key(production_id, record_id), consistent_read=True)
        except DoesNotExist:
            return None
        return Grant(item.record_id, item.production_id, item.owner_id, item.granted_at)

    def frozen_licence(self, production_id: str, version: int, record_id: str) -> str | None:
        """The licence `record_id` was frozen with in that revision's lineage; None if it is not in it."""
        try:
            item = FrozenIndexItem.get(*FrozenIndexItem.key(bucket_of(record_id), production_id, version),
                                       consistent_read=True)
        except DoesNotExist:
            return None
        return json.loads(item.records).get(record_id)

    def frozen_in(self, record_id: str) -> list[tuple[str, int]]:
        """(production id, version) of every frozen lineage that holds `record_id`, current or
        not: the caller keeps those that are the current revision of a proposed or released
        production. One Query of the record's bucket, filtered on its id."""
        items = FrozenIndexItem.query(FrozenIndexItem.partition(bucket_of(record_id)),
                                      filter_condition=FrozenIndexItem.records.contains(json.dumps(record_id)),
                                      consistent_read=True)
        return [(i.production_id, int(i.version)) for i in items if record_id in json.loads(i.records)]

    def objection(self, production_id: str, objection_id: str) -> Objection | None:
        try:
            return _objection(ObjectionItem.get(*ObjectionItem.key(production_id, objection_id), consistent_read=True))
        except DoesNotExist:
            return None

    def objections(self, production_id: str, limit: int, after: str | None) -> tuple[list[Objection], str | None]:
        """Oldest first (ids sort by creation time)."""
        condition = (ObjectionItem.sk > f"{OBJECTION}{after}") if after else ObjectionItem.sk.startswith(OBJECTION)
        items = list(ObjectionItem.query(production_pk(production_id), condition, limit=limit + 1,
                                         page_size=limit + 1, consistent_read=True))
        items = [i for i in items if i.sk.startswith(OBJECTION)]
        page = items[:limit]
        return [_objection(i) for i in page], (page[-1].objection_id if len(items) > limit else None)

    # --- what a revision freezes, written before it is made current ------------------------

    def save_frozen(self, production_id: str, version: int, frozen: Frozen, licences: dict[str, str]) -> None:
        """The revision's document (compressed, chunked) and its index entries, bucket by bucket."""
        packed = zlib.compress(json.dumps(frozen.to_json(), separators=(",", ":")).encode(), 6)
        buckets: dict[int, dict[str, str]] = {}
        for record_id, licence in licences.items():
            buckets.setdefault(bucket_of(record_id), {})[record_id] = licence
        with ProposalDocItem.batch_write() as batch:
            for number, start in enumerate(range(0, max(len(packed), 1), DOC_CHUNK_BYTES)):
                batch.save(ProposalDocItem(*ProposalDocItem.key(production_id, version, number),
                                           doc=packed[start:start + DOC_CHUNK_BYTES]))
            for bucket, records in buckets.items():
                batch.save(FrozenIndexItem(*FrozenIndexItem.key(bucket, production_id, version),
                                           production_id=production_id, version=version,
                                           records=json.dumps(records, separators=(",", ":"))))
        assert len(buckets) <= FROZEN_BUCKETS

    # --- the conditioned writes ----------------------------------------------------------

    def begin(self, production: Production, head: ProposalHead, at: str) -> None:
        """A draft's proposal asked for: the head `freezing`, the draft marked so that nothing
        edits it until the freeze opens the proposal (or gives the draft back). Conflict: the
        production changed (its proposal asked for already, proposed, released, another list)."""

        def fill(tx) -> None:
            tx.update(ProductionItem(*ProductionItem.key(production.id)),
                      actions=[ProductionItem.freezing_since.set(at)],
                      condition=(ProductionItem.status == DRAFT) & ProductionItem.freezing_since.does_not_exist()
                      & (ProductionItem.contributions_version == production.contributions_version))
            tx.save(_head_item(head), condition=ProposalHeadItem.pk.does_not_exist())

        self._write(fill, "The production changed meanwhile (its proposal asked for, or edited); read it again.")

    def abandon(self, production_id: str) -> None:
        """A freeze that could not be made: the draft is given back as it was, without a proposal."""

        def fill(tx) -> None:
            tx.delete(ProposalHeadItem(*ProposalHeadItem.key(production_id)),
                      condition=ProposalHeadItem.status == FREEZING)
            tx.update(ProductionItem(*ProductionItem.key(production_id)),
                      actions=[ProductionItem.freezing_since.remove()], condition=ProductionItem.status == DRAFT)

        self._write(fill, "The proposal was opened meanwhile.")

    def open(self, production: Production, version: int, count: int, head: ProposalHead, lineage_version: int) -> None:
        """Freezing draft -> proposed, revision 1 current. Conflict: the production changed
        (another delivery of the freeze opened it, or gave it back); LineageMoved: freeze again."""

        def fill(tx) -> None:
            _bump_lineage_version(tx, lineage_version)
            tx.update(ProductionItem(*ProductionItem.key(production.id)), actions=[
                ProductionItem.status.set(PROPOSED), ProductionItem.contributions_version.set(version),
                ProductionItem.contribution_count.set(count), ProductionItem.updated_at.set(head.revised_at),
                ProductionItem.gsi1pk.set(PROPOSED_LIST), ProductionItem.gsi1sk.set(f"{head.opened_at}#{production.id}"),
                ProductionItem.freezing_since.remove(),
            ], condition=(ProductionItem.status == DRAFT) & ProductionItem.freezing_since.exists()
                & (ProductionItem.contributions_version == production.contributions_version))
            tx.save(_head_item(head), condition=ProposalHeadItem.status == FREEZING)

        self._write(fill, "The production changed meanwhile (opened by another freeze, or given back); read it again.")

    def revise(self, production: Production, version: int, count: int, before: ProposalHead, after: ProposalHead,
               shares: tuple[int, int], lineage_version: int) -> None:
        """A new revision current: its contributions, shares and frozen lineage. Conflict: the
        production or its proposal changed (another revision, a grant, a withdrawal, the release)."""

        def fill(tx) -> None:
            _bump_lineage_version(tx, lineage_version)
            tx.update(ProductionItem(*ProductionItem.key(production.id)), actions=[
                ProductionItem.contributions_version.set(version), ProductionItem.contribution_count.set(count),
                ProductionItem.contributor_share_bps.set(shares[0]), ProductionItem.upstream_share_bps.set(shares[1]),
                ProductionItem.updated_at.set(after.revised_at),
            ], condition=(ProductionItem.status == PROPOSED)
                & (ProductionItem.contributions_version == production.contributions_version))
            tx.update(ProposalHeadItem(*ProposalHeadItem.key(production.id)), actions=[
                ProposalHeadItem.revision.set(after.revision), ProposalHeadItem.version.set(version),
                ProposalHeadItem.revised_at.set(after.revised_at), ProposalHeadItem.closes_at.set(after.closes_at),
                ProposalHeadItem.missing_grants.set(after.missing_grants),
            ], condition=_is(before) & (ProposalHeadItem.grant_seq == before.grant_seq))

        self._write(fill, "The proposal changed meanwhile (another revision, a grant or the release); read it again.")

    def release(self, production: Production, head: ProposalHead, now: str) -> Production:
        """Proposed -> released, exactly as the current revision froze it: only if the window has
        closed, nothing is unanswered and no grant is missing."""

        def fill(tx) -> None:
            tx.update(ProductionItem(*ProductionItem.key(production.id)), actions=[
                ProductionItem.status.set(RELEASED), ProductionItem.released_at.set(now),
                ProductionItem.updated_at.set(now), ProductionItem.gsi1pk.set(RELEASED_LIST),
                ProductionItem.gsi1sk.set(f"{now}#{production.id}"),
            ], condition=(ProductionItem.status == PROPOSED)
                & (ProductionItem.contributions_version == head.version))
            tx.update(ProposalHeadItem(*ProposalHeadItem.key(production.id)),
                      actions=[ProposalHeadItem.status.set(RELEASED)],
                      condition=_is(head) & (ProposalHeadItem.closes_at <= now)
                      & (ProposalHeadItem.objections_open == 0) & (ProposalHeadItem.missing_grants == 0))

        self._write(fill, "The proposal changed meanwhile; read it again.")
        return production.changed(status=RELEASED, released_at=now, updated_at=now)

    def add_objection(self, head: ProposalHead, objection: Objection, now: str, quota=None) -> None:
        """`quota`: the objector's rate limit, counted in the same transaction (TooManyRequests)."""
        from chalicelib.storage.rate_limits import Charge

        charge = Charge(quota) if quota is not None else None

        def fill(tx) -> None:
            tx.save(_objection_item(objection), condition=ObjectionItem.pk.does_not_exist())
            tx.update(ProposalHeadItem(*ProposalHeadItem.key(head.production_id)),
                      actions=[ProposalHeadItem.objections_open.add(1)],
                      condition=_is(head) & (ProposalHeadItem.closes_at > now))
            if charge is not None:
                charge.add_to(tx)  # the last update (storage.rate_limits)

        if charge is not None:
            try:
                return self._write(fill, "The proposal changed meanwhile (its window closed, a revision or the "
                                         "release); read it again.")
            except Conflict as e:
                charge.raise_if_over(e.__cause__)
                raise
        self._write(fill, "The proposal changed meanwhile (its window closed, a revision or the release); "
                          "read it again.")

    def answer(self, head: ProposalHead, objection: Objection) -> None:
        def fill(tx) -> None:
            tx.update(ObjectionItem(*ObjectionItem.key(head.production_id, objection.id)), actions=[
                ObjectionItem.decision.set(objection.decision), ObjectionItem.answer.set(objection.answer),
                ObjectionItem.answered_at.set(objection.answered_at),
            ], condition=ObjectionItem.pk.exists() & ObjectionItem.decision.does_not_exist())
            tx.update(ProposalHeadItem(*ProposalHeadItem.key(head.production_id)),
                      actions=[ProposalHeadItem.objections_open.add(-1), ProposalHeadItem.objections_answered.add(1)],
                      condition=_is(head))

        self._write(fill, "This objection was answered meanwhile, or the proposal changed; read it again.")

    def grant(self, head: ProposalHead, grant: Grant, counted: bool) -> None:
        """`counted`: the record was missing a grant in the current revision."""

        def fill(tx) -> None:
            tx.save(GrantItem(*GrantItem.key(grant.production_id, grant.record_id), record_id=grant.record_id,
                              production_id=grant.production_id, owner_id=grant.owner_id,
                              granted_at=grant.granted_at), condition=GrantItem.pk.does_not_exist())
            actions = [ProposalHeadItem.grant_seq.add(1)]
            if counted:
                actions.append(ProposalHeadItem.missing_grants.add(-1))
            tx.update(ProposalHeadItem(*ProposalHeadItem.key(head.production_id)), actions=actions,
                      condition=_is(head))

        self._write(fill, "The grant was given meanwhile, or the proposal changed; read it again.")

    def withdraw(self, head: ProposalHead, production_id: str, record_id: str, counted: bool) -> None:
        def fill(tx) -> None:
            tx.delete(GrantItem(*GrantItem.key(production_id, record_id)), condition=GrantItem.pk.exists())
            actions = [ProposalHeadItem.grant_seq.add(1)]
            if counted:
                actions.append(ProposalHeadItem.missing_grants.add(1))
            tx.update(ProposalHeadItem(*ProposalHeadItem.key(head.production_id)), actions=actions,
                      condition=_is(head))

        self._write(fill, "The grant was withdrawn meanwhile, or the proposal changed; read it again.")

    def _write(self, fill, changed: str) -> None:
        try:
            write_transaction(self._settings, fill)
        except TransactWriteError as e:
            moved = _lineage_positions(e)
            if moved and condition_failed(e, *moved):
                raise LineageMoved() from e
            if condition_failed(e):
                raise Conflict(changed) from e
            raise


def _lineage_positions(error: TransactWriteError) -> tuple[int, ...]:
    """Positions of the lineage-version update among a cancelled transaction's items. PynamoDB
    sends a transaction's items grouped by kind, so the reason is found by the item handed back."""
    positions = []
    for n, reason in enumerate(error.cancellation_reasons or []):
        raw = (reason.raw_item or {}) if reason is not None else {}
        if (raw.get("pk") or {}).get("S") == LineageVersionItem.key()[0]:
            positions.append(n)
    return tuple(positions)


def _bump_lineage_version(tx, read: int) -> None:
    from pynamodb.constants import ALL_OLD

    version = LineageVersionItem.version
    condition = (version == read) | version.does_not_exist() if read == 0 else version == read
    tx.update(LineageVersionItem(*LineageVersionItem.key()), actions=[version.add(1)], condition=condition,
              return_values=ALL_OLD)


def _is(head: ProposalHead):
    return (ProposalHeadItem.status == PROPOSED) & (ProposalHeadItem.revision == head.revision)


def _raw_query(partition: str, condition):
    """Every item of a key range as DynamoDB answers it (items of several models), page by page."""
    connection = ProposalHeadItem._get_connection()
    start = None
    while True:
        data = connection.query(partition, range_key_condition=condition, consistent_read=True,
                                exclusive_start_key=start)
        yield from data.get("Items", [])
        start = data.get("LastEvaluatedKey")
        if not start:
            return


def _head(item: ProposalHeadItem) -> ProposalHead:
    production_id = item.pk.removeprefix("PRODUCTION#")
    return ProposalHead(production_id, item.status, int(item.revision), int(item.version), item.opened_at,
                        item.revised_at, item.closes_at, int(item.objections_open or 0),
                        int(item.objections_answered or 0), int(item.missing_grants or 0), int(item.grant_seq or 0))


def _head_item(head: ProposalHead) -> ProposalHeadItem:
    return ProposalHeadItem(*ProposalHeadItem.key(head.production_id), status=head.status, revision=head.revision,
                            version=head.version, opened_at=head.opened_at, revised_at=head.revised_at,
                            closes_at=head.closes_at, objections_open=head.objections_open,
                            objections_answered=head.objections_answered, missing_grants=head.missing_grants,
                            grant_seq=head.grant_seq)


def _objection(item: ObjectionItem) -> Objection:
    return Objection(item.objection_id, item.production_id, item.kind, item.record_id, item.body, item.author_id,
                     item.author_handle, item.created_at, int(item.revision), item.decision, item.answer,
                     item.answered_at)


def _objection_item(o: Objection) -> ObjectionItem:
    return ObjectionItem(*ObjectionItem.key(o.production_id, o.id), objection_id=o.id, production_id=o.production_id,
                         kind=o.kind, record_id=o.record_id, body=o.body, author_id=o.author_id,
                         author_handle=o.author_handle, created_at=o.created_at, revision=o.revision)
