"""``EstateCoverage``: a flow log to S3 for every VPC of the account and region, kept as the estate changes."""

from __future__ import annotations

import re
import unicodedata

from aws_cdk import CfnResource, Duration, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from constructs import Construct

from . import _flow_log_fields as flow_log_fields
from . import _log_delivery as log_delivery
from ._errors import PropsError
from ._handler_function import handler_log_group, inline_handler_function
from ._identifiers import is_token
from ._props import at
from ._signature import public_signature
from ._suppressions import acknowledge_nag, ignore_cfn_lint, nag_resource_text, skip_checkov
from .flow_logs import (
    FlowLogAggregationInterval,
    FlowLogFileFormat,
    aggregation_interval_problem,
    file_format_problem,
)

#: Every flow log the handler creates carries this tag, valued with the owner; it deletes only those.
COVERAGE_TAG_KEY = "airs-onboarding:coverage"
#: VPCs carrying this tag (key, value) get no flow log from the construct, by default.
DEFAULT_EXCLUDE_TAG: tuple[str, str] = ("airs-discovery", "off")
DEFAULT_SWEEP_INTERVAL = Duration.minutes(60)
#: The default report parameter is this path plus the owner.
REPORT_PARAMETER_PREFIX = "/airs-onboarding/coverage/"
#: The handler holds ``<report parameter>/lease`` while it works, so that two runs never race.
LEASE_SUFFIX = "/lease"
MIN_SWEEP_MINUTES = 5
MAX_SWEEP_MINUTES = 1440
FUNCTION_TIMEOUT = Duration.minutes(15)
#: How long CloudFormation waits for the custom resource's answer. The function answers before its own
#: timeout; a function that dies without answering fails the deployment after this instead of an hour.
SERVICE_TIMEOUT = Duration.minutes(20)
#: The CloudTrail-recorded EC2 calls that may change which VPCs need a flow log.
ESTATE_EVENT_NAMES = ("CreateVpc", "DeleteVpc", "CreateTags", "DeleteTags")
DESCRIBE_ACTIONS = ("ec2:DescribeVpcs", "ec2:DescribeFlowLogs")
LOG_DELIVERY_ACTIONS = ("logs:CreateLogDelivery", "logs:DeleteLogDelivery")
SSM_ACTIONS = ("ssm:GetParameter", "ssm:PutParameter", "ssm:DeleteParameter")

_MAX_TAG_KEY = 128
_MAX_TAG_VALUE = 256
# Characters IAM and the tagging APIs of every service accept in a tag value: letters, digits,
# spaces and _.:/=+-@ (the owner is both a tag value and an aws:RequestTag condition value).
_TAG_PUNCTUATION = frozenset("_.:/=+-@")
_PARAMETER_SEGMENT = re.compile(r"[A-Za-z0-9_.-]+")
# SSM: at most 15 levels, and the lease adds one below the report; the ARNs of both must fit in 1011
# characters, which 900 for the name leaves room for in every partition and region.
_MAX_PARAMETER_LEVELS = 14
_MAX_PARAMETER_NAME = 900


@public_signature
class EstateCoverage(Construct):
    """Every VPC of the account and region gets a flow log to ``bucket``, at deploy time and whenever the
    estate changes.

    One inline Lambda function runs a sweep: it reads the region's VPCs and flow logs, and gives each
    VPC that no flow log covers yet (all traffic to ``bucket``, in the settings below; anyone's flow log
    counts) a new flow log with every standard record field, the format ``FlowLogs`` writes. VPCs tagged
    with ``exclude_tag`` get none, and lose the one it made. The flow logs it creates carry the tag
    ``COVERAGE_TAG_KEY`` with the value ``owner``; its role may delete only flow logs with that tag, so a
    flow log someone else made is never changed. When the settings change, it replaces its own flow logs
    (a flow log's format and destination cannot be edited in AWS). It keeps a coverage report in the SSM
    parameter ``report_parameter_name`` and holds ``<report_parameter_name>/lease`` while it changes
    anything, so that two runs never race. It runs

    - on deployment, through a ``Custom::EstateCoverage`` resource whose ``Settings`` are the function's
      settings, so that a change of any of them is an Update that sweeps again; deleting the resource
      (or the stack) deletes the flow logs tagged with ``owner`` and the report;
    - every ``sweep_interval``, on an EventBridge schedule: this is the guarantee that a new VPC is
      covered within one interval;
    - on CreateVpc and DeleteVpc, and on CreateTags and DeleteTags naming a VPC, through an EventBridge
      rule on the API calls CloudTrail records. This is best effort: it needs a trail that logs
      management events in the account and region, and EventBridge delivers those events on a
      best-effort basis; the schedule covers whatever it misses.

    If ``bucket`` is defined in this app, its policy gets the log-delivery statements (conditioned on
    ``aws:SourceAccount`` and ``aws:SourceArn``) before the first sweep; an imported bucket's policy is
    never touched, and must already let ``delivery.logs.amazonaws.com`` write (the function's role may not
    change bucket policies).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        bucket: s3.IBucket,
        exclude_tag: tuple[str, str] | None = DEFAULT_EXCLUDE_TAG,
        sweep_interval: Duration = DEFAULT_SWEEP_INTERVAL,
        hourly_partitions: bool = True,
        file_format: FlowLogFileFormat = FlowLogFileFormat.PLAIN_TEXT,
        max_aggregation_interval: FlowLogAggregationInterval = FlowLogAggregationInterval.TEN_MINUTES,
        include_ecs_fields: bool = False,
        owner: str | None = None,
        report_parameter_name: str | None = None,
        log_group_encryption_key: kms.IKey | None = None,
    ) -> None:
        """Define the function, its role and log group, the ``Custom::EstateCoverage`` resource and the two rules.

        :param scope: The construct this one is defined in.
        :param construct_id: Its id in ``scope``; part of the logical id of every resource it defines,
            so changing it replaces them.
        :param bucket: Destination bucket. Required.
        :param exclude_tag: ``(key, value)``: VPCs with this tag get no flow log. ``None`` covers every VPC.
            Default: ``("airs-discovery", "off")``.
        :param sweep_interval: How often the schedule sweeps, 5 to 1440 whole minutes. Default: 60 minutes.
        :param hourly_partitions: Partition objects per hour instead of per day, which cuts the S3 requests
            of readers. Default: True.
        :param file_format: ``FlowLogFileFormat.PLAIN_TEXT`` or ``PARQUET``. Default: plain text.
        :param max_aggregation_interval: 60 or 600 seconds. Default: 600 (``TEN_MINUTES``).
        :param include_ecs_fields: Add the Amazon ECS fields (flow log version 7). Default: False.
        :param owner: Value of the ``COVERAGE_TAG_KEY`` tag on the flow logs this construct makes, the only
            ones its role may delete; two ``EstateCoverage`` in one account and region need different owners.
            Letters, digits, spaces and ``_.:/=+-@``, at most 256. Changing it later leaves the flow logs made
            under the old owner in place, as flow logs that are not this construct's. Default: the stack name.
        :param report_parameter_name: SSM parameter (``/``-rooted) the handler writes its report to.
            Default: ``/airs-onboarding/coverage/<owner>``.
        :param log_group_encryption_key: KMS key that encrypts the function's log group. A key defined in the
            same app gets a key-policy statement for CloudWatch Logs in this region; an imported key's policy
            is its owner's to change, and synth warns about it. Default: CloudWatch Logs' own encryption at
            rest (service-owned keys).
        """
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        owner = stack.stack_name if owner is None else owner
        PropsError.raise_if_any(
            self.node.path,
            _validate(
                exclude_tag=exclude_tag,
                sweep_interval=sweep_interval,
                file_format=file_format,
                interval=max_aggregation_interval,
                owner=owner,
                report_parameter_name=report_parameter_name,
            ),
        )
        file_format = FlowLogFileFormat(file_format)
        max_aggregation_interval = FlowLogAggregationInterval(max_aggregation_interval)
        self._owner = owner
        self._report_parameter_name = (
            REPORT_PARAMETER_PREFIX + owner if report_parameter_name is None else report_parameter_name
        )
        exclude_key, exclude_value = exclude_tag if exclude_tag is not None else ("", "")

        for statement in log_delivery.bucket_statements(self, bucket):
            bucket.add_to_resource_policy(statement)
        bucket_policy = bucket.policy.node.default_child if bucket.policy is not None else None

        settings = {
            "BUCKET_ARN": bucket.bucket_arn,
            "LOG_FORMAT": flow_log_fields.log_format(include_ecs_fields=include_ecs_fields),
            "FILE_FORMAT": file_format.value,
            "PER_HOUR_PARTITION": "true" if hourly_partitions else "false",
            "HIVE_COMPATIBLE_PARTITIONS": "false",
            "MAX_AGGREGATION_INTERVAL": str(max_aggregation_interval.value),
            "EXCLUDE_TAG_KEY": exclude_key,
            "EXCLUDE_TAG_VALUE": exclude_value,
            "OWNER": owner,
            "REPORT_PARAMETER": self._report_parameter_name,
        }

        self._log_group_encryption_key = log_group_encryption_key
        self._log_group = handler_log_group(self, log_group_encryption_key, whose="the flow log coverage function's")
        self._role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="Custom::EstateCoverage handler: a flow log to S3 for every VPC of the region",
        )
        self._function = inline_handler_function(
            self,
            handler="estate_coverage",
            role=self._role,
            log_group=self._log_group,
            timeout=FUNCTION_TIMEOUT,
            description="Custom::EstateCoverage: a flow log to S3 for every VPC of the region, removing only its own",
            environment=settings,
        )
        self._policy = iam.ManagedPolicy(
            self,
            "Policy",
            description="Custom::EstateCoverage handler: VPC flow logs tagged as its own, its SSM report, its logs",
            roles=[self._role],
            statements=self._statements(stack),
        )

        # A CfnResource, not a CustomResource: the settings travel as one property, so any change of
        # them is an Update that re-runs the handler.
        self._custom_resource = CfnResource(
            self,
            "Coverage",
            type="Custom::EstateCoverage",
            properties={
                "ServiceToken": self._function.function_arn,
                "ServiceTimeout": str(SERVICE_TIMEOUT.to_seconds()),
                "Settings": dict(settings),
            },
        )
        # The role's permissions, and the bucket's delivery statements (without which log delivery
        # would try to write its own), exist before the first sweep.
        self._custom_resource.node.add_dependency(self._policy)
        if isinstance(bucket_policy, CfnResource):
            self._custom_resource.node.add_dependency(bucket_policy)

        target = targets.LambdaFunction(self._function)
        self._schedule = events.Rule(
            self,
            "Schedule",
            description="Flow log coverage: sweep every VPC of the region",
            schedule=events.Schedule.rate(sweep_interval),
            targets=[target],
        )
        self._estate_events = events.Rule(
            self,
            "EstateEvents",
            description="Flow log coverage: sweep when a VPC is created, deleted or retagged (CloudTrail, best effort)",
            event_pattern=events.EventPattern(
                source=["aws.ec2"],
                detail_type=["AWS API Call via CloudTrail"],
                detail={
                    "eventSource": ["ec2.amazonaws.com"],
                    # Tag calls on anything but a VPC (instances, volumes, ENIs) are frequent and
                    # cannot change coverage: only those naming a VPC start a sweep.
                    "$or": [
                        {"eventName": ["CreateVpc", "DeleteVpc"]},
                        {
                            "eventName": ["CreateTags", "DeleteTags"],
                            "requestParameters": {"resourcesSet": {"items": {"resourceId": [{"prefix": "vpc-"}]}}},
                        },
                    ],
                },
            ),
            targets=[target],
        )
        # Created after, and on stack deletion removed before, the custom resource: no sweep can start
        # after the custom resource's Delete has removed the flow logs it made.
        for rule in (self._schedule, self._estate_events):
            rule.node.add_dependency(self._custom_resource)

        self._acknowledge_findings(stack)

    def _statements(self, stack: Stack) -> list[iam.PolicyStatement]:
        self._vpcs = stack.format_arn(service="ec2", resource="vpc", resource_name="*")
        self._flow_logs = stack.format_arn(service="ec2", resource="vpc-flow-log", resource_name="*")
        # The name is /-rooted, and SSM's ARN holds it without the leading slash: appending it to
        # "...:parameter" gives both, also for a name only known at deploy time.
        report = stack.format_arn(service="ssm", resource="parameter") + self._report_parameter_name
        own_tag = {"StringEquals": {f"aws:RequestTag/{COVERAGE_TAG_KEY}": self._owner}}
        return [
            iam.PolicyStatement(actions=list(DESCRIBE_ACTIONS), resources=["*"]),
            iam.PolicyStatement(
                actions=["ec2:CreateFlowLogs"], resources=[self._vpcs, self._flow_logs], conditions=own_tag
            ),
            iam.PolicyStatement(
                actions=["ec2:CreateTags"],
                resources=[self._flow_logs],
                conditions={"StringEquals": {"ec2:CreateAction": "CreateFlowLogs"}},
            ),
            iam.PolicyStatement(
                actions=["ec2:DeleteFlowLogs"],
                resources=[self._flow_logs],
                conditions={"StringEquals": {f"aws:ResourceTag/{COVERAGE_TAG_KEY}": self._owner}},
            ),
            iam.PolicyStatement(actions=list(LOG_DELIVERY_ACTIONS), resources=["*"]),
            iam.PolicyStatement(actions=list(SSM_ACTIONS), resources=[report, report + LEASE_SUFFIX]),
            iam.PolicyStatement(
                actions=["logs:CreateLogStream", "logs:PutLogEvents"], resources=[self._log_group.log_group_arn]
            ),
        ]

    def _acknowledge_findings(self, stack: Stack) -> None:
        function = self._function
        ignore_cfn_lint(
            function,
            "W3005",
            "lambda.Function always adds DependsOn on its role, which the Role GetAtt already implies; harmless.",
        )
        acknowledge_nag(
            function,
            "NIST.800.53.R5-LambdaInsideVPC",
            "The function calls the regional EC2, SSM and CloudWatch Logs APIs and the CloudFormation response URL"
            " only; a VPC would need NAT or interface endpoints in every account for no isolation gain.",
        )
        skip_checkov(
            function,
            "CKV_AWS_117",
            "The function calls regional AWS APIs and the CloudFormation response URL only; see the NIST"
            " LambdaInsideVPC acknowledgment.",
        )
        acknowledge_nag(
            function,
            "NIST.800.53.R5-LambdaDLQ",
            "Every run is a full sweep of the region: a lost scheduled or CloudTrail event is made good by the next"
            " scheduled sweep, and CloudFormation waits for the custom resource's answer, so a queue of failed"
            " events would hold nothing to act on.",
        )
        skip_checkov(
            function,
            "CKV_AWS_116",
            "Every run is a full sweep; the next scheduled sweep makes good a lost event, and CloudFormation waits"
            " for the custom resource's answer.",
        )
        acknowledge_nag(
            function,
            "NIST.800.53.R5-LambdaConcurrency",
            "Runs once per sweep interval and per VPC change, and a lease in SSM keeps runs from overlapping;"
            " reserving concurrency would take it from the account's unreserved pool, which new accounts cannot"
            " spare.",
        )
        skip_checkov(
            function,
            "CKV_AWS_115",
            "A lease in SSM keeps runs from overlapping; reserved concurrency would be taken from the account's"
            " unreserved pool.",
        )
        skip_checkov(
            function,
            "CKV_AWS_173",
            "The environment holds non-secret settings (bucket ARN, log format, tag, owner, SSM name); a KMS key"
            " for them adds cost and no protection.",
        )
        if self._log_group_encryption_key is None:
            acknowledge_nag(
                self._log_group,
                "NIST.800.53.R5-CloudWatchLogGroupEncrypted",
                "The function logs VPC and flow log ids and counts, no secrets; CloudWatch Logs encrypts at rest"
                " with service keys already. Pass log_group_encryption_key for a KMS key.",
            )
            skip_checkov(
                self._log_group,
                "CKV_AWS_158",
                "The function logs VPC and flow log ids and counts, no secrets; service-key encryption at rest"
                " applies.",
            )
        acknowledge_nag(
            self._policy,
            "AwsSolutions-IAM5[Resource::*]",
            "ec2:DescribeVpcs and ec2:DescribeFlowLogs support no resource-level permissions; logs:CreateLogDelivery"
            " and logs:DeleteLogDelivery on * are what the Amazon VPC User Guide lists for an IAM principal that"
            " creates flow logs to S3. None of them creates, changes or deletes a VPC or flow log.",
        )
        acknowledge_nag(
            self._policy,
            f"AwsSolutions-IAM5[Resource::{nag_resource_text(stack, self._vpcs)}]",
            "The VPCs to cover are found at run time; ec2:CreateFlowLogs is the only action on them, and only with"
            f" the request tag {COVERAGE_TAG_KEY} set to this construct's owner.",
        )
        acknowledge_nag(
            self._policy,
            f"AwsSolutions-IAM5[Resource::{nag_resource_text(stack, self._flow_logs)}]",
            "Flow log ids are made by EC2 at run time; creating and tagging them requires the owner's"
            f" {COVERAGE_TAG_KEY} tag in the request, and deleting requires it on the flow log.",
        )

    @property
    def function(self) -> lambda_.IFunction:
        """The sweep function."""
        return self._function

    @property
    def role(self) -> iam.IRole:
        """The function's role."""
        return self._role

    @property
    def custom_resource(self) -> CfnResource:
        """The ``Custom::EstateCoverage`` resource: a sweep on deployment and on every change of settings."""
        return self._custom_resource

    @property
    def schedule(self) -> events.IRule:
        """The rule that sweeps every ``sweep_interval``."""
        return self._schedule

    @property
    def estate_events(self) -> events.IRule:
        """The rule that sweeps on VPC changes CloudTrail records (best effort)."""
        return self._estate_events

    @property
    def report_parameter_name(self) -> str:
        """The SSM parameter the function writes its report to."""
        return self._report_parameter_name

    @property
    def owner(self) -> str:
        """The ``COVERAGE_TAG_KEY`` value of the flow logs this construct makes."""
        return self._owner

    @property
    def log_group(self) -> logs.ILogGroup:
        """The function's log group."""
        return self._log_group


def sweep_minutes_problem(minutes: float, *, shown: str | None = None) -> str | None:
    """5 to 1440 whole minutes (1440 is once a day); ``shown`` is how the value is named in the
    message (default: ``<minutes> minutes``)."""
    if minutes == int(minutes) and MIN_SWEEP_MINUTES <= minutes <= MAX_SWEEP_MINUTES:
        return None
    return (
        f"{shown or f'{minutes:g} minutes'} is not a sweep interval"
        f" (expected {MIN_SWEEP_MINUTES} to {MAX_SWEEP_MINUTES} whole minutes)"
    )


def sweep_interval_problem(value: object) -> str | None:
    """A Duration of 5 to 1440 whole minutes (``sweep_minutes_problem``; a Duration only known at deploy
    time is not checked)."""
    if not isinstance(value, Duration):
        return (
            f"{value!r} is not a Duration (expected {MIN_SWEEP_MINUTES} to {MAX_SWEEP_MINUTES} whole minutes,"
            " e.g. Duration.minutes(60))"
        )
    if value.is_unresolved():
        return None
    return sweep_minutes_problem(value.to_milliseconds(integral=False) / 60_000, shown=value.to_human_string())


def exclude_tag_problems(value: object) -> list[str]:
    """A (key, value) pair: a key of 1 to 128 characters not starting with ``aws:``, a value of 0 to 256."""
    if value is None:
        return []
    if not (isinstance(value, tuple | list) and len(value) == 2 and all(isinstance(v, str) for v in value)):
        return [f"{value!r} is not a tag (expected a (key, value) pair of strings, or None to cover every VPC)"]
    key, tag_value = value
    problems = []
    if not is_token(key):
        if not 1 <= len(key) <= _MAX_TAG_KEY:
            problems.append(f"key {key!r} is not a tag key (expected 1 to {_MAX_TAG_KEY} characters)")
        elif key.lower().startswith("aws:"):
            problems.append(f"key {key!r} starts with 'aws:', which AWS reserves for its own tags")
    if not is_token(tag_value) and len(tag_value) > _MAX_TAG_VALUE:
        problems.append(f"value {tag_value!r} is not a tag value (expected at most {_MAX_TAG_VALUE} characters)")
    return problems


def owner_problem(value: str) -> str | None:
    """A tag value of 1 to 256 letters, digits, spaces and ``_.:/=+-@``, the characters every service takes."""
    if is_token(value):
        return None
    if not isinstance(value, str) or not 1 <= len(value) <= _MAX_TAG_VALUE or not all(map(_tag_character, value)):
        return (
            f"{value!r} is not an owner (expected 1 to {_MAX_TAG_VALUE} letters, digits, spaces and _.:/=+-@,"
            " as a tag value)"
        )
    return None


def report_parameter_name_problem(value: str) -> str | None:
    """An SSM parameter name with a leading slash, that the lease ``<name>/lease`` can sit under."""
    if is_token(value):
        return None
    expected = (
        f"expected '/' and up to {_MAX_PARAMETER_LEVELS} '/'-separated parts of letters, digits and _.-, at most"
        f" {_MAX_PARAMETER_NAME} characters, the first part not starting with 'aws' or 'ssm'"
    )
    segments = value.split("/")[1:] if isinstance(value, str) and value.startswith("/") else []
    if (
        not segments
        or len(value) > _MAX_PARAMETER_NAME
        or len(segments) > _MAX_PARAMETER_LEVELS
        or not all(_PARAMETER_SEGMENT.fullmatch(segment) for segment in segments)
        or segments[0].lower().startswith(("aws", "ssm"))
    ):
        return f"{value!r} is not an SSM parameter name for the report ({expected})"
    return None


def _tag_character(character: str) -> bool:
    return unicodedata.category(character)[0] in "LNZ" or character in _TAG_PUNCTUATION


def _validate(
    *,
    exclude_tag: object,
    sweep_interval: object,
    file_format: object,
    interval: object,
    owner: str,
    report_parameter_name: str | None,
) -> list[str]:
    problems = at("exclude_tag", exclude_tag_problems(exclude_tag))
    problems += at("sweep_interval", [sweep_interval_problem(sweep_interval)])
    problems += at("file_format", [file_format_problem(file_format)])
    problems += at("max_aggregation_interval", [aggregation_interval_problem(interval)])
    problems += at("owner", [owner_problem(owner)])
    if report_parameter_name is not None:
        problems += at("report_parameter_name", [report_parameter_name_problem(report_parameter_name)])
    elif owner_problem(owner) is None:
        default_problem = report_parameter_name_problem(REPORT_PARAMETER_PREFIX + owner)
        if default_problem:
            problems.append(
                f"owner: {owner!r} cannot name the default report parameter: {default_problem}; pass"
                " report_parameter_name"
            )
    return problems
