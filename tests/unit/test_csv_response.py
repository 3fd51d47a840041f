"""Every CSV the API serves is written by `csv_response`: text that begins like a formula is
neutralised (OWASP CSV injection), integers stay numbers."""
from __future__ import annotations

import csv
import io

import pytest

from chalicelib.api.routing import csv_response


@pytest.mark.parametrize("cell, written", [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("\r=1", "'\r=1"),
    ("a=1", "a=1"), ("Tiny Stories", "Tiny Stories"), ("", ""), (-750, "-750"), (0, "0"), (10**12, "1000000000000"),
])
def test_text_that_begins_like_a_formula_is_prefixed_with_a_quote_and_integers_stay_numbers(cell, written):
    reply = csv_response(["cell"], [[cell]])

    assert reply.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert list(csv.reader(io.StringIO(reply.body))) == [["cell"], [written]]
