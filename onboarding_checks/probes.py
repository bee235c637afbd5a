"""What doctor and verify both read from AWS, and the comparisons they share. A read that two rules
make (a cluster's description, a subnet's flow logs) is asked once per run."""

from __future__ import annotations

import ipaddress
from typing import Any

from onboarding_config.partitions import partition_of
from onboarding_constructs import COVERAGE_TAG_KEY as SWEEP_TAG_KEY
from onboarding_constructs import POD_IDENTITY_AGENT_ADDON, REPORT_PARAMETER_PREFIX, flow_log_format
from onboarding_constructs.validation import canonical_cidr

from .rules import Context

POD_IDENTITY_AGENT = POD_IDENTITY_AGENT_ADDON
OPEN_TO_EVERYONE = ("0.0.0.0/0", "::/0")
#: EC2 allows this many flow logs per VPC, subnet or network interface.
MAX_FLOW_LOGS_PER_RESOURCE = 2
#: The tag the coverage sweep puts on each flow log it creates; its value is the owner, the stack's name.
COVERAGE_TAG_KEY = SWEEP_TAG_KEY
#: The stack output naming the SSM parameter of the sweep's report, and where that parameter is without it.
COVERAGE_REPORT_OUTPUT = "CoverageReport"
COVERAGE_REPORT_PREFIX = REPORT_PARAMETER_PREFIX


def admits_whole_family(cidrs: list[str] | tuple[str, ...], cidr: str) -> bool:
    """The handler's rule: whether an allow-list holds the range of every address of ``cidr``'s family
    (0.0.0.0/0 or ::/0). A dual-stack endpoint filters each family by its own ranges: ::/0 admits no
    IPv4 address, so IPv4 discovery CIDRs still go on a list that holds only ::/0."""
    every_ipv4, every_ipv6 = OPEN_TO_EVERYONE
    return (every_ipv6 if ipaddress.ip_network(cidr, strict=False).version == 6 else every_ipv4) in cidrs


def cluster(context: Context, name: str) -> dict[str, Any]:
    """DescribeCluster's ``cluster``; a missing cluster raises ClientError ResourceNotFoundException."""
    answer: dict[str, Any] = context.once(
        ("cluster", name), lambda: context.aws.call("eks", "describe_cluster", name=name)["cluster"]
    )
    return answer


def auth_mode(description: dict[str, Any]) -> str:
    """A cluster's authentication mode; a cluster that predates access entries has none: CONFIG_MAP."""
    return str((description.get("accessConfig") or {}).get("authenticationMode", "CONFIG_MAP"))


def flow_logs_on(context: Context, resource_id: str) -> list[dict[str, Any]]:
    """The flow logs of a subnet or VPC (every page)."""
    filters = [{"Name": "resource-id", "Values": [resource_id]}]
    return context.once(
        ("flow logs", resource_id),
        lambda: [
            f
            for page in context.aws.pages("ec2", "describe_flow_logs", Filters=filters)
            for f in page.get("FlowLogs", [])
        ],
    )


def region_vpcs(context: Context) -> list[dict[str, Any]]:
    """The account's VPCs in the region (every page). A VPC another account shares with it is that
    account's to log: EC2 lets only a VPC's owner create its flow logs."""
    return context.once(
        "vpcs",
        lambda: [
            vpc
            for page in context.aws.pages("ec2", "describe_vpcs")
            for vpc in page.get("Vpcs", [])
            if vpc.get("OwnerId", context.account) == context.account
        ],
    )


def flow_logs_by_resource(context: Context) -> dict[str, list[dict[str, Any]]]:
    """Every flow log of the region (every page, read once, not once per VPC), by the resource it logs."""

    def read() -> dict[str, list[dict[str, Any]]]:
        by_resource: dict[str, list[dict[str, Any]]] = {}
        for page in context.aws.pages("ec2", "describe_flow_logs"):
            for flow_log in page.get("FlowLogs", []):
                by_resource.setdefault(str(flow_log.get("ResourceId", "")), []).append(flow_log)
        return by_resource

    return context.once("every flow log", read)


def tags_of(resource: dict[str, Any]) -> dict[str, str]:
    """A resource's ``Tags`` list as a mapping."""
    return {str(t.get("Key")): str(t.get("Value", "")) for t in resource.get("Tags") or []}


def flow_logs_to(flow_logs: list[dict[str, Any]], bucket_arn: str | None) -> list[dict[str, Any]]:
    """The flow logs that deliver to ``bucket_arn`` (a destination may add a folder: ``arn.../prefix``)."""
    return [f for f in flow_logs if bucket_arn and str(f.get("LogDestination", "")).split("/")[0] == bucket_arn]


def matches_the_sweep(context: Context, flow_log: dict[str, Any]) -> bool:
    """Whether a flow log delivers what the coverage sweep's would: the stack's bucket, the config's record
    format, interval and file options, all traffic, active. The sweep treats such a flow log (anyone's)
    as covering its VPC, and any other as not covering it. Before a deploy that names the bucket, the
    sweep's own flow log (its tag) stands for the stack's bucket."""
    flow_logs = context.config.flow_logs
    bucket_arn = stack_bucket_arn(context)
    if bucket_arn is None and tags_of(flow_log).get(SWEEP_TAG_KEY) == context.config.stack_name:
        bucket_arn = str(flow_log.get("LogDestination", "")).rstrip("/")
    # A flow log created without DestinationOptions has CreateFlowLogs' defaults.
    options = flow_log.get("DestinationOptions") or {}
    return (
        bucket_arn is not None
        and flow_log.get("LogDestinationType") == "s3"
        and str(flow_log.get("LogDestination", "")).rstrip("/") == bucket_arn
        and flow_log.get("LogFormat") == flow_log_format(include_ecs_fields=flow_logs.include_ecs_fields)
        and flow_log.get("MaxAggregationInterval") == flow_logs.max_aggregation_seconds
        and flow_log.get("TrafficType") == "ALL"
        and flow_log.get("FlowLogStatus") == "ACTIVE"
        and options.get("FileFormat", "plain-text") == flow_logs.file_format
        and bool(options.get("PerHourPartition", False)) == flow_logs.hourly_partitions
        and not options.get("HiveCompatiblePartitions", False)
    )


def stack_bucket_arn(context: Context) -> str | None:
    """The flow logs' bucket: after a deploy the stack's ``FlowLogBucketArn`` output; before it, the
    bucket the config fixes (an existing one or a named new one), if it does."""
    if context.outputs is not None:
        return context.output("FlowLogBucketArn")
    bucket = context.config.flow_logs.bucket
    name = bucket.existing_name or bucket.name
    return f"arn:{partition_of(context.aws.region)}:s3:::{name}" if name else None


def discovery_cidrs(context: Context) -> list[str]:
    """The config's allowed CIDRs as EKS spells them, to compare with a cluster's allow-list."""
    return [canonical_cidr(c) for c in context.config.eks.allowed_cidrs] if context.config.eks else []
