"""Least-privilege IAM, written by hand: one role per function, and this is the only place its
policy is written.

Chalice cannot see the calls made from chalicelib or PynamoDB (`autogen_policy` is off), so
every action below is one the code makes, and every resource is the narrowest ARN that the
call can name. Wildcards remain only where the name is chosen at run time, each said below:

- `uploads/*`, `media/*`: one object per record, keyed by record id.
- `previews/*`: a record's thumbnail or poster, `previews/<record id>/<name>.webp`.
- `exports/*`: a member's data export, `exports/<member id>/<export id>.zip`.
- `log-group:/aws/lambda/<function>:*`: the log streams Lambda opens in the function's own
  group. The group is created by CloudFormation (with its retention), so no function may
  create log groups.

Wired at synth time by `infra/stack.py`: each function of the Chalice app gets the role built
from `POLICIES[<its name>]`; a function with no entry here stops the synth. Names listed here
that the app does not (yet) define are simply not built.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from aws_cdk import Aws
from aws_cdk import aws_iam as iam


@dataclass(frozen=True)
class Grants:
    """The ARNs a policy may name, resolved by the stack."""

    table_arn: str
    index_arns: tuple[str, ...]
    bucket_arn: str
    upload_queue_arn: str
    heart_queue_arn: str
    royalty_queue_arn: str
    royalty_batch_queue_arn: str
    event_queue_arn: str
    payout_queue_arn: str
    export_queue_arn: str
    proposal_queue_arn: str
    webhook_secret_arns: tuple[str, ...]
    stripe_secret_arns: tuple[str, ...] = ()  # the platform's Stripe secret key (payouts)


def _statement(sid: str, actions: list[str], resources: list[str]) -> iam.PolicyStatement:
    return iam.PolicyStatement(sid=sid, effect=iam.Effect.ALLOW, actions=actions, resources=resources)


def logs(function_name: str) -> iam.PolicyStatement:
    group = f"arn:{Aws.PARTITION}:logs:{Aws.REGION}:{Aws.ACCOUNT_ID}:log-group:/aws/lambda/{function_name}"
    return _statement("Logs", ["logs:CreateLogStream", "logs:PutLogEvents"], [f"{group}:*"])


def table_read(g: Grants) -> iam.PolicyStatement:
    # TransactGetItems is authorised as GetItem; Query is the only call that names an index.
    return _statement("TableRead", ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query"],
                      [g.table_arn, *g.index_arns])


def table_write(g: Grants) -> iam.PolicyStatement:
    # TransactWriteItems has no action of its own: each of its items is authorised as one of these.
    return _statement("TableWrite", ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
                                     "dynamodb:BatchWriteItem", "dynamodb:ConditionCheckItem"], [g.table_arn])


def consume(sid: str, queue_arn: str) -> iam.PolicyStatement:
    """What Lambda's SQS event source mapping does with the function's role."""
    return _statement(sid, ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"], [queue_arn])


def send(sid: str, *queue_arns: str) -> iam.PolicyStatement:
    # The app looks a queue's URL up by name, then sends (SendMessageBatch is authorised as SendMessage).
    return _statement(sid, ["sqs:GetQueueUrl", "sqs:SendMessage"], list(queue_arns))


def objects(g: Grants, prefix: str) -> str:
    return f"{g.bucket_arn}/{prefix}*"


def api_handler(g: Grants) -> list[iam.PolicyStatement]:
    return [
        table_read(g),
        table_write(g),
        # A presigned POST and a presigned GET carry this role's signature: S3 checks the role
        # when the browser uses them, so the role needs exactly what the URL allows.
        _statement("PresignUploads", ["s3:PutObject"], [objects(g, "uploads/")]),
        _statement("PresignMediaReads", ["s3:GetObject"],
                   [objects(g, "media/"), objects(g, "previews/"), objects(g, "exports/")]),
        _statement("TakeDownMedia", ["s3:DeleteObject"],
                   [objects(g, "media/"), objects(g, "uploads/"), objects(g, "previews/")]),
        send("SendToQueues", g.heart_queue_arn, g.royalty_queue_arn, g.event_queue_arn, g.export_queue_arn,
             g.proposal_queue_arn),
        _statement("ReadWebhookSecrets", ["secretsmanager:GetSecretValue"], list(g.webhook_secret_arns)),
        # Payout accounts (POST /me/payout-account, account.updated) and payouts queued again
        # when an account becomes active or a transfer is reversed.
        read_stripe_key(g),
        send("SendToPayoutQueue", g.payout_queue_arn),
    ]


def process_uploads(g: Grants) -> list[iam.PolicyStatement]:
    return [
        table_read(g),
        table_write(g),
        consume("ConsumeUploads", g.upload_queue_arn),
        send("SendEvents", g.event_queue_arn),
        # HEAD, ranged and streamed GETs of the upload, and the source side of the copy. The copy
        # names no version and the uploads carry no tags (a presigned POST cannot add any), so
        # neither s3:GetObjectVersion nor s3:GetObjectTagging is needed.
        _statement("ReadUploads", ["s3:GetObject"], [objects(g, "uploads/")]),
        _statement("DiscardUploads", ["s3:DeleteObject"], [objects(g, "uploads/")]),
        # The destination side of the copy, and its undo when the copied ETag differs.
        # Nothing reads media/ here: a copy does not read its destination.
        _statement("WriteMedia", ["s3:PutObject", "s3:DeleteObject"], [objects(g, "media/")]),
        # Previews are made from the immutable media (read), stored beside it, and deleted again
        # when the record was taken down while they were made.
        _statement("ReadMediaForPreviews", ["s3:GetObject"], [objects(g, "media/")]),
        _statement("WritePreviews", ["s3:PutObject", "s3:DeleteObject"], [objects(g, "previews/")]),
    ]


def read_stripe_key(g: Grants) -> iam.PolicyStatement:
    return _statement("ReadStripeKey", ["secretsmanager:GetSecretValue"], list(g.stripe_secret_arns))


def send_payouts(g: Grants) -> list[iam.PolicyStatement]:
    # Transfers go to Stripe over HTTPS with the secret key; the payout's state is in the table.
    return [table_read(g), table_write(g), consume("ConsumePayouts", g.payout_queue_arn),
            send("SendEvents", g.event_queue_arn), read_stripe_key(g)]


def retry_payouts(g: Grants) -> list[iam.PolicyStatement]:
    # Reads the held, failed and pending payouts (a Query each) and queues them; writes nothing.
    return [table_read(g), send("SendToPayoutQueue", g.payout_queue_arn)]


def count_hearts(g: Grants) -> list[iam.PolicyStatement]:
    return [table_read(g), table_write(g), consume("ConsumeHearts", g.heart_queue_arn)]


def roll_up_trending(g: Grants) -> list[iam.PolicyStatement]:
    return [table_read(g), send("SendToHeartQueue", g.heart_queue_arn)]


def run_royalties(g: Grants) -> list[iam.PolicyStatement]:
    # Takes the run up (its plan of batches) and queues the batches; the workers do the rest.
    return [table_read(g), table_write(g), consume("ConsumeRoyalties", g.royalty_queue_arn),
            send("SendToRoyaltyBatchQueue", g.royalty_batch_queue_arn)]


def close_royalty_batch(g: Grants) -> list[iam.PolicyStatement]:
    # The last batch counted writes the statements and payouts, queues the payouts and
    # announces the statements.
    return [table_read(g), table_write(g), consume("ConsumeRoyaltyBatches", g.royalty_batch_queue_arn),
            send("SendEvents", g.event_queue_arn), send("SendToPayoutQueue", g.payout_queue_arn)]


def deliver_events(g: Grants) -> list[iam.PolicyStatement]:
    return [table_read(g), table_write(g), consume("ConsumeEvents", g.event_queue_arn)]


def build_export(g: Grants) -> list[iam.PolicyStatement]:
    return [
        table_read(g),
        table_write(g),  # the export's state and its lock
        consume("ConsumeExports", g.export_queue_arn),
        send("SendEvents", g.event_queue_arn),  # export_ready
        # HEAD and streamed GET of each record's original bytes; nothing else is read from S3.
        _statement("ReadMediaForExports", ["s3:GetObject"], [objects(g, "media/")]),
        # The archive's multipart upload (create, parts and completion are authorised as
        # s3:PutObject) and its abort when the build fails.
        _statement("WriteExports", ["s3:PutObject", "s3:AbortMultipartUpload"], [objects(g, "exports/")]),
    ]


def freeze_proposals(g: Grants) -> list[iam.PolicyStatement]:
    return [table_read(g), table_write(g), consume("ConsumeProposals", g.proposal_queue_arn),
            send("SendEvents", g.event_queue_arn)]  # proposal_opened, contributed, grant_requested


def start_monthly_royalty_run(g: Grants) -> list[iam.PolicyStatement]:
    # Writes too: it claims the period's run item before queueing it (and removes the claim if
    # the message cannot be sent), so two starts cannot queue one period twice.
    return [table_read(g), table_write(g), send("SendToRoyaltyQueue", g.royalty_queue_arn)]


# Chalice function name → its statements (logs are added for every function).
POLICIES: dict[str, Callable[[Grants], list[iam.PolicyStatement]]] = {
    "api_handler": api_handler,
    "process_uploads": process_uploads,
    "count_hearts": count_hearts,
    "roll_up_trending": roll_up_trending,
    "run_royalties": run_royalties,
    "close_royalty_batch": close_royalty_batch,
    "deliver_events": deliver_events,
    "start_monthly_royalty_run": start_monthly_royalty_run,
    "build_export": build_export,
    "send_payouts": send_payouts,
    "retry_payouts": retry_payouts,
    "freeze_proposals": freeze_proposals,
}


# Trust and safety: the daily restoration of countered records, and the API's forwarding of
# counter-notices to complainants through SES (the sender identity is the account's own).
def restore_countered(g: Grants) -> list[iam.PolicyStatement]:
    return [table_read(g), table_write(g), send("SendEvents", g.event_queue_arn)]


def forward_counter_notices() -> iam.PolicyStatement:
    return _statement("ForwardCounterNotices", ["ses:SendEmail"],
                      [f"arn:{Aws.PARTITION}:ses:{Aws.REGION}:{Aws.ACCOUNT_ID}:identity/*"])


def _api_handler_with_mail(build: Callable[[Grants], list[iam.PolicyStatement]]):
    return lambda g: [*build(g), forward_counter_notices()]


# The daily purge of what moderators' removals kept once their appeal period ended: the
# removals (a Query), each record's kept body (table writes) and its media and upload objects.
def purge_removed_media(g: Grants) -> list[iam.PolicyStatement]:
    return [table_read(g), table_write(g),
            _statement("PurgeRemovedMedia", ["s3:DeleteObject"], [objects(g, "media/"), objects(g, "uploads/")])]


POLICIES["restore_countered"] = restore_countered
POLICIES["purge_removed_media"] = purge_removed_media
POLICIES["api_handler"] = _api_handler_with_mail(POLICIES["api_handler"])


def policy_document(chalice_name: str, function_name: str, grants: Grants) -> iam.PolicyDocument:
    try:
        build = POLICIES[chalice_name]
    except KeyError:
        raise LookupError(
            f"The Chalice app defines a function {chalice_name!r} that has no policy: write one in "
            f"infra/permissions.py (POLICIES) with exactly the calls it makes"
        ) from None
    return iam.PolicyDocument(statements=[logs(function_name), *build(grants)])
