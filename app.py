"""Remixery: the Chalice app. Routes live in `chalicelib/api/`; event handlers stay here.

Keep this module cheap to import: it is paid on every cold start. Handlers import their
work on first use.
"""
import os

from chalice import Chalice

from chalicelib.api.routes import mount

app = Chalice(app_name="remixery", configure_logs=False)  # Powertools Logger does the logging
mount(app)  # a route's module is imported on its first request

# Event sources are wired when the app is packaged, so the queue name has to be known at
# import time: Chalice sets the stage's environment from .chalice/config.json before it
# imports this module. This is the only setting read at import.
UPLOAD_QUEUE = os.environ.get("REMIXERY_UPLOAD_QUEUE", "remixery-local-uploads")
HEART_QUEUE = os.environ.get("REMIXERY_HEART_QUEUE", "remixery-local-hearts")
ROYALTY_QUEUE = os.environ.get("REMIXERY_ROYALTY_QUEUE", "remixery-local-royalties")
ROYALTY_BATCH_QUEUE = os.environ.get("REMIXERY_ROYALTY_BATCH_QUEUE", "remixery-local-royalty-batches")
EVENT_QUEUE = os.environ.get("REMIXERY_EVENT_QUEUE", "remixery-local-events")
EXPORT_QUEUE = os.environ.get("REMIXERY_EXPORT_QUEUE", "remixery-local-exports")
PAYOUT_QUEUE = os.environ.get("REMIXERY_PAYOUT_QUEUE", "remixery-local-payouts")
PROPOSAL_QUEUE = os.environ.get("REMIXERY_PROPOSAL_QUEUE", "remixery-local-proposals")


@app.on_sqs_message(queue=UPLOAD_QUEUE, batch_size=10)
def process_uploads(event):
    """S3 ObjectCreated → SQS → here: check the stored bytes, then ready or rejected."""
    from chalicelib.jobs.uploads import handle_batch

    return handle_batch(event.to_dict(), event.context)


@app.on_sqs_message(queue=HEART_QUEUE, batch_size=10)
def count_hearts(event):
    """A record's hearts changed: sum its counters into heart_count and the trending lists."""
    from chalicelib.jobs.hearts import handle_batch

    return handle_batch(event.to_dict(), event.context)


@app.schedule("rate(1 hour)")
def roll_up_trending(event):
    """Slides the trending windows: records in them are summed again, hourly."""
    from chalicelib.jobs.hearts import roll_up_trending as roll_up

    return roll_up()


@app.schedule("cron(0 2 1 * ? *)")
def start_monthly_royalty_run(event):
    """Day 1, 02:00 UTC: queues the run of the month before (skipped once it or a later one closed)."""
    from chalicelib.jobs.royalties import start_scheduled

    return start_scheduled()


# One run per invocation: a retry must not redo another period.
@app.on_sqs_message(queue=ROYALTY_QUEUE, batch_size=1)
def run_royalties(event):
    """Takes up the run of the period named in the message and queues its productions in batches."""
    from chalicelib.jobs.royalties import handle_batch

    return handle_batch(event.to_dict(), event.context)


# One batch of productions per invocation (seconds to minutes); Lambda runs up to 50 at once, which
# keeps the run's writes well within the table's (docs/royalty-fanout.md).
@app.on_sqs_message(queue=ROYALTY_BATCH_QUEUE, batch_size=1, maximum_concurrency=50)
def close_royalty_batch(event):
    """Closes one batch of a run's productions; the last batch counted writes the statements."""
    from chalicelib.jobs.royalties import handle_worker_batch

    return handle_worker_batch(event.to_dict(), event.context)


@app.on_sqs_message(queue=EVENT_QUEUE, batch_size=10)
def deliver_events(event):
    """The event stream: each event goes to every subscriber (notifications, search, counts)."""
    from chalicelib.jobs.events import handle_batch

    return handle_batch(event.to_dict(), event.context)


# One message (up to 25 payouts) per invocation: each payout is a Stripe call or two.
@app.on_sqs_message(queue=PAYOUT_QUEUE, batch_size=1)
def send_payouts(event):
    """Sends the queued payouts as Stripe transfers, once each (held without an active account)."""
    from chalicelib.jobs.payouts import handle_batch

    return handle_batch(event.to_dict(), event.context)


@app.schedule("cron(0 3 * * ? *)")
def retry_payouts(event):
    """Daily, 03:00 UTC: held, failed and pending payouts are sent again once the account is active."""
    from chalicelib.jobs.payouts import retry_payouts as retry

    return retry()


# One freeze per invocation: a lineage of 10^5 records takes seconds to read and write.
@app.on_sqs_message(queue=PROPOSAL_QUEUE, batch_size=1)
def freeze_proposals(event):
    """Freezes the lineage of the proposal named in the message and opens its window."""
    from chalicelib.jobs.proposals import handle_batch

    return handle_batch(event.to_dict(), event.context)


# One export per invocation: an archive of a member's media may take minutes to stream.
@app.on_sqs_message(queue=EXPORT_QUEUE, batch_size=1)
def build_export(event):
    """Streams a member's data export (a ZIP) to S3, then marks it ready and notifies them."""
    from chalicelib.jobs.exports import handle_batch

    return handle_batch(event.to_dict(), event.context)


@app.schedule("cron(30 0 * * ? *)")
def restore_countered(event):
    """00:30 UTC daily: restores the records of counter-notices 10 full business days old (no lawsuit)."""
    from chalicelib.jobs.copyright import restore_countered as restore

    return restore(event.to_dict())


@app.schedule("cron(0 1 * * ? *)")
def purge_removed_media(event):
    """01:00 UTC daily: deletes the media and text kept by moderators' removals whose appeal period ended."""
    from chalicelib.jobs.moderation import purge_removed_media as purge

    return purge(event.to_dict())
