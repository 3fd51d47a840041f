"""The royalty run functions (SQS: one period per message to the run, one batch of its
productions per message to the workers) and the monthly schedule that queues last month's run;
the work is `logic.royalties`'."""
from __future__ import annotations

import json

from chalicelib.logic import royalties
from chalicelib.observability import get_logger


def handle_batch(event: dict, context=None) -> dict:
    """The run: takes the period up and queues its batches."""
    return _each(event, context, lambda body: royalties.run_period(body["period"]), "royalty run")


def handle_worker_batch(event: dict, context=None) -> dict:
    """A worker: closes one batch of the run's productions."""
    return _each(event, context, lambda body: royalties.close_batch(body["period"], int(body["batch"])),
                 "royalty batch")


def _each(event: dict, context, work, what: str) -> dict:
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    result = process_partial_response(event=event, record_handler=lambda record: work(json.loads(record.body)),
                                      processor=processor, context=context)
    for _, error, _ in processor.exceptions:
        get_logger().error(f"{what} failed; SQS will deliver it again", extra={"error": repr(error)})
    return result


def start_scheduled() -> dict:
    """Day 1 of a month: queues the run of the month before (skipped once it or a later one closed)."""
    return royalties.start_scheduled()
