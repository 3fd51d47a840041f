"""Rate-limit counters (see domain.rate_limits): one item per limit, caller and UTC hour, moved in
the request's own transaction on the condition that it is under the limit, so a refused request
stores nothing, an accepted one is counted with what it stored, and N concurrent requests past the
limit leave exactly the limit accepted. DynamoDB's TTL removes old counters (`expires_at`)."""
from __future__ import annotations

from chalicelib.domain.rate_limits import Quota
from chalicelib.errors import TooManyRequests
from chalicelib.storage.connection import CONDITION_FAILED, cancellation_codes
from chalicelib.storage.models import RateCounterItem


class Charge:
    """A quota as a transaction item. Add it LAST in the transaction's fill: PynamoDB sends the
    updates after every other kind of item, so the last update is the last item, and its
    cancellation reason says whether the limit refused the transaction."""

    def __init__(self, quota: Quota) -> None:
        self.quota = quota

    def add_to(self, tx) -> None:
        q = self.quota
        count = RateCounterItem.count
        tx.update(RateCounterItem(*RateCounterItem.key(q.name, q.who, q.hour)),
                  actions=[count.add(1), RateCounterItem.expires_at.set(q.expires_at)],
                  condition=count.does_not_exist() | (count < q.limit))

    def raise_if_over(self, error) -> None:
        """TooManyRequests when the counter's condition is what cancelled the transaction and
        nothing else refused it (the rules answer before the rate limit)."""
        codes = cancellation_codes(error)
        if codes and codes[-1] == CONDITION_FAILED and all(c in (None, "None") for c in codes[:-1]):
            raise self.refusal() from error

    def refusal(self) -> TooManyRequests:
        q = self.quota
        return TooManyRequests(f"At most {q.limit} {q.name.replace('_', ' ')} an hour; try again at the next hour.",
                               retry_after_seconds=q.retry_after)

    def alone(self, settings) -> None:
        """Counts a request that has no transaction of its own (one round trip)."""
        from pynamodb.exceptions import TransactWriteError

        from chalicelib.storage.connection import write_transaction

        try:
            write_transaction(settings, self.add_to)
        except TransactWriteError as e:
            self.raise_if_over(e)
            raise
