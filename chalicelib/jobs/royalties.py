"""The royalty run function (SQS: one period per message) and the monthly schedule that
queues last month's run; the work is `logic.royalties`'."""
from __future__ import annotations

import json

from chalicelib.logic import royalties
from chalicelib.observability import get_logger


def handle_batch(event: dict, context=None) -> dict:
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)

    def run(record) -> None:
        royalties.run_period(json.loads(record.body)["period"])

    result = process_partial_response(event=event, record_handler=run, processor=processor, context=context)
    for _, error, _ in processor.exceptions:
        get_logger().error("royalty run failed; SQS will deliver it again", extra={"error": repr(error)})
    return result


def start_scheduled() -> dict:
    """Day 1 of a month: queues the run of the month before (skipped once it or a later one closed)."""
    return royalties.start_scheduled()
