"""How a stack's flow logs are written: the ``FlowLogs`` settings shared by the account stack, the
shard stacks and estate coverage (the CDK's Options/Props split: these options, plus a bucket and
the ids to log, are the props of one ``FlowLogs``; plus a bucket and what to leave out, and the
cluster options of ``coverage_options``, of one ``EstateCoverage``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aws_cdk import Duration
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from onboarding_config.model import FlowLogsConfig
from onboarding_constructs import EstateCoverage, FlowLogAggregationInterval, FlowLogFileFormat, FlowLogs

from .coverage_options import NO_CLUSTERS, ClusterCoverageOptions


@dataclass(frozen=True)
class FlowLogOptions:
    """Every ``FlowLogs`` prop other than the bucket and the subnet and VPC ids: how each flow log is
    written, by ``FlowLogs`` and ``EstateCoverage`` alike."""

    hourly_partitions: bool
    file_format: FlowLogFileFormat
    max_aggregation_interval: FlowLogAggregationInterval
    include_ecs_fields: bool

    @classmethod
    def from_config(cls, flow_logs: FlowLogsConfig) -> FlowLogOptions:
        return cls(
            hourly_partitions=flow_logs.hourly_partitions,
            file_format=FlowLogFileFormat(flow_logs.file_format),
            max_aggregation_interval=FlowLogAggregationInterval(flow_logs.max_aggregation_seconds),
            include_ecs_fields=flow_logs.include_ecs_fields,
        )

    def flow_logs(
        self,
        scope: Construct,
        construct_id: str,
        *,
        bucket: s3.IBucket,
        subnet_ids: Sequence[str],
        vpc_ids: Sequence[str],
    ) -> FlowLogs:
        """A ``FlowLogs`` with these options, to ``bucket``, for ``subnet_ids`` and ``vpc_ids``."""
        return FlowLogs(
            scope,
            construct_id,
            bucket=bucket,
            subnet_ids=subnet_ids,
            vpc_ids=vpc_ids,
            hourly_partitions=self.hourly_partitions,
            file_format=self.file_format,
            max_aggregation_interval=self.max_aggregation_interval,
            include_ecs_fields=self.include_ecs_fields,
        )

    def coverage(
        self,
        scope: Construct,
        construct_id: str,
        *,
        bucket: s3.IBucket | None,
        exclude_tag: tuple[str, str] | None,
        sweep_interval: Duration,
        clusters: ClusterCoverageOptions = NO_CLUSTERS,
        owner: str | None = None,
        log_group_encryption_key: kms.IKey | None = None,
    ) -> EstateCoverage:
        """An ``EstateCoverage`` with these options, re-checked every ``sweep_interval``: every VPC of the
        account and region but those tagged ``exclude_tag`` logs to ``bucket`` (None: no VPC is covered, and
        these options and ``exclude_tag`` are unused), and the EKS clusters ``clusters`` selects are opened to
        discovery (default: none)."""
        return EstateCoverage(
            scope,
            construct_id,
            bucket=bucket,
            exclude_tag=exclude_tag if bucket is not None else None,
            sweep_interval=sweep_interval,
            hourly_partitions=self.hourly_partitions,
            file_format=self.file_format,
            max_aggregation_interval=self.max_aggregation_interval,
            include_ecs_fields=self.include_ecs_fields,
            cluster_coverage=clusters.cluster_coverage,
            discovery_role_arn=clusters.discovery_role_arn,
            allowed_cidrs=clusters.allowed_cidrs,
            opt_in_tag=clusters.opt_in_tag,
            public_endpoint_tag=clusters.public_endpoint_tag,
            owner=owner,
            log_group_encryption_key=log_group_encryption_key,
        )
