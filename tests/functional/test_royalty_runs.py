"""Royalty runs end to end: sales → a run in the background → statements, to the cent.

The community: alice wrote A, carol wrote C, bob's B remixes C. Production P (USD, 50% to
contributors, 20% upstream) contributes A and B with weight 1 each.

September: a sale of 10001 → net 10001, pool floor(10001 × 0.5) = 5000; A and B 2500 each;
B passes floor(2500 × 0.2) = 500 to C and keeps 2000.
    alice +2500 (A, contribution), bob +2000 (B, contribution), carol +500 (C, lineage)
October: 3001 refunded → net 7000, pool 3500; A and B 1750; B passes 350, keeps 1400.
    alice −750, bob −600, carol −150 (Σ −1500 = 3500 − 5000)
Statements (minimum payout 1000): September alice 2500 and bob 2000 are paid, carol's 500
carries; October alice −750 and bob −600 carry (negative), carol 500 − 150 = 350 carries.
"""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from tests.store_payloads import charge, checkout_session, post_stripe, stripe_event
from tests.support import assert_problem, release_through_proposal, tiny_stories

SEPTEMBER = int(datetime(2026, 9, 10, tzinfo=timezone.utc).timestamp())
OCTOBER = int(datetime(2026, 10, 5, tzinfo=timezone.utc).timestamp())


@pytest.fixture
def world(client, member):
    world = tiny_stories(client, member)
    assert release_through_proposal(client, world["producer"], world["P"]).status == 200
    return world


def sell(client, world):
    post_stripe(client, stripe_event("checkout.session.completed", checkout_session(
        "pi_1", 10001, production_id=world["P"]), created=SEPTEMBER))
    post_stripe(client, stripe_event("charge.refunded", charge("pi_1", 10001, 3001), created=OCTOBER))


def run(client, admin, deliver, period):
    reply = client.post("/royalty-runs", token=admin, json_body={"period": period})
    assert reply.status == 202 and reply.json["status"] == "running", reply
    deliver()
    finished = client.get(f"/royalty-runs/{period}", token=admin)
    assert finished.json["status"] == "closed", finished
    return finished.json


def summary(client, token, period):
    statements = client.get(f"/me/statements/{period}", token=token).json["statements"]
    return [(s["opening"], s["credits"], s["closing"], s["payable"], s["payout"]) for s in statements]


def killed_at(monkeypatch, owner, name: str, period: str, message: str = "the function was killed here") -> None:
    """The run of `period` (accepted already), its worker failing at `owner.name`, as a function
    killed there: the worker raises, and nothing is retried yet."""
    from chalicelib.logic.royalties import close_batch, run_period

    def killed(*args, **kwargs):
        raise RuntimeError(message)

    monkeypatch.setattr(owner, name, killed)
    run_period(period)
    with pytest.raises(RuntimeError, match=message):
        close_batch(period, 0)  # the world's one production: one batch, the last
    monkeypatch.undo()


def test_a_run_credits_contributions_and_lineage_to_the_cent(client, world, admin, deliver):
    sell(client, world)

    september = run(client, admin, deliver, "2026-09")

    assert september["productions"] == [{"production_id": world["P"], "currency": "USD", "net": 10001,
                                         "pool": 5000, "credited": 5000}]
    assert summary(client, world["alice"], "2026-09") == [(0, 2500, 2500, True, 2500)]
    assert summary(client, world["bob"], "2026-09") == [(0, 2000, 2000, True, 2000)]
    assert summary(client, world["carol"], "2026-09") == [(0, 500, 500, False, 0)]
    lines = client.get("/me/statements/2026-09", token=world["carol"]).json["statements"][0]["lines"]
    assert lines == [{"production_id": world["P"], "production_title": "Tiny Stories", "record_id": world["C"],
                      "record_title": "C", "via": "lineage", "amount": 500}]


def test_a_refund_after_a_payout_is_a_negative_credit_carried_forward(client, world, admin, deliver):
    sell(client, world)
    run(client, admin, deliver, "2026-09")

    october = run(client, admin, deliver, "2026-10")

    assert october["productions"][0] | {"production_id": None} == {
        "production_id": None, "currency": "USD", "net": 7000, "pool": 3500, "credited": -1500}
    assert summary(client, world["alice"], "2026-10") == [(0, -750, -750, False, 0)]
    assert summary(client, world["bob"], "2026-10") == [(0, -600, -600, False, 0)]
    assert summary(client, world["carol"], "2026-10") == [(500, -150, 350, False, 0)]
    listed = client.get("/me/statements", token=world["carol"]).json["items"]
    assert [(s["period"], s["closing"]) for s in listed] == [("2026-10", 350), ("2026-09", 500)]
    first = client.get("/me/statements?limit=1", token=world["carol"]).json
    rest = client.get(f"/me/statements?limit=1&cursor={first['next_cursor']}", token=world["carol"]).json
    assert [s["period"] for s in first["items"] + rest["items"]] == ["2026-10", "2026-09"]
    assert rest["next_cursor"] is None
    production = client.get(f"/productions/{world['P']}").json
    assert production["totals"]["allocated"]["amount"] == 3500


def test_a_period_runs_once_and_a_rerun_returns_the_stored_result(client, world, admin, deliver):
    sell(client, world)
    first = run(client, admin, deliver, "2026-09")

    again = client.post("/royalty-runs", token=admin, json_body={"period": "2026-09"})

    assert again.status == 200 and again.json == first
    deliver()
    assert summary(client, world["alice"], "2026-09") == [(0, 2500, 2500, True, 2500)]


def test_running_a_later_period_closes_the_earlier_ones_without_a_run_of_their_own(client, world, admin, deliver):
    sell(client, world)

    october = run(client, admin, deliver, "2026-10")

    assert october["productions"][0]["credited"] == 3500  # September's sale and October's refund at once
    assert_problem(client.get("/royalty-runs/2026-09", token=admin), 404)
    assert_problem(client.post("/royalty-runs", token=admin, json_body={"period": "2026-09"}), 409)
    assert summary(client, world["alice"], "2026-10") == [(0, 1750, 1750, True, 1750)]


def test_an_entry_for_a_closed_period_counts_in_the_next_run(client, world, admin, deliver):
    sell(client, world)
    run(client, admin, deliver, "2026-09")
    late = stripe_event("checkout.session.completed", checkout_session("pi_late", 2000, production_id=world["P"]),
                        created=SEPTEMBER)

    post_stripe(client, late)

    ledger = client.get(f"/productions/{world['P']}/ledger", token=world["producer"]).json["items"]
    assert [e["period"] for e in ledger if e["external_id"] == "pi_late"] == ["2026-10"]
    assert run(client, admin, deliver, "2026-10")["productions"][0]["net"] == 9000


def test_a_period_that_has_not_ended_cannot_run(client, admin):
    this_month = datetime.now(timezone.utc).strftime("%Y-%m")

    assert_problem(client.post("/royalty-runs", token=admin, json_body={"period": this_month}), 422)
    assert_problem(client.post("/royalty-runs", token=admin, json_body={"period": "2026-13"}), 400)
    assert_problem(client.get("/royalty-runs/2026-09", token=admin), 404)
    assert_problem(client.get("/royalty-runs/not-a-period", token=admin), 400, "period")


def test_runs_are_for_admins_and_statements_for_members(client, world):
    assert_problem(client.post("/royalty-runs", token=world["producer"], json_body={"period": "2026-09"}), 403)
    assert_problem(client.get("/royalty-runs/2026-09", token=world["alice"]), 403)
    assert_problem(client.get("/me/statements"), 401)
    assert client.get("/me/statements/2026-09", token=world["alice"]).json == {"period": "2026-09",
                                                                                "statements": [], "min_payout": 1000}


def test_statement_lines_download_as_csv(client, world, admin, deliver):
    sell(client, world)
    run(client, admin, deliver, "2026-09")

    reply = client.get("/me/statements/2026-09", token=world["bob"], headers={"accept": "text/csv"})

    assert reply.headers["content-type"].startswith("text/csv")
    rows = reply.raw.decode().splitlines()
    assert rows == ["currency,production_id,production_title,record_id,record_title,via,amount",
                    f"USD,{world['P']},Tiny Stories,{world['B']},B,contribution,2000"]


def test_a_production_says_through_which_month_its_pool_is_on_statements(client, world, admin, deliver):
    sell(client, world)
    before = client.get(f"/productions/{world['P']}").json
    assert before["allocated_through"] is None and before["totals"]["allocated"]["amount"] == 0

    run(client, admin, deliver, "2026-09")

    after = client.get(f"/productions/{world['P']}").json
    assert after["allocated_through"] == "2026-09" and after["totals"]["allocated"]["amount"] == 5000
    assert after["totals"]["contributor_pool"]["amount"] == 3500  # to date: October's refund too


@pytest.fixture
def min_payout_2500(monkeypatch):
    from chalicelib.config import get_settings

    monkeypatch.setenv("REMIXERY_MIN_PAYOUT", "2500")
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


def test_statements_name_the_minimum_payout_the_app_is_set_to(client, world, admin, deliver, min_payout_2500):
    sell(client, world)

    run(client, admin, deliver, "2026-09")

    listed = client.get("/me/statements", token=world["bob"]).json
    assert listed["min_payout"] == 2500 and listed["items"][0]["payable"] is False  # 2000 carries under 2500
    period = client.get("/me/statements/2026-09", token=world["alice"]).json
    assert period["min_payout"] == 2500 and period["statements"][0]["payable"] is True  # 2500 reaches it


def test_the_split_is_public_per_record_and_member_lineage_included(client, world):
    sell(client, world)

    splits = client.get(f"/productions/{world['P']}/splits").json

    assert splits["frozen"] is True and splits["pool"] == {"amount": 3500, "currency": "USD"}
    by_record = {r["record_id"]: (r["weight"], r["contribution"], r["lineage"]) for r in splits["records"]}
    assert by_record == {world["A"]: (1, 1750, 0), world["B"]: (1, 1400, 0), world["C"]: (None, 0, 350)}
    assert [(m["member"]["handle"], m["amount"]) for m in splits["members"]] == [
        ("alice", 1750), ("bob", 1400), ("carol", 350)]


def test_release_freezes_the_lineage_later_sources_do_not_shift_the_split(client, world, member):
    dora = member("dora")
    d = client.post("/records", token=dora, json_body={"kind": "text", "title": "D", "body": "x."}).json["record"]["id"]
    assert client.post(f"/records/{world['A']}/sources", token=world["alice"],
                       json_body={"sources": [{"record_id": d}]}).status == 200
    sell(client, world)

    splits = client.get(f"/productions/{world['P']}/splits").json

    assert d not in {r["record_id"] for r in splits["records"]}


def test_a_draft_split_is_a_preview_over_todays_lineage(client, member):
    producer, alice = member("pat", groups=["producer"]), member("alice")
    a = client.post("/records", token=alice, json_body={"kind": "text", "title": "A", "body": "x."}).json["record"]["id"]
    draft = client.post("/productions", token=producer, json_body={
        "title": "Draft", "format": "album", "currency": "EUR"}).json["id"]
    client.request("PUT", f"/productions/{draft}/contributions", token=producer,
                   json_body={"contributions": [{"record_id": a, "weight": 5}]})

    assert_problem(client.get(f"/productions/{draft}/splits"), 404)
    splits = client.get(f"/productions/{draft}/splits", token=producer).json
    assert splits["frozen"] is False and [r["record_id"] for r in splits["records"]] == [a]


def test_a_run_killed_midway_and_rerun_gives_the_same_cents(client, world, admin, deliver, monkeypatch):
    from chalicelib.storage.models import CarriedBalancesItem

    sell(client, world)
    run(client, admin, deliver, "2026-09")
    assert client.post("/royalty-runs", token=admin, json_body={"period": "2026-10"}).status == 202

    # Killed after the statements were written, before the balances they carry forward.
    killed_at(monkeypatch, CarriedBalancesItem, "batch_write", "2026-10")
    assert client.get("/royalty-runs/2026-10", token=admin).json["status"] == "running"
    deliver()  # the queue delivers the run again

    assert client.get("/royalty-runs/2026-10", token=admin).json["status"] == "closed"
    assert summary(client, world["alice"], "2026-10") == [(0, -750, -750, False, 0)]
    assert summary(client, world["carol"], "2026-10") == [(500, -150, 350, False, 0)]


def test_a_run_whose_payouts_fail_to_write_does_not_close_and_its_redelivery_pays_once(
        client, world, admin, deliver, monkeypatch):
    """The payouts are written on a storage thread while the statements are: its failure still
    fails the worker, before the period closes."""
    from chalicelib.storage.payouts import PayoutBook

    sell(client, world)
    assert client.post("/royalty-runs", token=admin, json_body={"period": "2026-09"}).status == 202

    killed_at(monkeypatch, PayoutBook, "create_all", "2026-09", "the store refused the payouts")
    assert client.get("/royalty-runs/2026-09", token=admin).json["status"] == "running"
    deliver()

    assert client.get("/royalty-runs/2026-09", token=admin).json["status"] == "closed"
    assert summary(client, world["alice"], "2026-09") == [(0, 2500, 2500, True, 2500)]
    paid = {who: [(p["period"], p["amount"]["amount"]) for p in client.get("/me/payouts", token=world[who]).json["items"]]
            for who in ("alice", "bob", "carol")}
    assert paid == {"alice": [("2026-09", 2500)], "bob": [("2026-09", 2000)], "carol": []}


AUGUST = int(datetime(2026, 8, 20, tzinfo=timezone.utc).timestamp())


def test_a_carried_balance_gets_a_statement_in_a_period_without_credits(client, world, admin, deliver):
    post_stripe(client, stripe_event("checkout.session.completed", checkout_session(
        "pi_1", 10001, production_id=world["P"]), created=AUGUST))
    run(client, admin, deliver, "2026-08")

    run(client, admin, deliver, "2026-09")

    assert summary(client, world["carol"], "2026-09") == [(500, 0, 500, False, 0)]
    assert client.get("/me/statements/2026-09", token=world["alice"]).json["statements"] == []


def test_costs_above_sales_leave_an_empty_pool_until_sales_catch_up(client, world, admin, deliver):
    client.post(f"/productions/{world['P']}/costs", token=world["producer"], json_body={
        "amount": {"amount": 8000, "currency": "USD"}, "description": "Printing", "incurred_on": "2026-08-01"})
    post_stripe(client, stripe_event("checkout.session.completed", checkout_session(
        "pi_1", 5000, production_id=world["P"]), created=AUGUST))
    assert run(client, admin, deliver, "2026-08")["productions"][0] | {"production_id": None} == {
        "production_id": None, "currency": "USD", "net": -3000, "pool": 0, "credited": 0}
    post_stripe(client, stripe_event("checkout.session.completed", checkout_session(
        "pi_2", 5000, production_id=world["P"]), created=SEPTEMBER))

    september = run(client, admin, deliver, "2026-09")

    assert september["productions"][0]["pool"] == 1000  # net 2000
    assert summary(client, world["alice"], "2026-09") == [(0, 500, 500, False, 0)]


def test_a_removed_record_still_credits_its_owner(client, world, admin, deliver):
    assert client.request("DELETE", f"/records/{world['B']}", token=world["bob"]).status == 204
    sell(client, world)

    run(client, admin, deliver, "2026-09")

    assert summary(client, world["bob"], "2026-09") == [(0, 2000, 2000, True, 2000)]


def test_the_monthly_schedule_queues_last_month_once(client, world, admin, deliver):
    from chalicelib.logic.royalties import start_scheduled

    first_of_october = datetime(2026, 10, 1, 2, 0, tzinfo=timezone.utc)

    assert start_scheduled(first_of_october) == {"period": "2026-09", "started": True, "status": "running"}
    assert start_scheduled(first_of_october)["started"] is False
    deliver()
    assert client.get("/royalty-runs/2026-09", token=admin).json["status"] == "closed"
    # A later period closed: an earlier month's schedule skips it.
    run(client, admin, deliver, "2026-10")
    assert start_scheduled(first_of_october) == {"period": "2026-09", "started": False, "status": "closed"}
    assert start_scheduled(datetime(2026, 9, 1, 2, tzinfo=timezone.utc)) == {"period": "2026-08", "started": False}


def test_a_run_delivered_again_after_a_later_close_leaves_the_later_close_alone(client, world, admin, deliver,
                                                                                 monkeypatch):
    """September's run was killed after closing the period but before marking its run closed,
    and October ran before the queue delivered September again: the redelivery only marks
    September's run closed. Writing September's figures again would credit its pool twice and
    move "closed through" back to September, under October's entries."""
    from chalicelib.logic.royalties import close_batch, run_period
    from chalicelib.storage.royalties import RoyaltyBook

    sell(client, world)
    assert client.post("/royalty-runs", token=admin, json_body={"period": "2026-09"}).status == 202

    killed_at(monkeypatch, RoyaltyBook, "mark_run_closed", "2026-09")
    assert client.post("/royalty-runs", token=admin, json_body={"period": "2026-10"}).status == 202
    run_period("2026-10")
    close_batch("2026-10", 0)

    deliver()  # September's messages again, and October's

    runs = {p: client.get(f"/royalty-runs/{p}", token=admin).json for p in ("2026-09", "2026-10")}
    assert [(r["status"], r["productions"][0]["credited"]) for r in runs.values()] == [
        ("closed", 5000), ("closed", -1500)]
    assert client.get(f"/productions/{world['P']}").json["totals"]["allocated"]["amount"] == 3500
    assert summary(client, world["alice"], "2026-10") == [(0, -750, -750, False, 0)]
    post_stripe(client, stripe_event("checkout.session.completed", checkout_session(
        "pi_late", 2000, production_id=world["P"]), created=SEPTEMBER))
    ledger = client.get(f"/productions/{world['P']}/ledger", token=world["producer"]).json["items"]
    assert [e["period"] for e in ledger if e["external_id"] == "pi_late"] == ["2026-11"]

