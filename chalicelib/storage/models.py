"""PynamoDB models of the main table's items (see `definitions.MAIN_TABLE` for the layout).

Table name and region are bound from settings by `connection.bind_models` before first use,
never read at import time.
"""
from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from chalicelib.storage.definitions import MAIN_TABLE


class MainTableModel(Model):
    """Base of every item in the main table: the generic keys of the single-table design."""

    class Meta:
        table_name = None  # bound from settings
        region = None

    pk = UnicodeAttribute(hash_key=True, attr_name=MAIN_TABLE.hash_key)
    sk = UnicodeAttribute(range_key=True, attr_name=MAIN_TABLE.range_key)


class MemberItem(MainTableModel):
    """`MEMBER#<handle>` / `PROFILE`: the public profile, read by handle in one GetItem."""

    SK = "PROFILE"

    member_id = UnicodeAttribute()
    sub = UnicodeAttribute()
    handle = UnicodeAttribute()
    display_name = UnicodeAttribute()
    bio = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    record_count = NumberAttribute(default=0)
    heart_count_received = NumberAttribute(default=0)

    @staticmethod
    def key(handle: str) -> tuple[str, str]:
        return f"MEMBER#{handle}", MemberItem.SK


class IdentityItem(MainTableModel):
    """`IDENTITY#<sub>` / `IDENTITY`: one per identity; its existence means "registered"."""

    SK = "IDENTITY"

    member_id = UnicodeAttribute()
    handle = UnicodeAttribute()
    created_at = UnicodeAttribute()

    @staticmethod
    def key(sub: str) -> tuple[str, str]:
        return f"IDENTITY#{sub}", IdentityItem.SK


ALL_MODELS: tuple[type[MainTableModel], ...] = (MainTableModel, MemberItem, IdentityItem)
