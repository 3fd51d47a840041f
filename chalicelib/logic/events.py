"""The one event stream: producers publish here, the event function delivers to subscribers.

Why an SQS queue (not DynamoDB Streams): every producer already has the facts at hand after its
write (who acted, who to tell, the subject's title), the event function gets retries and a
dead-letter queue for free, the local stack delivers it with the same pump as the other queues,
and Chalice packages an SQS event source without a stream ARN at build time. The price: an event
is sent after the write commits, so a crash between the two loses that one event (a notification
or a search update, never money); `publish` never fails the request that made the change.

Subscribers are listed in SUBSCRIBERS as "module:function" names, imported when the first event
arrives (so the request path never imports them); each takes one `Event` and must be idempotent
on `event.key`, since SQS may deliver a message twice.
"""
from __future__ import annotations

from importlib import import_module

from chalicelib import services
from chalicelib.domain.events import Event
from chalicelib.observability import count, get_logger

SUBSCRIBERS: tuple[str, ...] = (
    "chalicelib.logic.feed:on_event",  # the following feed's fan-out
    "chalicelib.logic.notifications:on_event",
    "chalicelib.logic.search:on_event",
)


def publish(*events: Event) -> None:
    """Sends the events (after the caller's write succeeded); a failure is logged, not raised."""
    messages = [chunk for event in events for chunk in event.chunks()]
    if not messages:
        return
    try:
        services.event_queue().send(messages)
    except Exception:  # noqa: BLE001 - the change is already made; losing its echo must not fail it
        get_logger().exception("events not published", extra={"types": sorted({m.type for m in messages})})
        count("EventsLost", len(messages))


def deliver(event: Event) -> None:
    """Hands one event to every subscriber (raising lets SQS deliver it again)."""
    for subscriber in _subscribers():
        subscriber(event)


# Subscribers whose effect someone waits for (a notification: 3 s, p99) get a batch first.
LATENCY_FIRST = ("chalicelib.logic.notifications:on_event",)


def deliver_batch(events: list[Event], parallel: int = 10) -> list[bool]:
    """Hands a batch of events to the subscribers, one subscriber at a time (LATENCY_FIRST first,
    then SUBSCRIBERS' order) and, for each, every event at once on up to `parallel` threads:
    the inbox never waits behind the search index or the feed of the batch. Whether each
    event reached every subscriber (False: SQS delivers it again; subscribers are idempotent)."""
    from concurrent.futures import ThreadPoolExecutor

    names = sorted(SUBSCRIBERS, key=lambda name: name not in LATENCY_FIRST)
    delivered = [True] * len(events)
    with ThreadPoolExecutor(max_workers=max(1, min(parallel, len(events)))) as pool:
        for subscriber in _subscribers(names):
            def run(n: int, subscriber=subscriber) -> None:
                try:
                    subscriber(events[n])
                except Exception as error:  # noqa: BLE001 - logged; SQS delivers the event again
                    delivered[n] = False
                    get_logger().error("event delivery failed; SQS will redeliver it",
                                       extra={"error": repr(error), "key": events[n].key})

            list(pool.map(run, range(len(events))))
    return delivered


def _subscribers(names=None):
    functions = []
    for name in SUBSCRIBERS if names is None else names:
        module, _, function = name.partition(":")
        functions.append(getattr(import_module(module), function))
    return functions
