"""Pure royalty rules (API.md, "Royalties"): net, pool, the contribution and lineage split,
period credits and member statements, to the cent."""
from __future__ import annotations

import random
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.royalties import (
    CONTRIBUTION, LINEAGE, MAX_DEPTH, Statement, Totals, contributor_pool, credits, largest_remainder, settle, split,
)

C, L = CONTRIBUTION, LINEAGE


# --- net and pool ------------------------------------------------------------------------------


def test_net_is_sales_less_refunds_and_disputes_plus_won_disputes_less_costs():
    assert Totals(sales=10_000, refunds=1_000, disputes=500, dispute_reversals=200, costs=3_000).net == 5_700


def test_totals_of_periods_add_up_field_by_field():
    january = Totals(sales=1_000, refunds=10, disputes=20, dispute_reversals=5, costs=100)
    february = Totals(sales=2_000, refunds=1, disputes=2, dispute_reversals=3, costs=4)

    assert january + february == Totals(sales=3_000, refunds=11, disputes=22, dispute_reversals=8, costs=104)
    assert sum([january, february], Totals()) == january + february


def test_the_pool_is_the_floor_of_the_contributor_share_of_the_net():
    assert contributor_pool(1_001, 5_000) == 500
    assert contributor_pool(9_999, 1) == 0
    assert contributor_pool(123_456, 10_000) == 123_456


def test_costs_larger_than_sales_make_an_empty_pool_until_sales_catch_up():
    first = Totals(sales=1_000, costs=1_500)
    second = first + Totals(sales=2_000)

    assert first.net == -500 and contributor_pool(first.net, 5_000) == 0
    assert second.net == 1_500 and contributor_pool(second.net, 5_000) == 750
    owed = split(contributor_pool(second.net, 5_000), {"a": 1, "b": 2}, {}, 2_000)
    assert credits(owed, split(contributor_pool(first.net, 5_000), {"a": 1, "b": 2}, {}, 2_000)) == \
        {("a", C): 250, ("b", C): 500}


@pytest.mark.parametrize("bps", [-1, 10_001])
def test_basis_points_outside_0_to_10000_are_refused(bps):
    with pytest.raises(ValueError):
        contributor_pool(1_000, bps)
    with pytest.raises(ValueError):
        split(1_000, {"a": 1}, {}, bps)


# --- contributions: largest remainder ----------------------------------------------------------


def test_equal_weights_give_the_odd_cents_to_the_smaller_ids():
    # 1001 / 3 = 333 r 2: the two cents left over go to a and b
    assert largest_remainder(1_001, {"c": 1, "b": 1, "a": 1}) == {"a": 334, "b": 334, "c": 333}


def test_a_tie_in_remainder_goes_to_the_larger_weight_before_the_smaller_id():
    # 2 over weights 1 and 3: exact shares 0.5 and 1.5, floors 0 and 1, both remainders 2/4;
    # the one cent left goes to the larger weight although its id is larger.
    assert largest_remainder(2, {"a": 1, "b": 3}) == {"a": 0, "b": 2}


def test_the_larger_remainder_wins_over_weight_and_id():
    # 10 over 3, 7: exact 3.0 and 7.0 -> nothing left; 11 over 3, 7: 3.3 and 7.7 -> b (remainder 7/10)
    assert largest_remainder(10, {"a": 3, "b": 7}) == {"a": 3, "b": 7}
    assert largest_remainder(11, {"a": 3, "b": 7}) == {"a": 3, "b": 8}
    # 4 over 1, 1, 2: exact 1.0, 1.0, 2.0; 5 over them: 1.25, 1.25, 2.5 -> c has the largest remainder
    assert largest_remainder(5, {"a": 1, "b": 1, "c": 2}) == {"a": 1, "b": 1, "c": 3}


def test_ids_compare_by_code_point():
    # "B" (66) sorts before "a" (97)
    assert largest_remainder(1, {"a": 1, "B": 1}) == {"B": 1, "a": 0}


def test_a_pool_of_zero_gives_everyone_zero_and_the_split_is_empty():
    assert largest_remainder(0, {"a": 1, "b": 5}) == {"a": 0, "b": 0}
    assert split(0, {"a": 1, "b": 5}, {"a": ["z"]}, 2_000) == {}


@pytest.mark.parametrize("total, weights", [(-1, {"a": 1}), (10, {"a": 0}), (10, {}), (10, {"a": 1.5})])
def test_a_negative_total_a_weight_below_one_or_nothing_to_split_over_is_refused(total, weights):
    with pytest.raises(ValueError):
        largest_remainder(total, weights)


def test_an_empty_pool_over_no_contributions_is_empty():
    assert largest_remainder(0, {}) == {}


# --- lineage -----------------------------------------------------------------------------------


def test_a_chain_passes_the_upstream_share_level_by_level():
    # C remixes B remixes A; C is the contribution; 20% passes up at each level.
    # C holds 12345: passes floor(2469.0) = 2469, keeps 9876
    # B holds  2469: passes floor(493.8)  =  493, keeps 1976
    # A holds   493: no sources, keeps 493            9876 + 1976 + 493 = 12345
    got = split(12_345, {"C": 1}, {"C": ["B"], "B": ["A"]}, 2_000)

    assert got == {("C", C): 9_876, ("B", L): 1_976, ("A", L): 493}


def test_a_diamond_adds_both_paths_at_one_level_before_passing_on():
    # D cites B and C, both cite A, A cites Z; 20% upstream; pool 150 to D.
    # D keeps 120, passes 30: B 15, C 15.  B and C keep 12 each and pass 3 each.
    # A holds 3 + 3 = 6 at level 2 and passes floor(1.2) = 1 to Z (separately, 3 would pass 0 twice).
    sources = {"D": ["B", "C"], "B": ["A"], "C": ["A"], "A": ["Z"]}

    got = split(150, {"D": 1}, sources, 2_000)

    assert got == {("D", C): 120, ("B", L): 12, ("C", L): 12, ("A", L): 5, ("Z", L): 1}


def test_an_odd_cent_passed_to_several_sources_goes_to_the_smaller_id():
    # D holds 155, passes 31 over B and C: 16 to B, 15 to C.
    got = split(155, {"D": 1}, {"D": ["C", "B"]}, 2_000)

    assert got == {("D", C): 124, ("B", L): 16, ("C", L): 15}


def test_level_eight_keeps_everything_and_nothing_reaches_level_nine():
    # r11 cites r10 cites ... cites r00; r11 is the contribution; half passes up at each level.
    # Level k holds 256000 / 2^k: r11 keeps 128000, r10 64000, ... r04 (level 7) keeps 1000;
    # r03 holds 1000 at level 8 and keeps all of it; r02, r01, r00 get nothing.
    ids = [f"r{n:02d}" for n in range(12)]
    sources = {ids[n]: [ids[n - 1]] for n in range(1, 12)}

    got = split(256_000, {"r11": 1}, sources, 5_000)

    assert got == {("r11", C): 128_000, ("r10", L): 64_000, ("r09", L): 32_000, ("r08", L): 16_000,
                   ("r07", L): 8_000, ("r06", L): 4_000, ("r05", L): 2_000, ("r04", L): 1_000,
                   ("r03", L): 1_000}
    assert MAX_DEPTH == 8


def test_a_contribution_that_is_also_an_ancestor_keeps_and_passes_at_each_level():
    # a and b are contributions (500 each), b cites a, a cites z; 20% upstream.
    # level 0: a keeps 400, passes 100 to z; b keeps 400, passes 100 to a.
    # level 1: a holds 100, keeps 80, passes 20 to z; z holds 100, keeps it.
    # level 2: z holds 20, keeps it.                   400 + 400 + 80 + 120 = 1000
    got = split(1_000, {"a": 1, "b": 1}, {"b": ["a"], "a": ["z"]}, 2_000)

    assert got == {("a", C): 400, ("b", C): 400, ("a", L): 80, ("z", L): 120}


def test_a_record_with_no_sources_keeps_everything():
    assert split(999, {"a": 1}, {}, 2_000) == {("a", C): 999}
    assert split(999, {"a": 1}, {"a": []}, 2_000) == {("a", C): 999}


def test_no_upstream_share_keeps_everything_with_the_contributions():
    assert split(1_001, {"a": 1, "b": 1}, {"a": ["x"], "b": ["y"]}, 0) == {("a", C): 501, ("b", C): 500}


def test_a_full_upstream_share_passes_everything_to_the_first_records_without_sources():
    got = split(1_001, {"C": 1}, {"C": ["B"], "B": ["A"]}, 10_000)

    assert got == {("A", L): 1_001}


def test_a_source_cited_twice_counts_once():
    # D passes 30: 15 each to A and B (counted twice, A would get 20 and B 10)
    assert split(100, {"D": 1}, {"D": ["A", "B", "A"]}, 3_000) == {("D", C): 70, ("A", L): 15, ("B", L): 15}


def test_a_cycle_ends_at_the_depth_cap():
    got = split(1_000, {"a": 1}, {"a": ["b"], "b": ["a"]}, 5_000)

    # level: 0     1     2     3     4     5     6     7     8
    # holds: a1000 b500  a250  b125  a62   b31   a15   b7    a3
    # keeps: 500   250   125   63    31    16    8     4     3 (all of it, at the cap)
    assert got == {("a", C): 500, ("b", L): 250 + 63 + 16 + 4, ("a", L): 125 + 31 + 8 + 3}
    assert sum(got.values()) == 1_000


# --- credits and statements --------------------------------------------------------------------


def test_a_refund_after_a_close_gives_negative_credits():
    contributions, sources = {"a": 1, "b": 1}, {"b": ["z"]}
    january = split(1_000, contributions, sources, 2_000)  # a 500; b 400; z 100
    february = split(600, contributions, sources, 2_000)  # a 300; b 240; z 60

    assert credits(february, january) == {("a", C): -200, ("b", C): -160, ("z", L): -40}


def test_credits_leave_out_unchanged_amounts_and_take_back_vanished_ones():
    previous = {("a", C): 10, ("z", L): 3}
    current = {("a", C): 10, ("b", C): 5}

    assert credits(current, previous) == {("b", C): 5, ("z", L): -3}


def test_a_balance_below_the_minimum_carries_forward():
    assert settle(300, 400, 1_000) == Statement(opening=300, credits=400, closing=700, payable=False, payout=0,
                                                next_opening=700)


def test_a_balance_of_exactly_the_minimum_is_paid_and_the_next_period_opens_at_zero():
    assert settle(600, 400, 1_000) == Statement(opening=600, credits=400, closing=1_000, payable=True,
                                                payout=1_000, next_opening=0)


def test_a_negative_balance_carries_forward():
    assert settle(200, -500, 1_000) == Statement(opening=200, credits=-500, closing=-300, payable=False, payout=0,
                                                 next_opening=-300)


# --- properties --------------------------------------------------------------------------------

record_ids = st.text(alphabet="abAB09_", min_size=1, max_size=3)
weights = st.dictionaries(record_ids, st.integers(1, 1_000_000), min_size=1, max_size=25)
pools = st.integers(0, 10**12)
bps = st.integers(0, 10_000)


@st.composite
def productions(draw):
    """(contributions, sources) over a random DAG: node i cites only nodes with a smaller index;
    ids are shuffled names, so id order says nothing about the graph."""
    size = draw(st.integers(1, 30))
    names = draw(st.permutations([f"n{n}" for n in range(size)]))
    sources = {}
    for node in range(1, size):
        cited = draw(st.lists(st.integers(0, node - 1), max_size=3, unique=True))
        if cited:
            sources[names[node]] = [names[source] for source in cited]
    chosen = draw(st.lists(st.sampled_from(names), min_size=1, max_size=size, unique=True))
    contributions = {name: draw(st.integers(1, 1_000_000)) for name in chosen}
    return contributions, sources


@given(pools, weights)
def test_largest_remainder_adds_up_and_no_share_is_a_cent_or_more_from_its_exact_share(total, shares_by):
    got = largest_remainder(total, shares_by)
    whole = sum(shares_by.values())

    assert sum(got.values()) == total
    assert got.keys() == shares_by.keys()
    for record_id, weight in shares_by.items():
        assert abs(got[record_id] - Fraction(total * weight, whole)) < 1


@given(pools, weights)
def test_the_extra_cents_go_by_remainder_then_weight_then_id(total, shares_by):
    got = largest_remainder(total, shares_by)
    whole = sum(shares_by.values())
    rank = {r: (-(total * w % whole), -w, r) for r, w in shares_by.items()}
    extra = [r for r, w in shares_by.items() if got[r] > total * w // whole]
    plain = [r for r in shares_by if r not in extra]

    assert all(rank[e] < rank[p] for e in extra for p in plain)


@given(pools, productions(), bps)
def test_the_split_adds_up_to_the_pool_to_the_cent(pool, production, upstream):
    contributions, sources = production

    got = split(pool, contributions, sources, upstream)

    assert sum(got.values()) == pool
    assert all(amount > 0 for amount in got.values())
    assert {via for _, via in got} <= {C, L}


@given(st.lists(st.builds(Totals, *[st.integers(0, 10**9)] * 5), min_size=1, max_size=6), productions(),
       st.integers(0, 10_000), bps)
def test_credits_of_every_period_add_up_to_the_growth_of_the_pool(periods, production, share, upstream):
    contributions, sources = production
    cumulative, previous_pool, previous_split = Totals(), 0, {}
    for period in periods:
        cumulative = cumulative + period
        pool = contributor_pool(cumulative.net, share)
        current = split(pool, contributions, sources, upstream)

        assert sum(credits(current, previous_split).values()) == pool - previous_pool

        previous_pool, previous_split = pool, current


@given(pools, productions(), bps, st.randoms(use_true_random=False))
def test_the_same_inputs_in_any_order_give_the_same_cents(pool, production, upstream, rng: random.Random):
    contributions, sources = production
    shuffled_contributions = dict(rng.sample(list(contributions.items()), len(contributions)))
    shuffled_sources = {record_id: rng.sample(cited, len(cited))
                        for record_id, cited in rng.sample(list(sources.items()), len(sources))}

    assert split(pool, shuffled_contributions, shuffled_sources, upstream) == split(pool, contributions, sources,
                                                                                   upstream)


@given(st.integers(-10**9, 10**9), st.integers(-10**9, 10**9), st.integers(0, 10**6))
def test_a_statement_closes_at_opening_plus_credits_and_pays_only_from_the_minimum(opening, credited, minimum):
    statement = settle(opening, credited, minimum)

    assert statement.closing == opening + credited
    assert statement.payable == (statement.closing >= minimum)
    assert statement.payout + statement.next_opening == statement.closing
    assert statement.payout == (statement.closing if statement.payable else 0)
