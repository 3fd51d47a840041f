"""Licences: the table, the citation rules on every pair and on mixes, and which changes grant
at least as much. The expected answers are written out from the contract's rules, not computed."""
from __future__ import annotations

import pytest

from chalicelib.domain.licences import LICENCE_IDS, LICENCES, first_breach, grants_at_least

OK = None
ND, SA, NC, ATTR, RMX = "no_derivatives", "share_alike", "non_commercial", "attribution", "remixery"

# EXPECTED[source licence][remix licence]: the rule a remix under the column's licence breaks
# when it cites one source under the row's licence.
REMIX_LICENCES = ("remixery", "cc0", "cc-by", "cc-by-sa", "cc-by-nc", "cc-by-nc-sa", "cc-by-nd", "cc-by-nc-nd")
EXPECTED = {
    #              remixery  cc0   cc-by  cc-by-sa cc-by-nc cc-by-nc-sa cc-by-nd cc-by-nc-nd
    "remixery":    (OK,      NC,   NC,    NC,      RMX,     RMX,        NC,      RMX),
    "cc0":         (OK,      OK,   OK,    OK,      OK,      OK,         OK,      OK),
    "cc-by":       (OK,      ATTR, OK,    OK,      OK,      OK,         OK,      OK),
    "cc-by-sa":    (SA,      SA,   SA,    OK,      SA,      SA,         SA,      SA),
    "cc-by-nc":    (OK,      NC,   NC,    NC,      OK,      OK,         NC,      OK),
    "cc-by-nc-sa": (SA,      SA,   SA,    SA,      SA,      OK,         SA,      SA),
    "cc-by-nd":    (ND,      ND,   ND,    ND,      ND,      ND,         ND,      ND),
    "cc-by-nc-nd": (ND,      ND,   ND,    ND,      ND,      ND,         ND,      ND),
}
PAIRS = [(source, remix, EXPECTED[source][n]) for source in EXPECTED for n, remix in enumerate(REMIX_LICENCES)]


def test_the_table_holds_the_eight_licences_of_the_contract_with_their_flags_and_deeds():
    rows = {(lic.id, lic.name, lic.url, lic.derivatives, lic.share_alike, lic.non_commercial, lic.attribution)
            for lic in LICENCES.values()}
    assert rows == {
        ("remixery", "Remixery community licence", "https://remixery.org/licence", True, False, True, True),
        ("cc0", "CC0 1.0", "https://creativecommons.org/publicdomain/zero/1.0/", True, False, False, False),
        ("cc-by", "CC BY 4.0", "https://creativecommons.org/licenses/by/4.0/", True, False, False, True),
        ("cc-by-sa", "CC BY-SA 4.0", "https://creativecommons.org/licenses/by-sa/4.0/", True, True, False, True),
        ("cc-by-nc", "CC BY-NC 4.0", "https://creativecommons.org/licenses/by-nc/4.0/", True, False, True, True),
        ("cc-by-nc-sa", "CC BY-NC-SA 4.0", "https://creativecommons.org/licenses/by-nc-sa/4.0/", True, True, True, True),
        ("cc-by-nd", "CC BY-ND 4.0", "https://creativecommons.org/licenses/by-nd/4.0/", False, False, False, True),
        ("cc-by-nc-nd", "CC BY-NC-ND 4.0", "https://creativecommons.org/licenses/by-nc-nd/4.0/", False, False, True,
         True),
    }
    assert set(REMIX_LICENCES) == set(LICENCE_IDS) == set(EXPECTED)


@pytest.mark.parametrize("source, remix, rule", PAIRS, ids=[f"{s}->{r}" for s, r, _ in PAIRS])
def test_a_remix_citing_one_source_breaks_the_rule_the_contract_names_for_the_pair(source, remix, rule):
    breach = first_breach(remix, [("S", source)])

    assert (breach and (breach.rule, breach.source_id, breach.position)) == (rule and (rule, "S", 0))


MIXES = [
    # (remix licence, sources in the request's order, expected (rule, source id) or None)
    ("cc-by-sa", [("A", "cc-by-sa"), ("B", "cc-by-nc-sa"), ("C", "cc-by")], ("share_alike", "B")),
    ("cc-by-nc-sa", [("A", "cc0"), ("B", "cc-by-sa"), ("C", "cc-by-nc-sa")], ("share_alike", "B")),
    ("cc-by", [("A", "cc-by"), ("B", "cc-by-nc"), ("C", "cc0")], ("non_commercial", "B")),
    # rules come first, sources second: the later no-derivatives source is named before the earlier NC one
    ("cc-by", [("A", "cc-by-nc"), ("B", "cc-by-nd"), ("C", "cc-by")], ("no_derivatives", "B")),
    ("cc0", [("A", "cc0"), ("B", "cc-by"), ("C", "cc-by-sa")], ("share_alike", "C")),
    ("cc-by-nc", [("A", "cc-by"), ("B", "cc0"), ("C", "remixery")], ("remixery", "C")),
    ("remixery", [("A", "remixery"), ("B", "cc-by-nc"), ("C", "cc-by")], None),
    ("cc-by-nc-nd", [("A", "cc-by-nc"), ("B", "cc-by"), ("C", "cc0")], None),
]


@pytest.mark.parametrize("remix, sources, expected", MIXES)
def test_three_sources_name_the_first_rule_broken_and_the_first_source_breaking_it(remix, sources, expected):
    breach = first_breach(remix, sources)

    assert (breach and (breach.rule, breach.source_id)) == expected
    if breach:
        assert sources[breach.position][0] == breach.source_id


GRANTS = [
    ("remixery", "cc-by-nc", True), ("remixery", "cc-by", True), ("remixery", "cc0", True),
    ("remixery", "cc-by-nc-sa", False), ("remixery", "cc-by-sa", False), ("remixery", "cc-by-nc-nd", False),
    ("cc-by-nc", "remixery", False), ("cc0", "remixery", False), ("cc-by-nc-nd", "remixery", False),
    ("cc-by", "cc0", True), ("cc-by", "cc-by-nc", False), ("cc-by", "cc-by-sa", False), ("cc-by", "cc-by-nd", False),
    ("cc-by-nc-sa", "cc-by-sa", True), ("cc-by-nc-sa", "cc-by-nc", True), ("cc-by-nc-sa", "cc-by", True),
    ("cc-by-sa", "cc-by-nc-sa", False), ("cc-by-nd", "cc-by", True), ("cc-by-nd", "cc-by-nc", False),
    ("cc-by-nc-nd", "cc-by-nc", True), ("cc-by-nc-nd", "cc-by-nd", True), ("cc0", "cc-by", False),
]


@pytest.mark.parametrize("old, new, granted", GRANTS, ids=[f"{o}->{n}" for o, n, _ in GRANTS])
def test_a_change_grants_at_least_as_much_only_when_it_forbids_and_asks_no_more(old, new, granted):
    assert grants_at_least(new, old) is granted


@pytest.mark.parametrize("licence", LICENCE_IDS)
def test_keeping_a_licence_grants_as_much(licence):
    assert grants_at_least(licence, licence)
