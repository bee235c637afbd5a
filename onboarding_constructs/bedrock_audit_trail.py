"""``BedrockAuditTrail``: the CloudTrail trail AI Runtime Security attributes Bedrock calls from.

Bedrock inference (``InvokeModel``, ``InvokeModelWithResponseStream``, ``Converse``,
``ConverseStream``) and every Bedrock control-plane call are CloudTrail *management* events: any
trail that logs management events already records them. Agent, knowledge-base, flow, guardrail,
prompt and async-invoke calls are *data* events: logged only when an advanced event selector names
their resource type, and billed per event. A region holds at most 5 trails and a second copy of
management events is billed, so reusing an existing (e.g. organization) trail is a first-class option.

Sources, AWS CloudTrail User Guide: "Amazon S3 bucket policy for CloudTrail" (bucket statements and
their ``aws:SourceArn``), "Configure AWS KMS key policies for CloudTrail" (key statements),
"CloudTrail concepts" > "Data events supported by AWS CloudTrail" (the ``resources.type`` values,
the table "Logging data events" shows too) and "CloudTrail trail naming requirements".
"""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_cloudtrail as cloudtrail
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from . import _secure_bucket as secure_bucket
from ._errors import PropsError
from ._existing_resource import existing_resource_problem
from ._identifiers import trail_arn_problem, trail_name_problem
from ._props import at
from ._signature import public_signature
from ._suppressions import acknowledge_nag, skip_checkov

CLOUDTRAIL_SERVICE = "cloudtrail.amazonaws.com"
#: Name of the new trail; explicit, because the bucket and key policies name it in aws:SourceArn.
DEFAULT_TRAIL_NAME = "airs-bedrock-audit"
#: Default lifetime of trail log files.
DEFAULT_TRAIL_RETENTION = Duration.days(365)
#: Prefix of the trail bucket's S3 server access logs inside the access-log bucket.
ACCESS_LOG_PREFIX = "bedrock-audit-trail-bucket/"

#: The Bedrock data-event ``resources.type`` values a new trail selects with ``bedrock_data_events``
#: (CloudTrail User Guide, "Data events supported by AWS CloudTrail"). Left out on purpose: the
#: Data Automation, blueprint, automated-reasoning-policy and tool types (document processing and
#: policy authoring, not model or agent invocations) and the ``AWS::BedrockAgentCore::*`` types
#: (a separate service). CloudTrail rejects an unknown type at deploy, so add one only as documented.
BEDROCK_DATA_RESOURCE_TYPES = (
    "AWS::Bedrock::AgentAlias",  # InvokeAgent
    "AWS::Bedrock::InlineAgent",  # InvokeInlineAgent
    "AWS::Bedrock::Session",  # agent sessions
    "AWS::Bedrock::KnowledgeBase",  # Retrieve, RetrieveAndGenerate
    "AWS::Bedrock::FlowAlias",  # InvokeFlow
    "AWS::Bedrock::FlowExecution",  # flow executions
    "AWS::Bedrock::Guardrail",  # ApplyGuardrail
    "AWS::Bedrock::PromptVersion",  # RenderPrompt (CloudTrail calls the type PromptVersion, not Prompt)
    "AWS::Bedrock::AsyncInvoke",  # StartAsyncInvoke, GetAsyncInvoke
    "AWS::Bedrock::Model",  # InvokeModelWithBidirectionalStream
)


@public_signature
class BedrockAuditTrail(Construct):
    """A multi-region CloudTrail trail that records Bedrock calls, or an existing trail used as it is.

    A new trail logs all management events (read and write) in every region, global service
    events included, validates log files (digest files), and delivers to a hardened S3 bucket
    (Block Public Access, ACLs disabled, TLS 1.2+ only, versioning, default encryption, S3 server
    access logs into a separate bucket, lifecycle expiry). The bucket policy lets
    ``cloudtrail.amazonaws.com`` check the bucket ACL and write under ``AWSLogs/<account>/`` only
    for this trail (``aws:SourceArn``). The trail is named explicitly so the policies can name its
    ARN without depending on it; it is created after the bucket policy, which CloudTrail checks.

    With ``existing_trail_arn`` the construct defines nothing: the trail, its bucket and its key
    stay its owner's. It must log management events (it then records every Bedrock model call);
    Bedrock data events need its owner to add advanced event selectors.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        existing_trail_arn: str | None = None,
        trail_name: str = DEFAULT_TRAIL_NAME,
        encryption_key: kms.IKey | None = None,
        retention: Duration | None = DEFAULT_TRAIL_RETENTION,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
        bedrock_data_events: bool = False,
    ) -> None:
        """Define a new trail with its bucket, or use ``existing_trail_arn``.

        :param scope: The construct this one is defined in.
        :param construct_id: Its id in ``scope``; part of the logical id of every resource it defines,
            so changing it replaces them.
        :param existing_trail_arn: Use this trail (``arn:<partition>:cloudtrail:<region>:<account>:trail/<name>``)
            instead of creating one; every other prop must then keep its default. Default: a new trail.
        :param trail_name: Name of the new trail, unique in the account and region. Default: ``airs-bedrock-audit``.
        :param encryption_key: SSE-KMS key of the log files (the trail's ``KMSKeyId``) and of the bucket.
            A key defined in the same app gets the key-policy statements CloudTrail needs, each limited
            to this trail; an imported key's policy is the owner's to change, and synth warns about it.
            Default: SSE-S3 (S3-managed keys), CloudTrail's own default.
        :param retention: Log files expire after this; ``None`` keeps them forever. Default: 365 days.
        :param removal_policy: What happens to the new buckets when the stack is deleted. The trail
            itself is always deleted with the stack. Default: ``RemovalPolicy.RETAIN`` (the audit
            record outlives the stack).
        :param bedrock_data_events: Also log the Bedrock data events (``BEDROCK_DATA_RESOURCE_TYPES``)
            with advanced event selectors, which CloudTrail bills per event. Default: False (classic
            event selectors: all management events, read and write).
        """
        super().__init__(scope, construct_id)
        self.node.set_context(secure_bucket.ACCESS_LOGS_USE_BUCKET_POLICY, True)
        if existing_trail_arn is not None:
            given = {
                "trail_name": trail_name != DEFAULT_TRAIL_NAME,
                "encryption_key": encryption_key is not None,
                "retention": retention is not DEFAULT_TRAIL_RETENTION,
                "removal_policy": removal_policy != RemovalPolicy.RETAIN,
                "bedrock_data_events": bedrock_data_events,
            }
            clashes = [prop for prop, is_given in given.items() if is_given]
            PropsError.raise_if_any(
                self.node.path,
                [
                    *at("existing_trail_arn", [trail_arn_problem(existing_trail_arn)]),
                    *filter(None, [existing_resource_problem("existing_trail_arn", "trail", clashes)]),
                ],
            )
            self._trail_arn = existing_trail_arn
            self._trail: cloudtrail.CfnTrail | None = None
            self._bucket: s3.IBucket | None = None
            self._access_logs_bucket: s3.IBucket | None = None
            self._encryption_key: kms.IKey | None = None
            return

        PropsError.raise_if_any(
            self.node.path,
            [
                *at("trail_name", [trail_name_problem(trail_name)]),
                *secure_bucket.bucket_props_problems(bucket_name=None, retention=retention),
            ],
        )

        # The trail's ARN is known before it exists; a GetAtt here would make the bucket policy and
        # the trail depend on each other.
        self._trail_arn = Stack.of(self).format_arn(service="cloudtrail", resource="trail", resource_name=trail_name)
        access_logs = secure_bucket.access_logs_bucket(
            self, "AccessLogsBucket", retention=retention, removal_policy=removal_policy
        )
        bucket = secure_bucket.log_bucket(
            self,
            "Bucket",
            bucket_name=None,
            encryption_key=encryption_key,
            retention=retention,
            removal_policy=removal_policy,
            server_access_logs_bucket=access_logs,
            server_access_logs_prefix=ACCESS_LOG_PREFIX,
            sse_s3_reason="SSE-S3 is CloudTrail's default encryption and needs no key policy; pass encryption_key"
            " for SSE-KMS on the bucket and the trail.",
        )
        for statement in _bucket_statements(bucket, self._trail_arn):
            bucket.add_to_resource_policy(statement)
        if encryption_key is not None:
            self._allow_cloudtrail_to_use(encryption_key, trail_name)

        trail = cloudtrail.CfnTrail(
            self,
            "Trail",
            trail_name=trail_name,
            s3_bucket_name=bucket.bucket_name,
            is_logging=True,
            is_multi_region_trail=True,
            include_global_service_events=True,
            enable_log_file_validation=True,
            kms_key_id=encryption_key.key_arn if encryption_key is not None else None,
            # CloudTrail refuses a trail with both kinds of selector.
            advanced_event_selectors=_advanced_event_selectors() if bedrock_data_events else None,
            event_selectors=None if bedrock_data_events else [_management_event_selector()],
        )
        # CloudTrail checks at CreateTrail that the bucket policy lets it write.
        if bucket.policy is not None:  # always: the TLS-only statements and the ones above create it
            trail.node.add_dependency(bucket.policy)
        self._acknowledge_trail_findings(trail, encrypted=encryption_key is not None)

        self._trail = trail
        self._bucket = bucket
        self._access_logs_bucket = access_logs
        self._encryption_key = encryption_key

    @property
    def trail_arn(self) -> str:
        """ARN of the trail: ``existing_trail_arn``, or the new trail's (built from its name, no GetAtt)."""
        return self._trail_arn

    @property
    def trail(self) -> cloudtrail.CfnTrail | None:
        """The new trail; ``None`` with ``existing_trail_arn``."""
        return self._trail

    @property
    def bucket(self) -> s3.IBucket | None:
        """The new trail's log bucket; ``None`` with ``existing_trail_arn``."""
        return self._bucket

    @property
    def access_logs_bucket(self) -> s3.IBucket | None:
        """Where the log bucket's S3 server access logs go; ``None`` with ``existing_trail_arn``."""
        return self._access_logs_bucket

    @property
    def encryption_key(self) -> kms.IKey | None:
        """The SSE-KMS key of the new trail and bucket; ``None`` with SSE-S3 or ``existing_trail_arn``."""
        return self._encryption_key

    @property
    def created(self) -> bool:
        """True when this construct defines the trail, False for ``existing_trail_arn``."""
        return self._trail is not None

    def _allow_cloudtrail_to_use(self, key: kms.IKey, trail_name: str) -> None:
        secure_bucket.allow_key_use(
            self,
            key,
            _key_statements(self, self._trail_arn),
            warning_id="airs-onboarding:importedTrailKmsKey",
            requirement=f"{CLOUDTRAIL_SERVICE} kms:GenerateDataKey*, kms:Decrypt and kms:DescribeKey for the trail"
            f" '{trail_name}' of this account, or CloudTrail refuses to create the trail. See the AWS CloudTrail User"
            " Guide,"
            " 'Configure AWS KMS key policies for CloudTrail'.",
        )

    @staticmethod
    def _acknowledge_trail_findings(trail: cloudtrail.CfnTrail, *, encrypted: bool) -> None:
        acknowledge_nag(
            trail,
            "NIST.800.53.R5-CloudTrailCloudWatchLogsEnabled",
            "The trail delivers to S3, where AI Runtime Security reads it; a CloudWatch Logs copy would bill"
            " ingestion of every event a second time and needs a log group and delivery role no reader uses."
            " Set CloudWatchLogsLogGroupArn/RoleArn on the trail for metric filters or alarms.",
        )
        if not encrypted:
            reason = (
                "Log files are encrypted with SSE-S3, CloudTrail's default, which needs no key policy;"
                " pass encryption_key for SSE-KMS on the trail and its bucket."
            )
            acknowledge_nag(trail, "NIST.800.53.R5-CloudTrailEncryptionEnabled", reason)
            skip_checkov(trail, "CKV_AWS_35", reason)


def _management_event_selector() -> cloudtrail.CfnTrail.EventSelectorProperty:
    return cloudtrail.CfnTrail.EventSelectorProperty(include_management_events=True, read_write_type="All")


def _advanced_event_selectors() -> list[cloudtrail.CfnTrail.AdvancedEventSelectorProperty]:
    """All management events, plus one data-event selector per Bedrock resource type.

    One type per selector: CloudTrail takes a single ``resources.type`` value in each.
    """
    selector = cloudtrail.CfnTrail.AdvancedEventSelectorProperty
    field = cloudtrail.CfnTrail.AdvancedFieldSelectorProperty
    return [
        selector(name="Management events", field_selectors=[field(field="eventCategory", equal_to=["Management"])]),
        *(
            selector(
                name=f"Bedrock data events: {resource_type}",
                field_selectors=[
                    field(field="eventCategory", equal_to=["Data"]),
                    field(field="resources.type", equal_to=[resource_type]),
                ],
            )
            for resource_type in BEDROCK_DATA_RESOURCE_TYPES
        ),
    ]


def _bucket_statements(bucket: s3.IBucket, trail_arn: str) -> list[iam.PolicyStatement]:
    """The ACL check and the log-file writes CloudTrail makes, only on behalf of this trail.

    A multi-region trail writes every region's logs as its one ARN (home region), so one
    ``aws:SourceArn`` covers them all, as the AWS example policy shows.
    """
    principal = iam.ServicePrincipal(CLOUDTRAIL_SERVICE)
    account = Stack.of(bucket).account
    return [
        iam.PolicyStatement(
            sid="AWSCloudTrailAclCheck",
            principals=[principal],
            actions=["s3:GetBucketAcl"],
            resources=[bucket.bucket_arn],
            conditions={"StringEquals": {"aws:SourceArn": trail_arn}},
        ),
        iam.PolicyStatement(
            sid="AWSCloudTrailWrite",
            principals=[principal],
            actions=["s3:PutObject"],
            # Log files and digest files both go under AWSLogs/<account>/.
            resources=[bucket.arn_for_objects(f"AWSLogs/{account}/*")],
            conditions={"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceArn": trail_arn}},
        ),
    ]


def _key_statements(scope: Construct, trail_arn: str) -> list[iam.PolicyStatement]:
    """What CloudTrail needs on the key, each statement limited to this trail (``aws:SourceArn``)."""
    stack = Stack.of(scope)
    principal = iam.ServicePrincipal(CLOUDTRAIL_SERVICE)
    this_trail = {"aws:SourceArn": trail_arn}
    any_trail_of_this_account = stack.format_arn(service="cloudtrail", region="*", resource="trail", resource_name="*")
    return [
        iam.PolicyStatement(
            sid="AllowCloudTrailToEncryptLogs",
            principals=[principal],
            actions=["kms:GenerateDataKey*"],
            resources=["*"],
            conditions={
                "StringEquals": this_trail,
                "StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn": any_trail_of_this_account},
            },
        ),
        # Required because the bucket uses an S3 Bucket Key (secure_bucket enables it with SSE-KMS).
        iam.PolicyStatement(
            sid="AllowCloudTrailToDecryptWithBucketKey",
            principals=[principal],
            actions=["kms:Decrypt"],
            resources=["*"],
            conditions={"StringEquals": this_trail},
        ),
        iam.PolicyStatement(
            sid="AllowCloudTrailToDescribeKey",
            principals=[principal],
            actions=["kms:DescribeKey"],
            resources=["*"],
            conditions={"StringEquals": this_trail},
        ),
    ]


__all__ = [
    "BEDROCK_DATA_RESOURCE_TYPES",
    "DEFAULT_TRAIL_NAME",
    "DEFAULT_TRAIL_RETENTION",
    "BedrockAuditTrail",
]
