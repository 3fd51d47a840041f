"""PynamoDB models of the payment proposals' items, in the main table (bound with the others:
they share `MainTableModel.Meta`). Key layout:

    pk                  sk                                  item
    PRODUCTION#<id>     PROPOSAL#DOC#<version>#<chunk>      what a revision froze and how it splits
    PRODUCTION#<id>     PROPOSAL#GRANT#<record id>          a record owner's commercial grant
    PRODUCTION#<id>     PROPOSAL#HEAD                       the proposal: revision, window, counts
    PRODUCTION#<id>     PROPOSAL#OBJ#<objection id>         one objection (ids sort by time)
    FROZEN#<bucket>     <production id>#<version>           records of that revision's frozen lineage
                                                            that hash to the bucket, with their licences

DOC, GRANT and HEAD sort together, so GET /productions/{id}/proposal reads them in one Query
(objections sort after them and are paged on their own). `<version>` is the production's
contribution-list version of that revision (a fresh one per revision).
"""
from __future__ import annotations

from pynamodb.attributes import BinaryAttribute, NumberAttribute, UnicodeAttribute

from chalicelib.storage.models import MainTableModel

DOC, GRANT, HEAD, OBJECTION = "PROPOSAL#DOC#", "PROPOSAL#GRANT#", "PROPOSAL#HEAD", "PROPOSAL#OBJ#"


def production_pk(production_id: str) -> str:
    return f"PRODUCTION#{production_id}"


class ProposalHeadItem(MainTableModel):
    """The proposal of a production: which revision, its window, its objection counts and how many
    grants it still misses. Every proposal write is conditioned on it (status and revision)."""

    status = UnicodeAttribute()  # freezing | proposed | released
    revision = NumberAttribute()
    version = NumberAttribute()  # the contribution-list version the revision froze
    opened_at = UnicodeAttribute(null=True)  # the three are absent while freezing
    revised_at = UnicodeAttribute(null=True)
    closes_at = UnicodeAttribute(null=True)
    objections_open = NumberAttribute(default=0)
    objections_answered = NumberAttribute(default=0)
    missing_grants = NumberAttribute(default=0)
    grant_seq = NumberAttribute(default=0)  # moves with every grant and withdrawal

    @staticmethod
    def key(production_id: str) -> tuple[str, str]:
        return production_pk(production_id), HEAD


class ProposalDocItem(MainTableModel):
    """One chunk of a revision's frozen proposal (`domain.proposals.Frozen`, zlib-compressed JSON)."""

    doc = BinaryAttribute(legacy_encoding=False)

    @staticmethod
    def key(production_id: str, version: int, chunk: int) -> tuple[str, str]:
        return production_pk(production_id), f"{ProposalDocItem.prefix(version)}{chunk:04d}"

    @staticmethod
    def prefix(version: int) -> str:
        return f"{DOC}{version:012d}#"


class GrantItem(MainTableModel):
    record_id = UnicodeAttribute()
    production_id = UnicodeAttribute()
    owner_id = UnicodeAttribute()
    granted_at = UnicodeAttribute()

    @staticmethod
    def key(production_id: str, record_id: str) -> tuple[str, str]:
        return production_pk(production_id), f"{GRANT}{record_id}"


class ObjectionItem(MainTableModel):
    objection_id = UnicodeAttribute()
    production_id = UnicodeAttribute()
    kind = UnicodeAttribute()
    record_id = UnicodeAttribute(null=True)
    body = UnicodeAttribute()
    author_id = UnicodeAttribute()
    author_handle = UnicodeAttribute()
    created_at = UnicodeAttribute()
    revision = NumberAttribute()
    decision = UnicodeAttribute(null=True)
    answer = UnicodeAttribute(null=True)
    answered_at = UnicodeAttribute(null=True)

    @staticmethod
    def key(production_id: str, objection_id: str) -> tuple[str, str]:
        return production_pk(production_id), f"{OBJECTION}{objection_id}"


class FrozenIndexItem(MainTableModel):
    """`FROZEN#<bucket>` / `<production id>#<version>`: which records of that frozen lineage hash to
    the bucket, as JSON `{"<record id>": "<licence>"}`. A licence change asks its record's bucket
    which proposed or released productions froze it (a filtered Query of one partition)."""

    production_id = UnicodeAttribute()
    version = NumberAttribute()
    records = UnicodeAttribute()

    @staticmethod
    def key(bucket: int, production_id: str, version: int) -> tuple[str, str]:
        return FrozenIndexItem.partition(bucket), f"{production_id}#{version}"

    @staticmethod
    def partition(bucket: int) -> str:
        return f"FROZEN#{bucket:03d}"


PROPOSAL_MODELS = (ProposalHeadItem, ProposalDocItem, GrantItem, ObjectionItem, FrozenIndexItem)
