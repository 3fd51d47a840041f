"""Through the app and the local store: any interleaving and duplication of a generated stream
of Stripe deliveries leaves ledger totals equal to the de-duplicated sum."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.store_payloads import charge, checkout_session, dispute, post_stripe, stripe_event

purchases = st.lists(st.tuples(
    st.integers(1, 10**6),  # sale amount
    st.booleans(),  # names the production (else an unknown product: unmatched, assigned at the end)
    st.lists(st.integers(0, 100), max_size=3),  # cumulative refunds, as percentages of the amount
    st.lists(st.booleans(), max_size=2),  # disputes: won or not
), min_size=1, max_size=3)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(purchases, st.data())
def test_any_interleaving_and_duplication_of_deliveries_books_the_deduplicated_sum(client, aws, token, purchases,
                                                                                     data):
    from chalicelib.config import get_settings
    from chalicelib.services import FACTORIES
    from chalicelib.storage.bootstrap import create_all

    aws.reset()  # each example starts from an empty store
    create_all(get_settings())
    for factory in FACTORIES:
        factory.cache_clear()
    producer, admin = token("sub-pat", ["producer"]), token("root", ["admin"])
    client.post("/members", token=producer, json_body={"handle": "pat", "display_name": "Pat"})
    production = client.post("/productions", token=producer, json_body={
        "title": "P", "format": "book", "currency": "USD"}).json["id"]

    events, expected = [], {"gross": 0, "refunds": 0, "disputes": 0}
    for n, (amount, matched, steps, disputes) in enumerate(purchases):
        pi = f"pi_{n}"
        events.append(stripe_event("checkout.session.completed", checkout_session(
            pi, amount, production_id=production if matched else None, product_id=None if matched else "unknown")))
        cumulative = sorted(amount * s // 100 for s in steps)
        events += [stripe_event("charge.refunded", charge(pi, amount, c)) for c in cumulative]
        expected["gross"] += amount
        expected["refunds"] += max(cumulative, default=0)
        for k, won in enumerate(disputes):
            events.append(stripe_event("charge.dispute.created", dispute(pi, f"dp_{n}_{k}", amount)))
            expected["disputes"] += amount
            if won:
                events.append(stripe_event("charge.dispute.closed", dispute(pi, f"dp_{n}_{k}", amount, status="won")))
                expected["disputes"] -= amount
    stream = data.draw(st.permutations(events + data.draw(st.lists(st.sampled_from(events), max_size=6))))

    for event in stream:
        assert post_stripe(client, event).status == 200
    for sale in client.get("/sales/unmatched?limit=100", token=admin).json["items"]:
        assert client.post(f"/sales/unmatched/{sale['id']}/assign", token=admin,
                           json_body={"production_id": production}).status == 200

    totals = client.get(f"/productions/{production}", token=producer).json["totals"]
    assert {k: totals[k]["amount"] for k in expected} == expected
    ledger = client.get(f"/productions/{production}/ledger?limit=100", token=producer).json["items"]
    assert sum(e["amount"]["amount"] for e in ledger) == totals["net"]["amount"]
