"""``EstateCoverage``: a flow log to S3 for every VPC, and EKS clusters opened to AIRS discovery, across the
account and region, kept as the estate changes."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from enum import StrEnum

from aws_cdk import CfnResource, Duration, Fn, Stack
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
from ._identifiers import canonical_cidr, is_token, public_cidr_problem, role_arn_problem
from ._props import at, each
from ._signature import public_signature
from ._suppressions import acknowledge_nag, ignore_cfn_lint, nag_resource_text, skip_checkov
from .eks_discovery_access import _POLICY_NAME, DEFAULT_ACCESS_POLICY, DISCOVERY_CIDRS, allowed_cidrs_problems
from .flow_logs import (
    FlowLogAggregationInterval,
    FlowLogFileFormat,
    aggregation_interval_problem,
    file_format_problem,
)

#: Every flow log the handler creates carries this tag, valued with the owner; it deletes only those. It also
#: marks each EKS cluster it changed and each access entry it created.
COVERAGE_TAG_KEY = "airs-onboarding:coverage"
#: VPCs carrying this tag (key, value) get no flow log from the construct, by default.
DEFAULT_EXCLUDE_TAG: tuple[str, str] = ("airs-discovery", "off")
#: With ``ClusterCoverage.TAGGED``, clusters carrying this tag (key, value) are opened to discovery, by default.
DEFAULT_OPT_IN_TAG: tuple[str, str] = ("airs-discovery", "on")
#: A private-only cluster carrying this tag (key, value) gets public access for the discovery CIDRs, by default.
DEFAULT_PUBLIC_ENDPOINT_TAG: tuple[str, str] = ("airs-discovery-public-endpoint", "allow")
DEFAULT_SWEEP_INTERVAL = Duration.minutes(60)
#: The default report parameter is this path plus the owner.
REPORT_PARAMETER_PREFIX = "/airs-onboarding/coverage/"
#: The handler holds ``<report parameter>/lease`` while it works, so that two runs never race.
LEASE_SUFFIX = "/lease"
#: The handler records what it changed on each cluster in ``<report parameter>/clusters/<cluster name>``.
CLUSTER_RECORDS_SUFFIX = "/clusters"
MIN_SWEEP_MINUTES = 5
MAX_SWEEP_MINUTES = 1440
FUNCTION_TIMEOUT = Duration.minutes(15)
#: How long CloudFormation waits for the custom resource's answer. The function answers before its own
#: timeout; a function that dies without answering fails the deployment after this instead of an hour.
SERVICE_TIMEOUT = Duration.minutes(20)
#: The CloudTrail-recorded EC2 calls that may change which VPCs need a flow log.
ESTATE_EVENT_NAMES = ("CreateVpc", "DeleteVpc", "CreateTags", "DeleteTags")
#: The CloudTrail-recorded EKS calls that may change which clusters are in scope.
CLUSTER_EVENT_NAMES = ("CreateCluster", "DeleteCluster", "TagResource", "UntagResource")
DESCRIBE_ACTIONS = ("ec2:DescribeVpcs", "ec2:DescribeFlowLogs")
LOG_DELIVERY_ACTIONS = ("logs:CreateLogDelivery", "logs:DeleteLogDelivery")
SSM_ACTIONS = ("ssm:GetParameter", "ssm:PutParameter", "ssm:DeleteParameter")
#: What the runner reads of every cluster; none of it changes anything.
EKS_READ_ACTIONS = ("eks:ListClusters", "eks:DescribeCluster", "eks:DescribeUpdate", "eks:DescribeAccessEntry")
#: What undoing cluster coverage reads: the clusters on record and the updates it starts on them.
EKS_REVERT_READ_ACTIONS = ("eks:DescribeCluster", "eks:DescribeUpdate")


class ClusterCoverage(StrEnum):
    """Which EKS clusters of the account and region ``EstateCoverage`` opens to discovery."""

    #: Only clusters carrying the opt-in tag.
    TAGGED = "tagged"
    #: Every cluster.
    ALL = "all"


_MAX_TAG_KEY = 128
_MAX_TAG_VALUE = 256
# Characters IAM and the tagging APIs of every service accept in a tag value: letters, digits,
# spaces and _.:/=+-@ (the owner is both a tag value and an aws:RequestTag condition value).
_TAG_PUNCTUATION = frozenset("_.:/=+-@")
_TAG_CHARACTERS = "letters, digits, spaces and _.:/=+-@"
_PARAMETER_SEGMENT = re.compile(r"[A-Za-z0-9_.-]+")
# SSM: at most 15 levels, and the lease adds one below the report; the ARNs of both must fit in 1011
# characters, which 900 for the name leaves room for in every partition and region.
_MAX_PARAMETER_LEVELS = 14
_MAX_PARAMETER_NAME = 900
# What a cluster record adds below the report: /clusters/ and a cluster name of up to 100 characters.
_CLUSTER_RECORD_CHARACTERS = len(CLUSTER_RECORDS_SUFFIX) + 1 + 100


@public_signature
class EstateCoverage(Construct):
    """Every VPC of the account and region gets a flow log to ``bucket``, and the EKS clusters in scope of
    ``cluster_coverage`` are opened to AIRS discovery, at deploy time and whenever the estate changes.

    One inline Lambda function runs a sweep of the region. It keeps a coverage report in the SSM parameter
    ``report_parameter_name`` and holds ``<report_parameter_name>/lease`` while it changes anything, so that
    two runs never race. It runs

    - on deployment, through a ``Custom::EstateCoverage`` resource whose ``Settings`` are the function's
      settings, so that a change of any of them is an Update that sweeps again; deleting the resource
      (or the stack) undoes what it did (below) and deletes the report;
    - every ``sweep_interval``, on an EventBridge schedule: this is the guarantee that a new VPC or
      cluster is covered within one interval;
    - on the API calls CloudTrail records, through EventBridge rules: CreateVpc and DeleteVpc, and
      CreateTags and DeleteTags naming a VPC (``estate_events``); CreateCluster, DeleteCluster,
      TagResource and UntagResource on EKS (``cluster_events``). This is best effort: it needs a trail that
      logs management events in the account and region, and EventBridge delivers those events on a
      best-effort basis; the schedule covers whatever it misses.

    **VPCs** (with ``bucket``): it reads the region's VPCs and flow logs, and gives each VPC that no flow
    log covers yet (all traffic to ``bucket``, in the settings below; anyone's flow log counts) a new flow
    log with every standard record field, the format ``FlowLogs`` writes. VPCs tagged with ``exclude_tag``
    get none, and lose the one it made. The flow logs it creates carry the tag ``COVERAGE_TAG_KEY`` with the
    value ``owner``; its role may delete only flow logs with that tag, so a flow log someone else made is
    never changed. When the settings change, it replaces its own flow logs (a flow log's format and
    destination cannot be edited in AWS). If ``bucket`` is defined in this app, its policy gets the
    log-delivery statements (conditioned on ``aws:SourceAccount`` and ``aws:SourceArn``) before the first
    sweep; an imported bucket's policy is never touched, and must already let
    ``delivery.logs.amazonaws.com`` write (the function's role may not change bucket policies).

    **EKS clusters** (with ``cluster_coverage``): each cluster in scope gets the change
    ``EksDiscoveryAccess`` makes, by the same code: authentication mode CONFIG_MAP to API_AND_CONFIG_MAP
    (EKS cannot undo it), ``allowed_cidrs`` merged into the public endpoint's allow-list (nothing removed;
    a private-only cluster is refused unless it carries ``public_endpoint_tag``), and an access entry for
    ``discovery_role_arn`` with ``access_policy`` at cluster scope. An access entry that exists already is
    left alone. Before changing a cluster it tags it ``COVERAGE_TAG_KEY`` = ``owner`` and records what it
    changes in ``<report_parameter_name>/clusters/<cluster name>``. A cluster that leaves scope (its opt-in
    tag removed or changed, ``cluster_coverage`` changed, the stack deleted) gets exactly that undone: the
    CIDRs it added removed, public access turned off only if it turned it on, the access entry deleted
    only if it created it, its tag removed.

    With ``ClusterCoverage.TAGGED`` its role may change (``eks:UpdateClusterConfig``,
    ``eks:CreateAccessEntry``) only clusters carrying ``opt_in_tag``, through ``aws:ResourceTag``
    conditions, and afterwards only clusters carrying its own ``COVERAGE_TAG_KEY`` tag, to revert them.
    This makes the opt-in tag a permission: **anyone who may tag a cluster can opt it in** to authentication
    mode API_AND_CONFIG_MAP, discovery's CIDRs on its endpoint and a read-only access entry. Restrict who may
    set it, e.g. with a service control policy that denies ``eks:TagResource`` and ``eks:CreateCluster``
    with the condition ``aws:TagKeys`` containing the opt-in key (``ForAnyValue:StringEquals``), or
    ``aws:RequestTag/<opt-in key>`` present (``Null`` false), to every principal but the approved ones
    (``aws:PrincipalArn``); ``public_endpoint_tag`` deserves the same. AWS Organizations tag policies can
    enforce the key's spelling and allowed values, but not who sets it.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        bucket: s3.IBucket | None = None,
        exclude_tag: tuple[str, str] | None = DEFAULT_EXCLUDE_TAG,
        sweep_interval: Duration = DEFAULT_SWEEP_INTERVAL,
        hourly_partitions: bool = True,
        file_format: FlowLogFileFormat = FlowLogFileFormat.PLAIN_TEXT,
        max_aggregation_interval: FlowLogAggregationInterval = FlowLogAggregationInterval.TEN_MINUTES,
        include_ecs_fields: bool = False,
        cluster_coverage: ClusterCoverage | None = None,
        discovery_role_arn: str | None = None,
        opt_in_tag: tuple[str, str] = DEFAULT_OPT_IN_TAG,
        public_endpoint_tag: tuple[str, str] | None = DEFAULT_PUBLIC_ENDPOINT_TAG,
        allowed_cidrs: Sequence[str] = DISCOVERY_CIDRS,
        access_policy: str = DEFAULT_ACCESS_POLICY,
        owner: str | None = None,
        report_parameter_name: str | None = None,
        log_group_encryption_key: kms.IKey | None = None,
    ) -> None:
        """Define the function, its role and log group, the ``Custom::EstateCoverage`` resource and the rules.

        :param scope: The construct this one is defined in.
        :param construct_id: Its id in ``scope``; part of the logical id of every resource it defines,
            so changing it replaces them.
        :param bucket: Destination bucket of the VPC flow logs. ``bucket`` or ``cluster_coverage`` (or both)
            is required. Default: None, no VPC is covered, and the flow log props below are unused.
        :param exclude_tag: ``(key, value)``: VPCs with this tag get no flow log. ``None`` covers every VPC.
            Default: ``("airs-discovery", "off")``.
        :param sweep_interval: How often the schedule sweeps, 5 to 1440 whole minutes. Default: 60 minutes.
        :param hourly_partitions: Partition objects per hour instead of per day, which cuts the S3 requests
            of readers. Default: True.
        :param file_format: ``FlowLogFileFormat.PLAIN_TEXT`` or ``PARQUET``. Default: plain text.
        :param max_aggregation_interval: 60 or 600 seconds. Default: 600 (``TEN_MINUTES``).
        :param include_ecs_fields: Add the Amazon ECS fields (flow log version 7). Default: False.
        :param cluster_coverage: Which EKS clusters of the account and region to open to discovery:
            ``ClusterCoverage.TAGGED`` (``"tagged"``), those carrying ``opt_in_tag``; ``ClusterCoverage.ALL``
            (``"all"``), every one. Default: None, no cluster is touched (and the cluster props below are
            unused).
        :param discovery_role_arn: The IAM role AIRS discovery uses (the role the AIRS onboarding created),
            which each covered cluster gets an access entry for. Required with ``cluster_coverage``.
            Default: None.
        :param opt_in_tag: ``(key, value)``: with ``ClusterCoverage.TAGGED``, clusters carrying this tag are
            opened, and the role's mutating EKS permissions are conditioned on it. The key must be known at
            synth (it names an IAM condition key); letters, digits, spaces and ``_.:/=+-@``.
            Default: ``("airs-discovery", "on")``.
        :param public_endpoint_tag: ``(key, value)``: a private-only cluster in scope carrying this tag gets
            public access turned on, for exactly ``allowed_cidrs``; without it such a cluster is refused,
            unchanged, with the reason in the report. ``None`` refuses every private-only cluster.
            Default: ``("airs-discovery-public-endpoint", "allow")``.
        :param allowed_cidrs: Public addresses to allow on each covered cluster's endpoint, at most 40.
            Default: ``DISCOVERY_CIDRS`` (34.71.64.3/32, 34.28.60.186/32).
        :param access_policy: EKS access policy name for the access entries, at cluster scope.
            Default: ``AmazonEKSViewPolicy``.
        :param owner: Value of the ``COVERAGE_TAG_KEY`` tag on the flow logs, clusters and access entries this
            construct makes or changes, the only ones its role may delete or revert; two ``EstateCoverage``
            in one account and region need different owners. Letters, digits, spaces and ``_.:/=+-@``, at
            most 256. Changing it later leaves what was made under the old owner in place, as resources that
            are not this construct's. Default: the stack name.
        :param report_parameter_name: SSM parameter (``/``-rooted) the handler writes its report to; with
            ``cluster_coverage`` its per-cluster records go below it, under ``/clusters``.
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
                bucket=bucket,
                exclude_tag=exclude_tag,
                sweep_interval=sweep_interval,
                file_format=file_format,
                interval=max_aggregation_interval,
                cluster_coverage=cluster_coverage,
                discovery_role_arn=discovery_role_arn,
                opt_in_tag=opt_in_tag,
                public_endpoint_tag=public_endpoint_tag,
                allowed_cidrs=allowed_cidrs,
                access_policy=access_policy,
                owner=owner,
                report_parameter_name=report_parameter_name,
            ),
        )
        file_format = FlowLogFileFormat(file_format)
        max_aggregation_interval = FlowLogAggregationInterval(max_aggregation_interval)
        self._bucket = bucket
        self._cluster_coverage = ClusterCoverage(cluster_coverage) if cluster_coverage is not None else None
        self._opt_in_tag = (opt_in_tag[0], opt_in_tag[1])
        self._owner = owner
        self._report_parameter_name = (
            REPORT_PARAMETER_PREFIX + owner if report_parameter_name is None else report_parameter_name
        )
        self._access_policy_arn = f"arn:{stack.partition}:eks::aws:cluster-access-policy/{access_policy}"

        settings: dict[str, str] = {"COVER_VPCS": "false" if bucket is None else "true"}
        bucket_policy = None
        if bucket is not None:
            for statement in log_delivery.bucket_statements(self, bucket):
                bucket.add_to_resource_policy(statement)
            bucket_policy = bucket.policy.node.default_child if bucket.policy is not None else None
            exclude_key, exclude_value = exclude_tag if exclude_tag is not None else ("", "")
            settings |= {
                "BUCKET_ARN": bucket.bucket_arn,
                "LOG_FORMAT": flow_log_fields.log_format(include_ecs_fields=include_ecs_fields),
                "FILE_FORMAT": file_format.value,
                "PER_HOUR_PARTITION": "true" if hourly_partitions else "false",
                "HIVE_COMPATIBLE_PARTITIONS": "false",
                "MAX_AGGREGATION_INTERVAL": str(max_aggregation_interval.value),
                "EXCLUDE_TAG_KEY": exclude_key,
                "EXCLUDE_TAG_VALUE": exclude_value,
            }
        settings["CLUSTER_COVERAGE"] = "none" if self._cluster_coverage is None else self._cluster_coverage.value
        if self._cluster_coverage is not None:
            assert discovery_role_arn is not None  # _validate requires it with cluster_coverage
            public_key, public_value = public_endpoint_tag if public_endpoint_tag is not None else ("", "")
            cidrs = [canonical_cidr(c) for c in allowed_cidrs]
            settings |= {
                "OPT_IN_TAG_KEY": opt_in_tag[0],
                "OPT_IN_TAG_VALUE": opt_in_tag[1],
                "PUBLIC_ENDPOINT_TAG_KEY": public_key,
                "PUBLIC_ENDPOINT_TAG_VALUE": public_value,
                "DISCOVERY_ROLE_ARN": discovery_role_arn,
                # A deploy-time CIDR (a parameter) is joined by CloudFormation.
                "ALLOWED_CIDRS": Fn.join(",", cidrs) if any(map(is_token, cidrs)) else ",".join(cidrs),
                "ACCESS_POLICY_ARN": self._access_policy_arn,
            }
        settings |= {"OWNER": owner, "REPORT_PARAMETER": self._report_parameter_name}

        self._log_group_encryption_key = log_group_encryption_key
        self._log_group = handler_log_group(self, log_group_encryption_key, whose="the estate coverage function's")
        self._role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"Custom::EstateCoverage handler: {self._scope_text()}",
        )
        self._function = inline_handler_function(
            self,
            handler="estate_coverage",
            role=self._role,
            log_group=self._log_group,
            timeout=FUNCTION_TIMEOUT,
            description=f"Custom::EstateCoverage: {self._scope_text()}, undoing only its own changes"
            if self._cluster_coverage is not None
            else "Custom::EstateCoverage: a flow log to S3 for every VPC of the region, removing only its own",
            environment=settings,
        )
        # A customer managed policy attached to the role: with clusters it names the function itself (the
        # hand-off), which in the role's default policy would make a dependency cycle; and NIST 800-53 asks
        # for no inline policies.
        self._policy = iam.ManagedPolicy(
            self,
            "Policy",
            description="Custom::EstateCoverage handler: " + self._policy_text(),
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
            description=self._schedule_text(),
            schedule=events.Schedule.rate(sweep_interval),
            targets=[target],
        )
        self._estate_events: events.Rule | None = None
        if bucket is not None:
            self._estate_events = events.Rule(
                self,
                "EstateEvents",
                description="Flow log coverage: sweep when a VPC is created, deleted or retagged (CloudTrail, best"
                " effort)",
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
        self._cluster_events: events.Rule | None = None
        if self._cluster_coverage is not None:
            self._cluster_events = events.Rule(
                self,
                "ClusterEvents",
                description="Cluster coverage: sweep when an EKS cluster is created, deleted or retagged"
                " (CloudTrail, best effort)",
                event_pattern=events.EventPattern(
                    source=["aws.eks"],
                    detail_type=["AWS API Call via CloudTrail"],
                    detail={"eventSource": ["eks.amazonaws.com"], "eventName": list(CLUSTER_EVENT_NAMES)},
                ),
                targets=[target],
            )
        # Created after, and on stack deletion removed before, the custom resource: no sweep can start
        # after the custom resource's Delete has undone what the sweeps did.
        for rule in (self._schedule, self._estate_events, self._cluster_events):
            if rule is not None:
                rule.node.add_dependency(self._custom_resource)

        self._acknowledge_findings(stack)

    def _scope_text(self) -> str:
        """What the function covers, for the descriptions of its resources."""
        if self._cluster_coverage is None:
            return "a flow log to S3 for every VPC of the region"
        clusters = "opted-in EKS clusters" if self._cluster_coverage is ClusterCoverage.TAGGED else "every EKS cluster"
        if self._bucket is None:
            return f"{clusters} of the region opened to AIRS discovery"
        return f"a flow log to S3 for every VPC, and {clusters} opened to AIRS discovery, in the region"

    def _policy_text(self) -> str:
        if self._cluster_coverage is None:
            return "VPC flow logs tagged as its own, its SSM report, its logs"
        vpcs = "VPC flow logs tagged as its own, " if self._bucket is not None else ""
        clusters = "opted-in EKS clusters" if self._cluster_coverage is ClusterCoverage.TAGGED else "EKS clusters"
        return f"{vpcs}{clusters} and access entries tagged as its own, its SSM report and records, its logs, itself"

    def _schedule_text(self) -> str:
        if self._cluster_coverage is None:
            return "Flow log coverage: sweep every VPC of the region"
        if self._bucket is None:
            return "Cluster coverage: sweep every EKS cluster of the region"
        return "Estate coverage: sweep every VPC and EKS cluster of the region"

    def _statements(self, stack: Stack) -> list[iam.PolicyStatement]:
        # The name is /-rooted, and SSM's ARN holds it without the leading slash: appending it to
        # "...:parameter" gives both, also for a name only known at deploy time.
        report = stack.format_arn(service="ssm", resource="parameter") + self._report_parameter_name
        statements = []
        if self._bucket is not None:
            statements += self._vpc_statements(stack)
        else:
            # An Update that switches VPC coverage off, or a Delete, removes the flow logs it made before.
            statements += self._flow_log_removal_statements(stack)
        # Always, also without cluster_coverage: an Update that switches cluster coverage off, or a Delete,
        # undoes what it did on the clusters, and by then the policy no longer has the opening statements.
        statements += self._revert_statements(stack)
        if self._cluster_coverage is not None:
            statements += self._cluster_statements(stack)
        statements.append(iam.PolicyStatement(actions=list(SSM_ACTIONS), resources=[report, report + LEASE_SUFFIX]))
        self._cluster_records = report + CLUSTER_RECORDS_SUFFIX + "/*"
        statements += [
            iam.PolicyStatement(actions=list(SSM_ACTIONS), resources=[self._cluster_records]),
            iam.PolicyStatement(actions=["ssm:GetParametersByPath"], resources=[report + CLUSTER_RECORDS_SUFFIX]),
        ]
        statements.append(
            iam.PolicyStatement(
                actions=["logs:CreateLogStream", "logs:PutLogEvents"], resources=[self._log_group.log_group_arn]
            )
        )
        if self._cluster_coverage is not None:
            # The hand-off: a run that is short of time invokes the function again, asynchronously.
            statements.append(
                iam.PolicyStatement(actions=["lambda:InvokeFunction"], resources=[self._function.function_arn])
            )
        return statements

    def _vpc_statements(self, stack: Stack) -> list[iam.PolicyStatement]:
        self._vpcs = stack.format_arn(service="ec2", resource="vpc", resource_name="*")
        self._flow_logs = stack.format_arn(service="ec2", resource="vpc-flow-log", resource_name="*")
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
        ]

    def _flow_log_removal_statements(self, stack: Stack) -> list[iam.PolicyStatement]:
        """Removing flow logs made before (VPC coverage switched off): only those carrying the owner's tag."""
        self._flow_logs = stack.format_arn(service="ec2", resource="vpc-flow-log", resource_name="*")
        return [
            iam.PolicyStatement(actions=["ec2:DescribeFlowLogs", "logs:DeleteLogDelivery"], resources=["*"]),
            iam.PolicyStatement(
                actions=["ec2:DeleteFlowLogs"],
                resources=[self._flow_logs],
                conditions={"StringEquals": {f"aws:ResourceTag/{COVERAGE_TAG_KEY}": self._owner}},
            ),
        ]

    def _revert_statements(self, stack: Stack) -> list[iam.PolicyStatement]:
        """Undoing cluster coverage: only on clusters and access entries that carry the owner's tag."""
        self._clusters = stack.format_arn(service="eks", resource="cluster", resource_name="*")
        self._access_entries = stack.format_arn(service="eks", resource="access-entry", resource_name="*/*")
        own_resource = {f"aws:ResourceTag/{COVERAGE_TAG_KEY}": self._owner}
        return [
            iam.PolicyStatement(actions=list(EKS_REVERT_READ_ACTIONS), resources=[self._clusters]),
            iam.PolicyStatement(
                actions=["eks:UpdateClusterConfig"],
                resources=[self._clusters],
                conditions={"StringEquals": own_resource},
            ),
            iam.PolicyStatement(
                actions=["eks:UntagResource"],
                resources=[self._clusters],
                conditions={
                    "StringEquals": own_resource,
                    "ForAllValues:StringEquals": {"aws:TagKeys": [COVERAGE_TAG_KEY]},
                },
            ),
            iam.PolicyStatement(
                actions=["eks:DeleteAccessEntry"],
                resources=[self._access_entries],
                conditions={"StringEquals": own_resource},
            ),
        ]

    def _cluster_statements(self, stack: Stack) -> list[iam.PolicyStatement]:
        # With TAGGED, changing a cluster needs its opt-in tag; reverting one needs the runner's own tag,
        # which it set before changing the cluster, so that a cluster whose opt-in tag is gone is reverted.
        opted_in = (
            {f"aws:ResourceTag/{self._opt_in_tag[0]}": self._opt_in_tag[1]}
            if self._cluster_coverage is ClusterCoverage.TAGGED
            else {}
        )
        own_request = {f"aws:RequestTag/{COVERAGE_TAG_KEY}": self._owner}
        own_resource = {f"aws:ResourceTag/{COVERAGE_TAG_KEY}": self._owner}
        only_own_key = {"ForAllValues:StringEquals": {"aws:TagKeys": [COVERAGE_TAG_KEY]}}
        return [
            iam.PolicyStatement(actions=list(EKS_READ_ACTIONS), resources=["*"]),
            iam.PolicyStatement(
                # eks:CreateAccessEntry is authorized on the cluster only (Service Authorization Reference).
                actions=["eks:UpdateClusterConfig", "eks:CreateAccessEntry"],
                resources=[self._clusters],
                conditions={"StringEquals": opted_in} if opted_in else None,
            ),
            iam.PolicyStatement(
                actions=["eks:TagResource"],
                resources=[self._clusters],
                conditions={"StringEquals": {**own_request, **opted_in}, **only_own_key},
            ),
            iam.PolicyStatement(
                # Tags given to CreateAccessEntry are authorized as eks:TagResource on the new entry.
                actions=["eks:TagResource"],
                resources=[self._access_entries],
                conditions={"StringEquals": own_request},
            ),
            iam.PolicyStatement(
                actions=["eks:AssociateAccessPolicy"],
                resources=[self._access_entries],
                conditions={
                    "StringEquals": {
                        **own_resource,
                        "eks:policyArn": self._access_policy_arn,
                        "eks:accessScope": "cluster",
                    }
                },
            ),
        ]

    def _acknowledge_findings(self, stack: Stack) -> None:
        function = self._function
        vpcs, clusters = self._bucket is not None, self._cluster_coverage is not None
        apis = ", ".join([*(["EC2"] if vpcs else []), *(["EKS"] if clusters else []), "SSM"]) + (
            ", CloudWatch Logs and Lambda (itself)" if clusters else " and CloudWatch Logs"
        )
        changes = " or ".join([*(["VPC"] if vpcs else []), *(["cluster"] if clusters else [])])
        ignore_cfn_lint(
            function,
            "W3005",
            "lambda.Function always adds DependsOn on its role, which the Role GetAtt already implies; harmless.",
        )
        acknowledge_nag(
            function,
            "NIST.800.53.R5-LambdaInsideVPC",
            f"The function calls the regional {apis} APIs and the CloudFormation response URL"
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
            f"Runs once per sweep interval and per {changes} change, and a lease in SSM keeps runs from overlapping;"
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
            "CKV_AWS_45",
            "The environment holds names, ARNs, CIDRs and tags only; the report parameter's name ends in the owner"
            " (the stack name by default), which checkov's entropy test takes for a secret when it looks random.",
        )
        skip_checkov(
            function,
            "CKV_AWS_173",
            "The environment holds non-secret settings ("
            + ("bucket ARN, log format, " if vpcs else "")
            + ("discovery role ARN, CIDRs, " if clusters else "")
            + "tag, owner, SSM name); a KMS key for them adds cost and no protection.",
        )
        logged = " and ".join(
            [
                *(["VPC and flow log ids"] if vpcs else []),
                *(["cluster names, CIDR lists, update ids"] if clusters else []),
            ]
        )
        if self._log_group_encryption_key is None:
            acknowledge_nag(
                self._log_group,
                "NIST.800.53.R5-CloudWatchLogGroupEncrypted",
                f"The function logs {logged} and counts, no secrets; CloudWatch Logs encrypts at rest"
                " with service keys already. Pass log_group_encryption_key for a KMS key.",
            )
            skip_checkov(
                self._log_group,
                "CKV_AWS_158",
                f"The function logs {logged} and counts, no secrets; service-key encryption at rest applies.",
            )
        self._acknowledge_wildcards(stack)

    def _acknowledge_wildcards(self, stack: Stack) -> None:
        """The IAM5 findings of the policy: each wildcard resource, with why it cannot be narrower."""
        wildcard = []
        if self._bucket is not None:
            wildcard.append(
                "ec2:DescribeVpcs and ec2:DescribeFlowLogs support no resource-level permissions;"
                " logs:CreateLogDelivery and logs:DeleteLogDelivery on * are what the Amazon VPC User Guide lists for"
                " an IAM principal that creates flow logs to S3. None of them creates, changes or deletes a VPC or"
                " flow log."
            )
        else:
            wildcard.append(
                "ec2:DescribeFlowLogs supports no resource-level permissions, and logs:DeleteLogDelivery on * is"
                " what deleting a flow log to S3 needs: both only to remove the flow logs an earlier VPC coverage"
                " made."
            )
            acknowledge_nag(
                self._policy,
                f"AwsSolutions-IAM5[Resource::{nag_resource_text(stack, self._flow_logs)}]",
                "Removing the flow logs an earlier VPC coverage made: ec2:DeleteFlowLogs only on flow logs carrying"
                f" this construct's {COVERAGE_TAG_KEY} tag with its owner's value.",
            )
        if self._cluster_coverage is not None:
            wildcard.append(
                "eks:ListClusters supports no resource-level permissions, and the clusters (and their updates and"
                " access entries) to read are found at run time; these four EKS actions only read."
            )
        acknowledge_nag(self._policy, "AwsSolutions-IAM5[Resource::*]", " ".join(wildcard))
        if self._bucket is not None:
            acknowledge_nag(
                self._policy,
                f"AwsSolutions-IAM5[Resource::{nag_resource_text(stack, self._vpcs)}]",
                "The VPCs to cover are found at run time; ec2:CreateFlowLogs is the only action on them, and only"
                f" with the request tag {COVERAGE_TAG_KEY} set to this construct's owner.",
            )
            acknowledge_nag(
                self._policy,
                f"AwsSolutions-IAM5[Resource::{nag_resource_text(stack, self._flow_logs)}]",
                "Flow log ids are made by EC2 at run time; creating and tagging them requires the owner's"
                f" {COVERAGE_TAG_KEY} tag in the request, and deleting requires it on the flow log.",
            )
        acknowledge_nag(
            self._policy,
            f"AwsSolutions-IAM5[Resource::{nag_resource_text(stack, self._cluster_records)}]",
            "One SSM record per cluster, named at run time from the cluster's name, below this construct's own"
            " report parameter.",
        )
        if self._cluster_coverage is None:
            acknowledge_nag(
                self._policy,
                f"AwsSolutions-IAM5[Resource::{nag_resource_text(stack, self._clusters)}]",
                "Undoing cluster coverage that was switched off: reading clusters, and reverting and untagging only"
                f" clusters that carry this construct's {COVERAGE_TAG_KEY} tag with its owner's value.",
            )
            acknowledge_nag(
                self._policy,
                f"AwsSolutions-IAM5[Resource::{nag_resource_text(stack, self._access_entries)}]",
                "Undoing cluster coverage that was switched off: deleting only access entries that carry this"
                f" construct's {COVERAGE_TAG_KEY} tag with its owner's value.",
            )
            return
        scope = (
            f"only clusters carrying the opt-in tag {self._opt_in_tag[0]} (aws:ResourceTag) may be changed"
            if self._cluster_coverage is ClusterCoverage.TAGGED
            else "cluster_coverage 'all' opens every cluster of the account and region, as its owner chose"
        )
        acknowledge_nag(
            self._policy,
            f"AwsSolutions-IAM5[Resource::{nag_resource_text(stack, self._clusters)}]",
            f"The clusters to cover are found at run time: {scope}; tagging is limited to the {COVERAGE_TAG_KEY}"
            " key with the owner's value, and reverting and untagging to clusters that already carry it.",
        )
        acknowledge_nag(
            self._policy,
            f"AwsSolutions-IAM5[Resource::{nag_resource_text(stack, self._access_entries)}]",
            "Access entry ARNs end in an id EKS makes at run time; tagging one needs the owner's"
            f" {COVERAGE_TAG_KEY} tag in the request, and associating a policy (only the configured one, at cluster"
            " scope) or deleting needs it on the entry.",
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
    def estate_events(self) -> events.IRule | None:
        """The rule that sweeps on VPC changes CloudTrail records (best effort); ``None`` without ``bucket``."""
        return self._estate_events

    @property
    def cluster_events(self) -> events.IRule | None:
        """The rule that sweeps on EKS cluster changes CloudTrail records (CreateCluster, DeleteCluster,
        TagResource, UntagResource; best effort); ``None`` without ``cluster_coverage``."""
        return self._cluster_events

    @property
    def report_parameter_name(self) -> str:
        """The SSM parameter the function writes its report to."""
        return self._report_parameter_name

    @property
    def owner(self) -> str:
        """The ``COVERAGE_TAG_KEY`` value of the flow logs, clusters and access entries this construct makes or
        changes."""
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
    """A (key, value) pair: a key of 1 to 128 characters not starting with ``aws:``, a value of 0 to 256;
    ``None`` covers every VPC."""
    return _tag_problems(value, none_means="to cover every VPC")


def opt_in_tag_problems(value: object) -> list[str]:
    """The tag that opts an EKS cluster in: an EKS tag (``exclude_tag_problems``' limits, in letters, digits,
    spaces and ``_.:/=+-@``) whose key is known at synth, since it names the IAM condition key
    ``aws:ResourceTag/<key>``, and is not ``COVERAGE_TAG_KEY``, the runner's own."""
    problems = _tag_problems(value, none_means=None, eks=True)
    if problems or not isinstance(value, tuple | list):
        return problems
    if is_token(value[0]):
        return [
            "key is only known at deploy time, but it names the IAM condition key aws:ResourceTag/<key>, which"
            " CloudFormation cannot compute (expected a literal tag key)"
        ]
    return [problem] if (problem := _own_key_problem(value[0])) else []


def public_endpoint_tag_problems(value: object) -> list[str]:
    """The tag that lets a private-only EKS cluster get public access: an EKS tag (``opt_in_tag_problems``'
    limits, a deploy-time key too) that is not ``COVERAGE_TAG_KEY``; ``None`` refuses every private-only
    cluster."""
    problems = _tag_problems(value, none_means="to refuse every private-only cluster", eks=True)
    if problems or not isinstance(value, tuple | list):
        return problems
    return [problem] if (problem := _own_key_problem(value[0])) else []


def cluster_coverage_problem(value: object) -> str | None:
    """``ClusterCoverage.TAGGED`` or ``ALL``, or their values ``"tagged"`` and ``"all"``."""
    if isinstance(value, str) and value in tuple(ClusterCoverage):
        return None
    expected = " or ".join(repr(c.value) for c in ClusterCoverage)
    return f"{value!r} is not a cluster coverage (expected {expected})"


def estate_coverage_problems(
    *,
    covers_vpcs: bool,
    cluster_coverage: object,
    discovery_role_arn: str | None,
    opt_in_tag: object = DEFAULT_OPT_IN_TAG,
    public_endpoint_tag: object = DEFAULT_PUBLIC_ENDPOINT_TAG,
) -> list[str]:
    """What does not fit together among ``EstateCoverage``'s props: nothing to cover (no bucket, so no VPC,
    and no ``cluster_coverage``); ``cluster_coverage`` without the role the access entries are for; with
    ``"tagged"``, the opt-in and public-endpoint tags on one key (a cluster has one value per key)."""
    problems = []
    if not covers_vpcs and cluster_coverage is None:
        problems.append(
            "neither bucket nor cluster_coverage is given, so there is nothing to cover (expected bucket for the"
            " VPCs' flow logs, cluster_coverage for EKS clusters, or both)"
        )
    if cluster_coverage is not None and discovery_role_arn is None:
        problems.append(
            f"cluster_coverage {str(cluster_coverage)!r} needs discovery_role_arn, the IAM role AIRS discovery"
            " uses: each covered cluster gets an access entry for it"
        )
    if (
        cluster_coverage == ClusterCoverage.TAGGED
        and public_endpoint_tag is not None
        and not opt_in_tag_problems(opt_in_tag)
        and not public_endpoint_tag_problems(public_endpoint_tag)
        and isinstance(opt_in_tag, tuple | list)
        and isinstance(public_endpoint_tag, tuple | list)
        and not is_token(public_endpoint_tag[0])
        and opt_in_tag[0].lower() == public_endpoint_tag[0].lower()
    ):
        problems.append(
            f"opt_in_tag and public_endpoint_tag share the key {opt_in_tag[0]!r}, but a cluster carries one value"
            " per key (expected two keys)"
        )
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


def report_parameter_name_problem(value: str, *, clusters: bool = False) -> str | None:
    """An SSM parameter name with a leading slash, that the lease ``<name>/lease`` can sit under, and with
    ``clusters`` the per-cluster records ``<name>/clusters/<cluster name>`` too (one level less, 110
    characters less)."""
    if is_token(value):
        return None
    levels = _MAX_PARAMETER_LEVELS - 1 if clusters else _MAX_PARAMETER_LEVELS
    length = _MAX_PARAMETER_NAME - _CLUSTER_RECORD_CHARACTERS if clusters else _MAX_PARAMETER_NAME
    expected = (
        f"expected '/' and up to {levels} '/'-separated parts of letters, digits and _.-, at most"
        f" {length} characters, the first part not starting with 'aws' or 'ssm'"
        + (", so that the per-cluster records fit below it" if clusters else "")
    )
    segments = value.split("/")[1:] if isinstance(value, str) and value.startswith("/") else []
    if (
        not segments
        or len(value) > length
        or len(segments) > levels
        or not all(_PARAMETER_SEGMENT.fullmatch(segment) for segment in segments)
        or segments[0].lower().startswith(("aws", "ssm"))
    ):
        return f"{value!r} is not an SSM parameter name for the report ({expected})"
    return None


def _tag_problems(value: object, *, none_means: str | None, eks: bool = False) -> list[str]:
    """A (key, value) pair within the limits every service has; ``eks``: also in the characters EKS takes.
    ``None`` is accepted when ``none_means`` says what it means."""
    if value is None and none_means is not None:
        return []
    if not (isinstance(value, tuple | list) and len(value) == 2 and all(isinstance(v, str) for v in value)):
        alternative = f", or None {none_means}" if none_means is not None else ""
        return [f"{value!r} is not a tag (expected a (key, value) pair of strings{alternative})"]
    key, tag_value = value
    problems = []
    if not is_token(key):
        if not 1 <= len(key) <= _MAX_TAG_KEY:
            problems.append(f"key {key!r} is not a tag key (expected 1 to {_MAX_TAG_KEY} characters)")
        elif key.lower().startswith("aws:"):
            problems.append(f"key {key!r} starts with 'aws:', which AWS reserves for its own tags")
        elif eks and not all(map(_tag_character, key)):
            problems.append(f"key {key!r} is not an EKS tag key (expected {_TAG_CHARACTERS})")
    if not is_token(tag_value):
        if len(tag_value) > _MAX_TAG_VALUE:
            problems.append(f"value {tag_value!r} is not a tag value (expected at most {_MAX_TAG_VALUE} characters)")
        elif eks and not all(map(_tag_character, tag_value)):
            problems.append(f"value {tag_value!r} is not an EKS tag value (expected {_TAG_CHARACTERS})")
    return problems


def _own_key_problem(key: str) -> str | None:
    # IAM compares condition key names without regard to case.
    if key.lower() == COVERAGE_TAG_KEY:
        return (
            f"key {key!r} is {COVERAGE_TAG_KEY!r}, the tag the runner marks the clusters it changed with"
            " (expected another key)"
        )
    return None


def _tag_character(character: str) -> bool:
    return unicodedata.category(character)[0] in "LNZ" or character in _TAG_PUNCTUATION


def _access_policy_problem(value: str) -> str | None:
    # The same rule and words as EksDiscoveryAccess's access_policy.
    if is_token(value) or (isinstance(value, str) and _POLICY_NAME.fullmatch(value)):
        return None
    return f"{value!r} is not an EKS access policy name (e.g. AmazonEKSViewPolicy)"


def _validate(
    *,
    bucket: object,
    exclude_tag: object,
    sweep_interval: object,
    file_format: object,
    interval: object,
    cluster_coverage: object,
    discovery_role_arn: str | None,
    opt_in_tag: object,
    public_endpoint_tag: object,
    allowed_cidrs: Sequence[str],
    access_policy: str,
    owner: str,
    report_parameter_name: str | None,
) -> list[str]:
    problems = at("exclude_tag", exclude_tag_problems(exclude_tag))
    problems += at("sweep_interval", [sweep_interval_problem(sweep_interval)])
    problems += at("file_format", [file_format_problem(file_format)])
    problems += at("max_aggregation_interval", [aggregation_interval_problem(interval)])
    if cluster_coverage is not None:
        problems += at("cluster_coverage", [cluster_coverage_problem(cluster_coverage)])
    if discovery_role_arn is not None:
        problems += at("discovery_role_arn", [role_arn_problem(discovery_role_arn)])
    problems += at("opt_in_tag", opt_in_tag_problems(opt_in_tag))
    problems += at("public_endpoint_tag", public_endpoint_tag_problems(public_endpoint_tag))
    problems += each("allowed_cidrs", allowed_cidrs, public_cidr_problem, items="CIDR blocks")
    if not isinstance(allowed_cidrs, str):
        problems += at("allowed_cidrs", allowed_cidrs_problems(allowed_cidrs))
    problems += at("access_policy", [_access_policy_problem(access_policy)])
    problems += estate_coverage_problems(
        covers_vpcs=bucket is not None,
        cluster_coverage=cluster_coverage,
        discovery_role_arn=discovery_role_arn,
        opt_in_tag=opt_in_tag,
        public_endpoint_tag=public_endpoint_tag,
    )
    problems += at("owner", [owner_problem(owner)])
    clusters = cluster_coverage is not None
    if report_parameter_name is not None:
        problems += at(
            "report_parameter_name", [report_parameter_name_problem(report_parameter_name, clusters=clusters)]
        )
    elif owner_problem(owner) is None:
        default_problem = report_parameter_name_problem(REPORT_PARAMETER_PREFIX + owner, clusters=clusters)
        if default_problem:
            problems.append(
                f"owner: {owner!r} cannot name the default report parameter: {default_problem}; pass"
                " report_parameter_name"
            )
    return problems
