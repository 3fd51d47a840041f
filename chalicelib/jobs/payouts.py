"""The payout function (SQS: messages of up to 25 payout ids) and the daily retry schedule;
the work is `logic.payouts`'. A message with a payout whose send must be tried again (an
uncertain answer, a send in flight elsewhere, a crash) is reported failed, so SQS delivers it
again after its visibility timeout; sends that were done are not redone (each checks the state)."""
from __future__ import annotations

import json

from chalicelib.logic import payouts
from chalicelib.observability import get_logger

MAX_IDS = 100


class TryAgain(Exception):
    """Some payouts of the message are to be sent again later."""


def handle_batch(event: dict, context=None) -> dict:
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)

    def send(record) -> None:
        ids = _ids(record.body)
        again = [payout_id for payout_id in ids if payouts.send(payout_id) == payouts.RETRY]
        if again:
            raise TryAgain(f"{len(again)} of {len(ids)} payouts to send again: {again[:5]}")

    result = process_partial_response(event=event, record_handler=send, processor=processor, context=context)
    for _, error, _ in processor.exceptions:
        get_logger().warning("payouts not sent yet; SQS will deliver them again", extra={"error": repr(error)})
    return result


def _ids(body: str) -> list[str]:
    try:
        ids = json.loads(body)["payout_ids"]
    except (ValueError, KeyError, TypeError):
        get_logger().error("a payout message that is not one", extra={"body": body[:200]})
        return []
    if not isinstance(ids, list) or len(ids) > MAX_IDS or not all(isinstance(i, str) and len(i) <= 64 for i in ids):
        get_logger().error("a payout message that is not one", extra={"body": body[:200]})
        return []
    return ids


def retry_payouts() -> dict:
    """Daily: queues held, failed and pending payouts (sent once the member's account is active)."""
    return payouts.retry_all()
