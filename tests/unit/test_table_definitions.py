"""The PynamoDB models and the table definition (used by bootstrap and CDK) agree."""
from __future__ import annotations

import pytest

from chalicelib.storage.definitions import MAIN_TABLE
from chalicelib.storage.models import ALL_MODELS


@pytest.mark.parametrize("model", ALL_MODELS, ids=lambda m: m.__name__)
def test_every_model_uses_the_main_tables_keys_and_indexes(model):
    schema = model._get_schema()
    keys = {k["KeyType"]: k["AttributeName"] for k in schema["key_schema"]}
    defined = {i.name: (i.hash_key, i.range_key) for i in MAIN_TABLE.indexes}

    assert keys == {"HASH": MAIN_TABLE.hash_key, "RANGE": MAIN_TABLE.range_key}
    for index in schema.get("global_secondary_indexes", []):
        index_keys = {k["KeyType"]: k["AttributeName"] for k in index["key_schema"]}
        assert defined[index["index_name"]] == (index_keys["HASH"], index_keys["RANGE"])


def test_every_key_attribute_is_a_string():
    for model in ALL_MODELS:
        for definition in model._get_schema()["attribute_definitions"]:
            assert definition["AttributeType"] == "S", (model.__name__, definition)
