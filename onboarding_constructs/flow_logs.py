"""``FlowLogs``: VPC flow logs for subnets and VPCs, into S3, in the format discovery reads."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import Enum, StrEnum

from aws_cdk import CfnResource, CfnTag
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_s3 as s3
from constructs import Construct

from . import _flow_log_fields as flow_log_fields
from . import _log_delivery as log_delivery
from ._errors import PropsError
from ._identifiers import is_token, repeated_problem, subnet_id_problem, vpc_id_problem
from ._props import at, each
from ._signature import public_signature

#: Tag ``Name`` of each flow log is this prefix plus the subnet or VPC id.
DEFAULT_NAME_PREFIX = "airs-discovery-"


class FlowLogFileFormat(StrEnum):
    """Format of the log files in S3 (``DestinationOptions.FileFormat``)."""

    PLAIN_TEXT = "plain-text"
    PARQUET = "parquet"


class FlowLogAggregationInterval(int, Enum):
    """Longest time, in seconds, a flow is aggregated into one record (``MaxAggregationInterval``)."""

    ONE_MINUTE = 60
    TEN_MINUTES = 600


@public_signature
class FlowLogs(Construct):
    """One flow log per subnet and per VPC, delivered to S3 with every standard record field.

    Each flow log records ALL traffic (accepted and rejected) in a custom format holding every
    standard field (``STANDARD_FIELDS``; ``ECS_FIELDS`` on request). Construct ids are
    the subnet and VPC ids, so reordering the lists changes nothing and removing an id removes only
    that flow log. An id only known at deploy time (a token, e.g. a CloudFormation parameter) is
    not checked and is named by its type and its position among the ids of that type instead
    (``Subnet0``, ``VPC0``). A flow log's format and destination cannot be edited in AWS: changing them
    replaces the flow log, which CloudFormation does on the next deploy.

    If ``bucket`` is defined in this app, its policy gets the log-delivery statements (conditioned
    on ``aws:SourceAccount`` and ``aws:SourceArn``); an imported bucket's policy is never touched.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        bucket: s3.IBucket,
        subnet_ids: Sequence[str] = (),
        vpc_ids: Sequence[str] = (),
        hourly_partitions: bool = True,
        file_format: FlowLogFileFormat = FlowLogFileFormat.PLAIN_TEXT,
        max_aggregation_interval: FlowLogAggregationInterval = FlowLogAggregationInterval.TEN_MINUTES,
        include_ecs_fields: bool = False,
        name_prefix: str = DEFAULT_NAME_PREFIX,
    ) -> None:
        """Define one flow log for each id of ``subnet_ids`` and ``vpc_ids``, delivered to ``bucket``.

        :param scope: The construct this one is defined in.
        :param construct_id: Its id in ``scope``; part of the logical id of every resource it defines,
            so changing it replaces them.
        :param bucket: Destination bucket. Required.
        :param subnet_ids: Subnets to log, ``subnet-...``. Default: no subnet flow logs.
        :param vpc_ids: VPCs to log (all their subnets and interfaces), ``vpc-...``. Default: no VPC flow logs.
            At least one subnet or VPC is required.
        :param hourly_partitions: Partition objects per hour instead of per day, which cuts the S3
            requests of readers. Default: True, hourly partitions.
        :param file_format: ``FlowLogFileFormat.PLAIN_TEXT`` or ``PARQUET``. Default: plain text.
        :param max_aggregation_interval: 60 or 600 seconds. Default: a record per flow at most every 10 minutes
            (``TEN_MINUTES``).
        :param include_ecs_fields: Add the Amazon ECS fields (flow log version 7). Default: False, standard
            fields only.
        :param name_prefix: ``Name`` tag prefix of each flow log. Default: ``airs-discovery-``.
        """
        super().__init__(scope, construct_id)
        PropsError.raise_if_any(
            self.node.path,
            _validate(
                subnet_ids=subnet_ids, vpc_ids=vpc_ids, file_format=file_format, interval=max_aggregation_interval
            ),
        )
        targets = {**{s: "Subnet" for s in subnet_ids}, **{v: "VPC" for v in vpc_ids}}
        file_format = FlowLogFileFormat(file_format)
        max_aggregation_interval = FlowLogAggregationInterval(max_aggregation_interval)

        for statement in log_delivery.bucket_statements(self, bucket):
            bucket.add_to_resource_policy(statement)
        bucket_policy = bucket.policy.node.default_child if bucket.policy is not None else None

        self._log_format = flow_log_fields.log_format(include_ecs_fields=include_ecs_fields)
        self._flow_logs: dict[str, ec2.CfnFlowLog] = {}
        destination = bucket.bucket_arn  # read once: each read is a jsii call
        positions = {"Subnet": 0, "VPC": 0}
        for resource_id, resource_type in targets.items():
            position = positions[resource_type]
            positions[resource_type] += 1
            flow_log = ec2.CfnFlowLog(
                self,
                _construct_id(resource_id, resource_type, position),
                resource_id=resource_id,
                resource_type=resource_type,
                traffic_type="ALL",
                log_destination_type="s3",
                log_destination=destination,
                log_format=self._log_format,
                max_aggregation_interval=max_aggregation_interval.value,
                # PascalCase keys, as the resource schema documents; the CDK's L2 FlowLog writes
                # camelCase here (aws/aws-cdk#25432), which is why this uses the L1.
                destination_options={
                    "FileFormat": file_format.value,
                    "HiveCompatiblePartitions": False,
                    "PerHourPartition": hourly_partitions,
                },
                # As a property, not Tags.of(...).add: one jsii call per flow log fewer, which
                # counts in estates of hundreds of subnets. Tags from above still merge in.
                tags=[CfnTag(key="Name", value=f"{name_prefix}{resource_id}")],
            )
            self._flow_logs[resource_id] = flow_log
        # Without the delivery statements in place first, log delivery would write its own. One
        # construct-level dependency puts DependsOn on every flow log below.
        if isinstance(bucket_policy, CfnResource):
            self.node.add_dependency(bucket_policy)

    @property
    def flow_logs(self) -> Mapping[str, ec2.CfnFlowLog]:
        """The flow logs, keyed by the subnet or VPC id they log."""
        return dict(self._flow_logs)

    @property
    def log_format(self) -> str:
        """The custom record format every flow log uses."""
        return self._log_format


def _construct_id(resource_id: str, resource_type: str, position: int) -> str:
    # A deploy-time value (e.g. a CloudFormation parameter) cannot name a construct: fall back to
    # its position in its own list, so adding a subnet never renames (replaces) a VPC's flow log.
    return f"{resource_type}{position}" if is_token(resource_id) else resource_id


def flow_log_targets_problems(
    subnet_ids: Sequence[str], vpc_ids: Sequence[str], *, at_least_one: bool = True
) -> list[str]:
    """What is wrong with the subnets and VPCs to log, taken together (each id on its own:
    ``subnet_id_problem``, ``vpc_id_problem``): an id listed twice (each id gets one flow log, named
    by the id), and, with ``at_least_one``, nothing to log."""
    problems = []
    if twice := repeated_problem([*subnet_ids, *vpc_ids], expected="each subnet and VPC id once"):
        problems.append(twice)
    if at_least_one and not subnet_ids and not vpc_ids:
        problems.append("no subnet_ids and no vpc_ids (expected at least one subnet or VPC to log)")
    return problems


def file_format_problem(value: object) -> str | None:
    if isinstance(value, str) and value in tuple(FlowLogFileFormat):
        return None
    expected = " or ".join(repr(f.value) for f in FlowLogFileFormat)
    return f"{value!r} is not a flow log file format (expected {expected})"


def aggregation_interval_problem(value: object) -> str | None:
    """60 or 600 seconds, as a whole number (600.0 and True are not)."""
    if isinstance(value, int) and not isinstance(value, bool) and value in tuple(FlowLogAggregationInterval):
        return None
    expected = " or ".join(str(i.value) for i in FlowLogAggregationInterval)
    return f"{value!r} is not an aggregation interval (expected {expected}, a whole number of seconds)"


def _validate(*, subnet_ids: Sequence[str], vpc_ids: Sequence[str], file_format: object, interval: object) -> list[str]:
    problems = each("subnet_ids", subnet_ids, subnet_id_problem, items="subnet ids")
    problems += each("vpc_ids", vpc_ids, vpc_id_problem, items="VPC ids")
    if not isinstance(subnet_ids, str) and not isinstance(vpc_ids, str):
        problems += flow_log_targets_problems(subnet_ids, vpc_ids)
    problems += at("file_format", [file_format_problem(file_format)])
    problems += at("max_aggregation_interval", [aggregation_interval_problem(interval)])
    return problems
