"""The proposal freeze function (SQS: one production per message); the work is `logic.proposals`'."""
from __future__ import annotations

import json

from chalicelib.logic import proposals
from chalicelib.observability import get_logger

# The proposal queue's max_receive_count (storage.definitions.PROPOSAL_QUEUE): a freeze that fails
# on the last delivery gives the draft back to its producer, who may open the proposal again.
LAST_RECEIVE = 3


def handle_batch(event: dict, context=None) -> dict:
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)

    def freeze(record) -> None:
        try:
            production_id = json.loads(record.body)["production_id"]
        except (ValueError, KeyError, TypeError):
            get_logger().error("dropped a message that names no production")
            return
        receives = int(record.attributes.approximate_receive_count or "1")
        proposals.freeze(production_id, last_attempt=receives >= LAST_RECEIVE)

    result = process_partial_response(event=event, record_handler=freeze, processor=processor, context=context)
    for _, error, _ in processor.exceptions:
        get_logger().error("proposal freeze failed; SQS will deliver it again", extra={"error": repr(error)})
    return result
