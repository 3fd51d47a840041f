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

SUBSCRIBERS: tuple[str, ...] = ()
SUBSCRIBERS += ("chalicelib.logic.feed:on_event",)  # the following feed's fan-out
SUBSCRIBERS += ("chalicelib.logic.notifications:on_event", "chalicelib.logic.search:on_event")


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


def _subscribers():
    functions = []
    for name in SUBSCRIBERS:
        module, _, function = name.partition(":")
        functions.append(getattr(import_module(module), function))
    return functions
