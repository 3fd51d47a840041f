"""What a frozen lineage shows differently today: its hidden records (no title) and the owners
who deleted their profiles (`orphan`). Both are markers in one small partition (`HIDDEN`),
written by the transactions that hide a record or delete a profile, so a split, a proposal or a
credits page of any size asks in one Query."""
from __future__ import annotations

from collections.abc import Iterable

from chalicelib.config import Settings
from chalicelib.storage.connection import bind_models
from chalicelib.storage.models import HIDDEN_PARTITION, MainTableModel


class HiddenRepository:
    def __init__(self, settings: Settings) -> None:
        bind_models(settings)

    def among(self, record_ids: Iterable[str], handles: Iterable[str]) -> tuple[set[str], set[str]]:
        """(which of these records are hidden now, which of these handles are deleted members')."""
        records, members = set(record_ids), set(handles)
        if not records and not members:
            return set(), set()
        hidden, gone = set(), set()
        for item in MainTableModel.query(HIDDEN_PARTITION, consistent_read=True, attributes_to_get=["sk"]):
            kind, _, value = item.sk.partition("#")
            (hidden if kind == "RECORD" else gone).add(value)
        return records & hidden, members & gone
