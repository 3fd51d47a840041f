"""Remixery's one CloudFormation stack: everything a stage needs, built from the definitions
that the models and the local stack use (`chalicelib/storage/definitions.py`).

- The table, the queues (each with a dead-letter queue) and the media bucket are built by
  iterating the definitions; their names come from the stage's settings in
  `.chalice/config.json`, the same ones `app.py` reads when Chalice packages it (an SQS event
  source is wired by queue name at package time).
- The functions, the API and the schedules come from the Chalice app itself
  (`chalice.cdk.Chalice`, which runs `chalice package`). Each function then gets its own
  role, written by hand in `infra/permissions.py`, a fixed name (`remixery-<stage>-<name>`)
  and a log group with retention.
- Cognito (pool, `producer`/`moderator`/`admin` groups, app client, hosted UI), the secrets, API throttling
  and the alarms complete it.
- The public site (`site/`): a private bucket behind a CloudFront distribution (origin access
  control) that also routes `/api/*` to the API, so the site's calls are same-origin; a
  BucketDeployment copies `site/` and writes its `config.json` (the Cognito hosted UI).

The stack is environment-agnostic (account and region are CloudFormation pseudo parameters),
so synthesis needs no AWS credentials; `cdk deploy` takes them from the caller.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import Aws, Duration, RemovalPolicy
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_assets as s3_assets
from aws_cdk import aws_s3_deployment as s3_deployment
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as sns_subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from chalicelib.api.routing import CORS
from chalicelib.auth import ADMIN, MODERATOR, PRODUCER
from chalicelib.storage import definitions
from chalicelib.storage.definitions import BucketDefinition, QueueDefinition, TableDefinition
from infra import permissions

PROJECT_DIR = Path(__file__).resolve().parent.parent
STAGES = ("dev", "prod")
APP_NAME = "remixery"

# The stage setting (`.chalice/config.json` environment variable) that names each defined
# resource. A definition missing here stops the synth, so a new queue cannot be forgotten.
NAME_SETTINGS: dict[object, str] = {
    definitions.MAIN_TABLE: "REMIXERY_TABLE_NAME",
    definitions.UPLOAD_QUEUE: "REMIXERY_UPLOAD_QUEUE",
    definitions.HEART_QUEUE: "REMIXERY_HEART_QUEUE",
    definitions.ROYALTY_QUEUE: "REMIXERY_ROYALTY_QUEUE",
    definitions.ROYALTY_BATCH_QUEUE: "REMIXERY_ROYALTY_BATCH_QUEUE",
    definitions.EVENT_QUEUE: "REMIXERY_EVENT_QUEUE",
    definitions.PAYOUT_QUEUE: "REMIXERY_PAYOUT_QUEUE",
    definitions.EXPORT_QUEUE: "REMIXERY_EXPORT_QUEUE",
    definitions.PROPOSAL_QUEUE: "REMIXERY_PROPOSAL_QUEUE",
}
# S3 ObjectCreated events of the media bucket go to this queue (as in the local bootstrap).
NOTIFIED_QUEUE = definitions.UPLOAD_QUEUE

# Chalice's role setting needs a value when it does not manage roles; every function's role is
# then replaced by its own. The stack refuses to synthesize if this string survives anywhere.
UNASSIGNED_ROLE = "arn:aws:iam::000000000000:role/remixery-unassigned"

GATEWAY_RESPONSES_WITH_CORS = ("DEFAULT_4XX", "DEFAULT_5XX")  # every answer API Gateway makes itself

LOG_RETENTION = {"dev": logs.RetentionDays.TWO_WEEKS, "prod": logs.RetentionDays.THREE_MONTHS}
DLQ_RETENTION = Duration.days(14)  # the most SQS keeps: time to look at a failure and redrive it
STALE_UPLOAD_DAYS = 14  # uploads/ objects nothing moved (failed processing): as long as a DLQ keeps its message
NONCURRENT_VERSION_DAYS = 7  # how long an overwritten or deleted object (a takedown too) can be recovered
SITE_DIR = PROJECT_DIR / "site"  # the public site: plain files, deployed as they are
SITE_MAX_AGE = Duration.minutes(5)  # browsers revalidate soon; each deploy also invalidates CloudFront
AUTH_SCOPES = ("openid", "email", "profile")


def defined(kind: type) -> list:
    """Every definition of one kind in `definitions`, in the order they are written."""
    return [value for value in vars(definitions).values() if isinstance(value, kind)]


def chalice_config(project_dir: Path = PROJECT_DIR) -> dict:
    return json.loads((project_dir / ".chalice" / "config.json").read_text())


def stage_settings(stage: str, project_dir: Path = PROJECT_DIR) -> dict[str, str]:
    """The stage's environment as Chalice builds it: top-level variables, then the stage's."""
    config = chalice_config(project_dir)
    env = dict(config.get("environment_variables", {}))
    env.update(config["stages"][stage].get("environment_variables", {}))
    return env


def chalice_name(handler: str) -> str:
    """`app.app` is Chalice's API handler; `app.<function>` is an event handler of that name."""
    attribute = handler.partition(".")[2]
    return "api_handler" if attribute == "app" else attribute


def function_name(stage: str, name: str) -> str:
    """The name `chalice deploy` would give it, so logs and metrics read the same either way."""
    return f"{APP_NAME}-{stage}-{name}"


@dataclass(frozen=True)
class Options:
    """What a deployer may set with `-c key=value` (see the README)."""

    allowed_origins: tuple[str, ...] = ("*",)
    alarm_email: str | None = None
    api_rate_limit: int = 100  # requests per second, steady
    api_burst_limit: int = 200
    auth_domain_prefix: str | None = None  # the hosted UI's <prefix>.auth.<region>.amazoncognito.com
    # An AWS WAF rate-based rule on the API stage (docs/trust-and-safety.md): None = on for prod,
    # off for dev (a web ACL costs ~$6 a month even without traffic).
    waf: bool | None = None
    waf_rate_limit: int = 2000  # requests per 5 minutes per source IP

    @classmethod
    def from_context(cls, node) -> "Options":
        origins = node.try_get_context("allowed_origins")
        if isinstance(origins, str):
            origins = [o.strip() for o in origins.split(",") if o.strip()]
        return cls(
            allowed_origins=tuple(origins or cls.allowed_origins),
            alarm_email=node.try_get_context("alarm_email") or None,
            api_rate_limit=int(node.try_get_context("api_rate_limit") or cls.api_rate_limit),
            api_burst_limit=int(node.try_get_context("api_burst_limit") or cls.api_burst_limit),
            auth_domain_prefix=node.try_get_context("auth_domain_prefix") or None,
            waf=_flag(node.try_get_context("waf")),
            waf_rate_limit=int(node.try_get_context("waf_rate_limit") or cls.waf_rate_limit),
        )


def _flag(value) -> bool | None:
    if value is None or value == "":
        return None
    return str(value).lower() in ("1", "true", "yes", "on")


class RemixeryStack(cdk.Stack):
    """One stage of Remixery. The construct id IS the Chalice stage (`dev` or `prod`): the
    Chalice construct packages the app for the stage named by its scope."""

    def __init__(self, scope: Construct, stage: str, *, options: Options | None = None, **kwargs) -> None:
        if stage not in STAGES:
            raise ValueError(f"stage must be one of {STAGES}, not {stage!r}")
        super().__init__(scope, stage, stack_name=f"{APP_NAME}-{stage}",
                         description=f"Remixery ({stage}): API, functions, table, media bucket, queues, "
                                     f"user pool, secrets and alarms", **kwargs)
        self.stage = stage
        self.prod = stage == "prod"
        self.options = options or Options.from_context(self.node)
        self.settings = stage_settings(stage)
        config = chalice_config()["stages"][stage]
        cdk.Tags.of(self).add("app", APP_NAME)
        cdk.Tags.of(self).add("stage", stage)
        data_removal = RemovalPolicy.RETAIN if self.prod else RemovalPolicy.DESTROY

        self.tables = {d: self._table(d, data_removal) for d in defined(TableDefinition)}
        self.queues = {d: self._queue_with_dlq(d) for d in defined(QueueDefinition)}
        self.media_bucket_name = f"{APP_NAME}-{stage}-media-{Aws.ACCOUNT_ID}-{Aws.REGION}"
        buckets = defined(BucketDefinition)
        if len(buckets) != 1:
            raise ValueError(f"the stack builds exactly one media bucket; definitions has {len(buckets)}")
        self.bucket = self._media_bucket(buckets[0], data_removal)
        self.user_pool, self.app_client, self.auth_domain = self._user_pool(data_removal)
        self.webhook_secrets = {
            "REMIXERY_STRIPE_WEBHOOK_SECRET_NAME": self._secret(
                "StripeWebhookSecret", "stripe-webhook-secret",
                "Stripe's webhook signing secret (whsec_...): set it after deploy, see the README"),
            "REMIXERY_SHOPIFY_WEBHOOK_SECRET_NAME": self._secret(
                "ShopifyWebhookSecret", "shopify-webhook-secret",
                "Shopify's webhook signing secret: set it after deploy, see the README"),
            "REMIXERY_STRIPE_CONNECT_WEBHOOK_SECRET_NAME": self._secret(
                "StripeConnectWebhookSecret", "stripe-connect-webhook-secret",
                "The Stripe Connect endpoint's signing secret (whsec_...): set it after deploy, see docs/payouts.md"),
        }
        # Payouts: the platform's Stripe secret key, read by name (docs/payouts.md).
        self.stripe_secret_key = self._secret(
            "StripeSecretKey", "stripe-secret-key",
            "The platform's Stripe secret key (sk_live_... or a restricted key): set it after deploy, see docs/payouts.md")
        self.cursor_secret = self._secret(
            "CursorSecret", "cursor-secret",
            "Signs pagination cursors. Generated once; read by CloudFormation into the functions' "
            "environment at deploy time (see the README for rotation)")

        self.function_names: dict[str, str] = {}  # Chalice name → deployed function name
        self.chalice = self._chalice_app(config)
        self.site_bucket, self.distribution = self._site(data_removal)
        self._alarms(config)
        self._outputs()

    # --- data -----------------------------------------------------------------------------

    def _table(self, definition: TableDefinition, removal: RemovalPolicy) -> dynamodb.Table:
        def key(name: str) -> dynamodb.Attribute:
            return dynamodb.Attribute(name=name, type=dynamodb.AttributeType.STRING)

        table = dynamodb.Table(
            self, definition.logical_id,
            table_name=self._name_of(definition),
            partition_key=key(definition.hash_key),
            sort_key=key(definition.range_key),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True),
            deletion_protection=self.prod,
            time_to_live_attribute=definition.ttl_attribute,
            removal_policy=removal,
        )
        for index in definition.indexes:
            table.add_global_secondary_index(
                index_name=index.name, partition_key=key(index.hash_key), sort_key=key(index.range_key),
                projection_type=dynamodb.ProjectionType.ALL,  # as the local bootstrap creates them
            )
        return table

    def _queue_with_dlq(self, definition: QueueDefinition) -> sqs.Queue:
        name = self._name_of(definition)
        dead_letters = sqs.Queue(
            self, f"{definition.logical_id}DeadLetters", queue_name=f"{name}-dlq",
            retention_period=DLQ_RETENTION, encryption=sqs.QueueEncryption.SQS_MANAGED, enforce_ssl=True,
        )
        return sqs.Queue(
            self, definition.logical_id, queue_name=name,
            visibility_timeout=Duration.seconds(definition.visibility_timeout_seconds),
            dead_letter_queue=sqs.DeadLetterQueue(queue=dead_letters, max_receive_count=definition.max_receive_count),
            # SSE-SQS, not KMS: S3 can send events only to queues it needs no KMS key for.
            encryption=sqs.QueueEncryption.SQS_MANAGED, enforce_ssl=True,
        )

    def _media_bucket(self, definition: BucketDefinition, removal: RemovalPolicy) -> s3.Bucket:
        bucket = s3.Bucket(
            self, definition.logical_id,
            # Bucket names are global: the account and region keep two deployers apart.
            bucket_name=self.media_bucket_name,
            # SSE-S3, on purpose: the upload function promotes an upload only if the copy's ETag
            # equals the checked one, and an ETag is the bytes' MD5 only under SSE-S3 (SSE-KMS
            # ETags are not). Do not switch this to KMS without changing that check.
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            enforce_ssl=True,
            versioned=True,
            cors=[s3.CorsRule(
                # The site POSTs uploads straight to S3 (presigned POST) and reads media with
                # presigned GETs; the signature, not CORS, is what authorises either.
                allowed_methods=[s3.HttpMethods.POST, s3.HttpMethods.GET, s3.HttpMethods.HEAD],
                allowed_origins=list(self.options.allowed_origins),
                allowed_headers=["*"],
                exposed_headers=["ETag", "Content-Length", "Content-Range", "Accept-Ranges"],
                max_age=3600,
            )],
            lifecycle_rules=[
                s3.LifecycleRule(id="stale-uploads", prefix="uploads/",
                                 expiration=Duration.days(STALE_UPLOAD_DAYS)),
                s3.LifecycleRule(id="old-versions",
                                 noncurrent_version_expiration=Duration.days(NONCURRENT_VERSION_DAYS),
                                 abort_incomplete_multipart_upload_after=Duration.days(1)),
                s3.LifecycleRule(id="orphan-delete-markers", expired_object_delete_marker=True),
                # Data exports (Your data): each archive is deleted this many days after it was written.
                *[s3.LifecycleRule(id=f"expire-{prefix.strip('/')}", prefix=prefix, expiration=Duration.days(days))
                  for prefix, days in definition.expiring_prefixes],
            ],
            removal_policy=removal,
        )
        # ObjectCreated under uploads/ → the upload queue. Written on the bucket itself (not with
        # CDK's add_event_notification, which adds a custom-resource Lambda allowed to change any
        # bucket's notifications). S3 checks that it may send to the queue when the bucket is
        # configured, so the queue policy names the bucket by its (known) name and comes first.
        queue = self.queues[NOTIFIED_QUEUE]
        added = queue.add_to_resource_policy(iam.PolicyStatement(
            sid="MediaBucketEvents", effect=iam.Effect.ALLOW,
            principals=[iam.ServicePrincipal("s3.amazonaws.com")],
            actions=["sqs:SendMessage"], resources=[queue.queue_arn],
            conditions={"ArnEquals": {"aws:SourceArn": f"arn:{Aws.PARTITION}:s3:::{self.media_bucket_name}"},
                        "StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID}},
        ))
        cfn_bucket: s3.CfnBucket = bucket.node.default_child
        cfn_bucket.notification_configuration = s3.CfnBucket.NotificationConfigurationProperty(
            queue_configurations=[
                s3.CfnBucket.QueueConfigurationProperty(
                    event="s3:ObjectCreated:*", queue=queue.queue_arn,
                    filter=s3.CfnBucket.NotificationFilterProperty(s3_key=s3.CfnBucket.S3KeyFilterProperty(
                        rules=[s3.CfnBucket.FilterRuleProperty(name="prefix", value=prefix)])),
                )
                for prefix in definition.notify_prefixes
            ])
        bucket.node.add_dependency(added.policy_dependable)
        return bucket

    # --- identity and secrets -----------------------------------------------------------------

    def _user_pool(self, removal: RemovalPolicy) -> tuple[cognito.UserPool, cognito.UserPoolClient,
                                                          cognito.UserPoolDomain]:
        pool = cognito.UserPool(
            self, "UserPool", user_pool_name=f"{APP_NAME}-{self.stage}",
            feature_plan=cognito.FeaturePlan.LITE,  # groups and JWTs are all the app needs
            self_sign_up_enabled=True,
            sign_in_aliases=cognito.SignInAliases(email=True),
            auto_verify=cognito.AutoVerifiedAttrs(email=True),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            password_policy=cognito.PasswordPolicy(min_length=12),
            deletion_protection=self.prod,
            removal_policy=removal,
        )
        for group, description in ((PRODUCER, "Creates productions and books their costs"),
                                   (ADMIN, "May do anything a producer may, and assigns unmatched sales"),
                                   (MODERATOR, "Acts on reports and copyright notices")):
            cognito.CfnUserPoolGroup(self, f"{group.capitalize()}Group", user_pool_id=pool.user_pool_id,
                                     group_name=group, description=description)
        client = pool.add_client(
            "AppClient", user_pool_client_name=f"{APP_NAME}-{self.stage}-site",
            generate_secret=False,  # a browser or mobile app cannot keep one
            auth_flows=cognito.AuthFlow(user_srp=True),
            prevent_user_existence_errors=True,
            # The site signs in through the hosted UI: authorization code with PKCE. Its callback
            # and sign-out URLs are the distribution's, set once it exists (`_site`).
            o_auth=cognito.OAuthSettings(
                flows=cognito.OAuthFlows(authorization_code_grant=True),
                scopes=[cognito.OAuthScope.custom(scope) for scope in AUTH_SCOPES],
            ),
            supported_identity_providers=[cognito.UserPoolClientIdentityProvider.COGNITO],
        )
        # Domain prefixes are global to a region: the account keeps two deployers apart.
        domain = pool.add_domain("HostedUi", cognito_domain=cognito.CognitoDomainOptions(
            domain_prefix=self.options.auth_domain_prefix or f"{APP_NAME}-{self.stage}-{Aws.ACCOUNT_ID}"))
        return pool, client, domain

    def _secret(self, construct_id: str, name: str, description: str) -> secretsmanager.Secret:
        # Every secret starts as a random value: a webhook signed with anything but the real
        # secret (set after deploy) is refused, never accepted with a known placeholder.
        return secretsmanager.Secret(
            self, construct_id, secret_name=f"{APP_NAME}/{self.stage}/{name}", description=description,
            generate_secret_string=secretsmanager.SecretStringGenerator(password_length=64, exclude_punctuation=True),
            removal_policy=RemovalPolicy.RETAIN if self.prod else RemovalPolicy.DESTROY,
        )

    # --- the Chalice app --------------------------------------------------------------------

    def _chalice_app(self, config: dict):
        from chalice.cdk import Chalice

        # Chalice asks botocore for the region only to spell API Gateway's service principal;
        # any region of the partition spells it the same way. Synthesis needs no credentials.
        os.environ.setdefault("AWS_DEFAULT_REGION", os.environ.get("CDK_DEFAULT_REGION", "us-east-1"))
        table = self.tables[definitions.MAIN_TABLE]
        chalice = Chalice(
            self, "ChaliceApp", source_dir=str(PROJECT_DIR),
            stage_config={
                "manage_iam_role": False,
                "iam_role_arn": UNASSIGNED_ROLE,
                "environment_variables": {
                    "REMIXERY_TABLE_NAME": table.table_name,
                    "REMIXERY_MEDIA_BUCKET": self.bucket.bucket_name,
                    "REMIXERY_COGNITO_USER_POOL_ID": self.user_pool.user_pool_id,
                    "REMIXERY_COGNITO_APP_CLIENT_ID": self.app_client.user_pool_client_id,
                    **{setting: secret_name(secret) for setting, secret in self.webhook_secrets.items()},
                    "REMIXERY_STRIPE_SECRET_KEY_NAME": secret_name(self.stripe_secret_key),
                    # A CloudFormation dynamic reference: resolved at deploy time, never in the
                    # template or the cloud assembly. See the README for the trade-off.
                    "REMIXERY_CURSOR_SECRET": self.cursor_secret.secret_value.unsafe_unwrap(),
                },
            },
        )
        grants = permissions.Grants(
            table_arn=table.table_arn,
            index_arns=tuple(f"{table.table_arn}/index/{index.name}" for index in definitions.MAIN_TABLE.indexes),
            bucket_arn=self.bucket.bucket_arn,
            upload_queue_arn=self.queues[definitions.UPLOAD_QUEUE].queue_arn,
            heart_queue_arn=self.queues[definitions.HEART_QUEUE].queue_arn,
            royalty_queue_arn=self.queues[definitions.ROYALTY_QUEUE].queue_arn,
            royalty_batch_queue_arn=self.queues[definitions.ROYALTY_BATCH_QUEUE].queue_arn,
            event_queue_arn=self.queues[definitions.EVENT_QUEUE].queue_arn,
            payout_queue_arn=self.queues[definitions.PAYOUT_QUEUE].queue_arn,
            export_queue_arn=self.queues[definitions.EXPORT_QUEUE].queue_arn,
            proposal_queue_arn=self.queues[definitions.PROPOSAL_QUEUE].queue_arn,
            webhook_secret_arns=tuple(secret.secret_arn for secret in self.webhook_secrets.values()),
            stripe_secret_arns=(self.stripe_secret_key.secret_arn,),
        )
        # What `chalice package` wrote (the construct keeps no other handle on it): its
        # functions, their events and their log groups, by logical id.
        packaged = json.loads((Path(chalice._sam_package_dir) / "sam.json").read_text())["Resources"]
        for logical_id, resource in packaged.items():
            if resource["Type"] == "AWS::Serverless::Function":
                self._wire_function(chalice, logical_id, resource["Properties"], grants)

        api: cdk.CfnResource = chalice.get_resource("RestAPI")
        self.api_name = f"{APP_NAME}-{self.stage}"
        self.api_stage = config["api_gateway_stage"]
        # API Gateway names its metrics after the API's title: one per stage, not "remixery".
        api.add_property_override("DefinitionBody.info.title", self.api_name)
        api.add_property_override("MethodSettings", [{
            "ResourcePath": "/*", "HttpMethod": "*",
            "ThrottlingRateLimit": self.options.api_rate_limit,
            "ThrottlingBurstLimit": self.options.api_burst_limit,
        }])
        if self.prod if self.options.waf is None else self.options.waf:
            self._rate_based_waf(api)
        # API Gateway's own answers (an unknown path's 403, throttling's 429, a 5xx before the
        # function answers) carry the app's CORS origin too: a page on another origin then sees
        # the status, not a CORS failure that hides it.
        api.add_property_override("DefinitionBody.x-amazon-apigateway-gateway-responses", {
            kind: {"responseParameters": {
                "gatewayresponse.header.Access-Control-Allow-Origin": f"'{CORS.allow_origin}'"}}
            for kind in GATEWAY_RESPONSES_WITH_CORS})
        return chalice

    def _rate_based_waf(self, api: cdk.CfnResource) -> None:
        """An AWS WAF web ACL on the API stage that blocks a source IP over `waf_rate_limit`
        requests in 5 minutes: a flood stops before it reaches (and is billed by) the functions.
        The app's own per-member limits (DynamoDB counters) stay the precise ones."""
        from aws_cdk import aws_wafv2 as wafv2

        metric = f"{APP_NAME}-{self.stage}-waf"
        acl = wafv2.CfnWebACL(
            self, "ApiWebAcl", scope="REGIONAL", default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            visibility_config=wafv2.CfnWebACL.VisibilityConfigProperty(
                cloud_watch_metrics_enabled=True, metric_name=metric, sampled_requests_enabled=True),
            rules=[wafv2.CfnWebACL.RuleProperty(
                name="RateLimitPerIp", priority=0, action=wafv2.CfnWebACL.RuleActionProperty(block={}),
                statement=wafv2.CfnWebACL.StatementProperty(rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                    limit=self.options.waf_rate_limit, aggregate_key_type="IP")),
                visibility_config=wafv2.CfnWebACL.VisibilityConfigProperty(
                    cloud_watch_metrics_enabled=True, metric_name=f"{metric}-rate", sampled_requests_enabled=True))])
        association = wafv2.CfnWebACLAssociation(
            self, "ApiWebAclAssociation", web_acl_arn=acl.attr_arn,
            resource_arn=f"arn:{Aws.PARTITION}:apigateway:{Aws.REGION}::/restapis/{api.ref}/stages/{self.api_stage}")
        # the stage SAM makes from the API (RestAPI<stage name>Stage) must exist first
        association.add_override("DependsOn", [f"RestAPI{self.api_stage}Stage"])

    def _wire_function(self, chalice, logical_id: str, properties: dict, grants: permissions.Grants) -> None:
        name = chalice_name(properties["Handler"])
        deployed_name = function_name(self.stage, name)
        self.function_names[name] = deployed_name
        role = iam.Role(
            self, f"{logical_id}Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"{deployed_name}: least privilege, written in infra/permissions.py",
            # Inline, so the function (which references the role) is created only after its
            # permissions exist: the SQS event source mapping checks them when it is created.
            inline_policies={"least-privilege": permissions.policy_document(name, deployed_name, grants)},
        )
        function: cdk.CfnResource = chalice.get_resource(logical_id)
        function.add_property_override("Role", role.role_arn)
        function.add_property_override("FunctionName", deployed_name)
        for event_id, event in properties.get("Events", {}).items():
            if event["Type"] == "SQS":
                # The handlers answer with Powertools' partial batch response; without this,
                # Lambda ignores it and deletes the failed messages with the rest of the batch.
                function.add_property_override(f"Events.{event_id}.Properties.FunctionResponseTypes",
                                               ["ReportBatchItemFailures"])
        # The group exists before the function, with its retention; the function may not
        # create one (see permissions.logs), so nothing outside CloudFormation owns its logs.
        # Not Chalice's `log_retention_in_days`: its group names the API handler by a logical
        # id that does not exist (`${ApiHandler}`), which CfnInclude rejects.
        log_group = logs.LogGroup(
            self, f"{logical_id}Logs", log_group_name=f"/aws/lambda/{deployed_name}",
            retention=LOG_RETENTION[self.stage],
            removal_policy=RemovalPolicy.RETAIN if self.prod else RemovalPolicy.DESTROY,
        )
        function.node.add_dependency(log_group)

    # --- the public site ------------------------------------------------------------------------

    def _site(self, removal: RemovalPolicy) -> tuple[s3.Bucket, cloudfront.Distribution]:
        """`site/` in a private bucket that only the distribution reads (origin access control).

        The site calls the API at its own URL (the API answers CORS for any origin: bearer tokens,
        no cookies). Routing `/api/*` through this distribution instead would close a loop that
        CloudFormation cannot build: the app client's callback URL names the distribution, the
        distribution would name the API, and the API's functions name the app client."""
        scope = Construct(self, "Site")
        bucket = s3.Bucket(
            scope, "Bucket",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            enforce_ssl=True,
            removal_policy=removal,
        )
        distribution = cloudfront.Distribution(
            scope, "Distribution",
            comment=f"{APP_NAME}-{self.stage}: the public site",
            default_root_object="index.html",
            default_behavior=cloudfront.BehaviorOptions(
                origin=origins.S3BucketOrigin.with_origin_access_control(bucket),
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
                response_headers_policy=self._site_headers(scope),
            ),
            price_class=cloudfront.PriceClass.PRICE_CLASS_100,
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
        )
        self.site_url = f"https://{distribution.distribution_domain_name}/"
        client: cognito.CfnUserPoolClient = self.app_client.node.default_child
        client.add_property_override("CallbackURLs", [self.site_url])
        client.add_property_override("LogoutURLs", [self.site_url])
        self._deploy_site(scope, bucket, distribution)
        return bucket, distribution

    def _site_headers(self, scope: Construct) -> cloudfront.ResponseHeadersPolicy:
        """Security headers for the site's files. Media comes from presigned media bucket URLs,
        sign-in from the hosted UI's domain, data from the API; the rest from the site's origin.
        The API is named by its region's execute-api domain: its own id would close the loop
        described in `_site`."""
        media = f"https://{self.media_bucket_name}.s3.amazonaws.com https://{self.media_bucket_name}.s3.{Aws.REGION}.amazonaws.com"
        api = f"https://*.execute-api.{Aws.REGION}.{Aws.URL_SUFFIX}"
        policy = "; ".join([
            "default-src 'self'", "script-src 'self'", "style-src 'self'", "object-src 'none'",
            f"img-src 'self' data: blob: {media}", f"media-src 'self' blob: {media}",
            f"connect-src 'self' {api} {media} {self.auth_domain.base_url()}",
            "form-action 'self'", "frame-ancestors 'none'", "base-uri 'self'",
        ])
        return cloudfront.ResponseHeadersPolicy(
            scope, "Headers",
            # Names are global to the account (CloudFront is): the stage and region keep stacks apart.
            response_headers_policy_name=f"{APP_NAME}-{self.stage}-site-{Aws.REGION}",
            security_headers_behavior=cloudfront.ResponseSecurityHeadersBehavior(
                content_security_policy=cloudfront.ResponseHeadersContentSecurityPolicy(
                    content_security_policy=policy, override=True),
                content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=True),
                frame_options=cloudfront.ResponseHeadersFrameOptions(
                    frame_option=cloudfront.HeadersFrameOption.DENY, override=True),
                referrer_policy=cloudfront.ResponseHeadersReferrerPolicy(
                    referrer_policy=cloudfront.HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN, override=True),
                strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
                    access_control_max_age=Duration.days(365), include_subdomains=True, override=True),
            ),
        )

    def _deploy_site(self, scope: Construct, bucket: s3.Bucket, distribution: cloudfront.Distribution) -> None:
        """Copies `site/` and the stage's `config.json` into the bucket, then invalidates the
        distribution. The deployment's function gets a role of our own, immutable to the
        construct (whose grants are broad: `s3:GetObject*`, `s3:List*`, invalidations on `*`):
        its policy names the two source zips, this bucket and this distribution."""
        policy = iam.PolicyDocument()
        role = iam.Role(
            scope, "DeploymentRole", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"{APP_NAME}-{self.stage} site deployment: least privilege, written in infra/stack.py",
            inline_policies={"least-privilege": policy},  # inline: in place before the function runs
        )
        log_group = logs.LogGroup(
            scope, "DeploymentLogs", log_group_name=f"/aws/lambda/{function_name(self.stage, 'deploy_site')}",
            retention=LOG_RETENTION[self.stage],
            removal_policy=RemovalPolicy.RETAIN if self.prod else RemovalPolicy.DESTROY,
        )
        api: cdk.CfnResource = self.chalice.get_resource("RestAPI")
        config = {
            "stage": self.stage,
            "apiBase": f"https://{api.ref}.execute-api.{Aws.REGION}.{Aws.URL_SUFFIX}/{self.api_stage}",
            "auth": {"kind": "cognito", "domain": self.auth_domain.base_url(),
                     "clientId": self.app_client.user_pool_client_id, "scopes": list(AUTH_SCOPES),
                     "redirectUri": self.site_url},
        }
        deployment = s3_deployment.BucketDeployment(
            scope, "Deployment",
            sources=[s3_deployment.Source.asset(str(SITE_DIR)), s3_deployment.Source.json_data("config.json", config)],
            destination_bucket=bucket,
            distribution=distribution, distribution_paths=["/*"],
            cache_control=[s3_deployment.CacheControl.from_string(f"public, max-age={SITE_MAX_AGE.to_seconds()}")],
            prune=True,  # files no longer in site/ are deleted
            role=role.without_policy_updates(),
            log_group=log_group,
            memory_limit=256,
        )
        # The function references its role; the construct's extra DependsOn only draws a warning.
        (handler,) = [c for c in self.node.children if c.node.id.startswith("Custom::CDKBucketDeployment")]
        handler.node.default_child.add_deletion_override("DependsOn")
        sources = [child for child in deployment.node.children if isinstance(child, s3_assets.Asset)]
        if len(sources) != 2:
            raise RuntimeError(f"expected the site's two source zips, found {len(sources)}")
        policy.add_statements(
            iam.PolicyStatement(sid="ReadSources", actions=["s3:GetObject"],
                                resources=[a.bucket.arn_for_objects(a.s3_object_key) for a in sources]),
            iam.PolicyStatement(sid="ListSite", actions=["s3:ListBucket"],
                                resources=[bucket.bucket_arn]),
            iam.PolicyStatement(sid="WriteSite", actions=["s3:PutObject", "s3:DeleteObject"],
                                resources=[bucket.arn_for_objects("*")]),
            iam.PolicyStatement(sid="Invalidate", actions=["cloudfront:CreateInvalidation", "cloudfront:GetInvalidation"],
                                resources=[distribution.distribution_arn]),
            iam.PolicyStatement(sid="Logs", actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                                resources=[log_group.log_group_arn]),
        )

    # --- alarms and outputs ---------------------------------------------------------------

    def _alarms(self, config: dict) -> None:
        scope = Construct(self, "Alarms")
        topic = sns.Topic(scope, "Topic", topic_name=f"{APP_NAME}-{self.stage}-alarms", enforce_ssl=True)
        if self.options.alarm_email:
            topic.add_subscription(sns_subscriptions.EmailSubscription(self.options.alarm_email))
        action = cloudwatch_actions.SnsAction(topic)
        five_minutes = Duration.minutes(5)

        def alarm(construct_id: str, metric: cloudwatch.IMetric, description: str) -> None:
            cloudwatch.Alarm(
                scope, construct_id, metric=metric, threshold=1, evaluation_periods=1,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
                alarm_name=f"{APP_NAME}-{self.stage}-{construct_id}", alarm_description=description,
            ).add_alarm_action(action)

        for definition, queue in self.queues.items():
            alarm(f"{definition.logical_id}DeadLetters",
                  queue.dead_letter_queue.queue.metric_approximate_number_of_messages_visible(
                      period=five_minutes, statistic="Maximum"),
                  f"Messages gave up on {queue.queue_name} after {definition.max_receive_count} tries: "
                  f"look at them, fix the cause, then redrive the dead-letter queue")
        alarm("Api5xx",
              cloudwatch.Metric(namespace="AWS/ApiGateway", metric_name="5XXError",
                                dimensions_map={"ApiName": self.api_name, "Stage": self.api_stage},
                                statistic="Sum", period=five_minutes),
              "The API answered 5xx: a 500 on any input is a bug (see the API function's logs)")
        for name, deployed_name in sorted(self.function_names.items()):
            for metric_name in ("Errors", "Throttles"):
                alarm(f"{to_camel(name)}{metric_name}",
                      cloudwatch.Metric(namespace="AWS/Lambda", metric_name=metric_name,
                                        dimensions_map={"FunctionName": deployed_name},
                                        statistic="Sum", period=five_minutes),
                      f"{deployed_name}: {metric_name.lower()} in the last 5 minutes")
        for definition, table in self.tables.items():
            # On-demand tables still throttle a hot partition (about 1,000 writes/s, 3,000 reads/s),
            # on the table or on one of its indexes: every one of them is summed.
            scopes = [{}] + [{"GlobalSecondaryIndexName": index.name} for index in definition.indexes]
            for kind in ("Read", "Write"):
                metrics = {
                    f"m{n}": cloudwatch.Metric(namespace="AWS/DynamoDB", metric_name=f"{kind}ThrottleEvents",
                                               dimensions_map={"TableName": table.table_name, **scope},
                                               statistic="Sum", period=five_minutes)
                    for n, scope in enumerate(scopes)
                }
                alarm(f"{definition.logical_id}{kind}Throttles",
                      cloudwatch.MathExpression(expression=" + ".join(metrics), using_metrics=metrics,
                                                period=five_minutes, label=f"{kind} throttle events"),
                      f"{kind} requests to the table or its indexes were throttled (a hot partition?)")
        # Counted by the daily retry_payouts (logic.payouts.retry_all), an EMF metric of the app.
        alarm("PayoutsPendingOverADay",
              cloudwatch.Metric(namespace="Remixery", metric_name="PayoutsPendingOverADay",
                                dimensions_map={"service": "remixery"}, statistic="Maximum", period=Duration.days(1)),
              "Payouts have been pending for more than a day: Stripe kept failing or the payout queue is stuck "
              "(see docs/payouts.md)")

    def _outputs(self) -> None:
        outputs = {
            "SiteURL": self.site_url,
            "SiteBucketName": self.site_bucket.bucket_name,
            "HostedUiURL": self.auth_domain.base_url(),
            "UserPoolId": self.user_pool.user_pool_id,
            "AppClientId": self.app_client.user_pool_client_id,
            "MediaBucketName": self.bucket.bucket_name,
            "TableName": self.tables[definitions.MAIN_TABLE].table_name,
            "StripeWebhookSecretName": secret_name(self.webhook_secrets["REMIXERY_STRIPE_WEBHOOK_SECRET_NAME"]),
            "ShopifyWebhookSecretName": secret_name(self.webhook_secrets["REMIXERY_SHOPIFY_WEBHOOK_SECRET_NAME"]),
            "StripeConnectWebhookSecretName": secret_name(
                self.webhook_secrets["REMIXERY_STRIPE_CONNECT_WEBHOOK_SECRET_NAME"]),
            "StripeSecretKeyName": secret_name(self.stripe_secret_key),
        }
        for output_id, value in outputs.items():
            cdk.CfnOutput(self, output_id, value=value)

    def _name_of(self, definition) -> str:
        try:
            setting = NAME_SETTINGS[definition]
        except KeyError:
            raise LookupError(f"{definition.logical_id} has no name setting: add it to NAME_SETTINGS in "
                              f"infra/stack.py and to .chalice/config.json") from None
        return self.settings[setting]


def secret_name(secret: secretsmanager.Secret) -> str:
    """The name the stack gave the secret (the app fetches it by name)."""
    return secret.node.default_child.name


def to_camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def check_every_role_assigned(template: dict) -> None:
    """Refuses a template in which a function kept Chalice's placeholder role."""
    if UNASSIGNED_ROLE in json.dumps(template):
        raise RuntimeError("a function has no role of its own (see infra/permissions.py)")
