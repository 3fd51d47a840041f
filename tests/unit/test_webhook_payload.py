"""Store bodies: a UTF-8 JSON object, at most 64 levels deep, with unique keys and finite numbers."""
from __future__ import annotations

from decimal import Decimal

import pytest

from chalicelib.errors import BadRequest
from chalicelib.webhooks.payload import load, text


def nested(levels: int) -> bytes:
    """An object `levels` deep: the top-level object and `levels - 1` arrays inside it."""
    return b'{"x": ' + b"[" * (levels - 1) + b"]" * (levels - 1) + b"}"


def test_a_body_may_nest_64_levels_but_not_65():
    assert load(nested(64))

    with pytest.raises(BadRequest, match="deeper than 64"):
        load(nested(65))


def test_brackets_inside_strings_are_no_levels():
    body = b'{"x": "' + b"[{" * 10_000 + b'\\"' + b"[" * 100 + b'\\\\", "y": ["]"]}'

    assert load(body)["y"] == ["]"]


@pytest.mark.parametrize("body, says", [
    (b"[" * 100_000 + b"]" * 100_000, "deeper than 64"),  # once a RecursionError: a 500
    (b'{"x": "\xff"}', "not UTF-8"), (b'{"x": "\xed\xa0\x80"}', "not UTF-8"),
    ('{"x": 1}'.encode("utf-16"), "not UTF-8"), (b'\xef\xbb\xbf{"x": 1}', "not valid JSON"),
    (b"[]", "not a JSON object"), (b'"x"', "not a JSON object"), (b"1", "not a JSON object"), (b"null", "not a JSON object"),
    (b'{"id": 1, "id": 2}', 'the key "id" appears twice'), (b'{"a": {"b": 1, "b": 1}}', 'the key "b" appears twice'),
    (b'{"x": NaN}', "NaN is not a JSON number"), (b'{"x": Infinity}', "Infinity"), (b'{"x": -Infinity}', "-Infinity"),
    (b'{"x": 1e400}', "beyond the range of a double"), (b'{"x": -1.5e309}', "beyond the range of a double"),
    (b'{"x": ' + b"9" * 101 + b"}", "more than 100 digits"), (b"", "not valid JSON"), (b"{} x", "not valid JSON"),
    (b'"\\' * 500_000, "not valid JSON"),  # an unterminated string of escapes: scanned in linear time
])
def test_a_body_that_is_no_plain_json_object_is_refused(body, says):
    with pytest.raises(BadRequest, match=says):
        load(body)


def test_numbers_with_a_fraction_stay_exact_and_integers_stay_integers():
    payload = load(b'{"a": 19.99, "b": 1e308, "c": 1e-400, "d": 7, "e": ' + b"9" * 100 + b"}")

    assert payload == {"a": Decimal("19.99"), "b": Decimal("1e308"), "c": Decimal("1e-400"), "d": 7, "e": int("9" * 100)}
    assert type(payload["d"]) is int


@pytest.mark.parametrize("value", ["", "x" * 256, "evt\n1", "evt\x7f", "evt\x85", "evt\ud800", 42, None, True, ["evt"]])
def test_an_id_is_text_without_control_characters_or_lone_surrogates(value):
    with pytest.raises(ValueError):
        text(value)


def test_an_id_may_be_any_other_text():
    assert text("prod_Ünïcødé ☃") == "prod_Ünïcødé ☃"
