"""``AccountOnboardingStack``: every onboarding prerequisite of one account and region."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aws_cdk import CfnOutput, Duration, Stack
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from onboarding_config.model import BucketConfig, CloudTrailConfig, OnboardingConfig
from onboarding_config.output_groups import AUDIT, ROLE, WIZARD
from onboarding_constructs import (
    BedrockAuditTrail,
    BedrockInvokerInstanceRole,
    DiscoveryRole,
    EksDiscoveryAccess,
    FlowLogAggregationInterval,
    FlowLogBucket,
    FlowLogFileFormat,
    FlowLogs,
    PodBedrockAccess,
    apply_role_policy,
    pod_access_id,
)

from .flow_log_shards import RESOURCE_BUDGET, SHARDS, FlowLogShardStack, resource_count, split_by_shard

DESCRIPTION = (
    "Prisma AIRS (AI Runtime Security) discovery prerequisites: flow logs to S3, EKS discovery access,"
    " Bedrock audit trail and workload identities"
)


@dataclass(frozen=True)
class ClusterTarget:
    """One cluster to open to discovery."""

    name: str
    #: True/False, or a deploy-time "true"/"false" (a StackSet template's parameter).
    enable_public_endpoint: bool | str = False
    #: What names the cluster's constructs when ``name`` is only known at deploy time.
    slot: str | None = None


@dataclass(frozen=True)
class AccountTargets:
    """The ids that differ from account to account: literal values from the config for one
    account, or CloudFormation parameters in a StackSet template."""

    subnet_ids: Sequence[str]
    vpc_ids: Sequence[str]
    clusters: Sequence[ClusterTarget]
    discovery_role_arn: str | None


class AccountOnboardingStack(Stack):
    """Composes the prerequisite constructs from a validated config; defines no resource itself.

    Outputs carry the values the AIRS onboarding wizard asks for (bucket name and ARN, region).
    """

    def __init__(self, scope: Construct, construct_id: str, *, config: OnboardingConfig, **kwargs: Any) -> None:
        kwargs.setdefault("description", DESCRIPTION)
        super().__init__(scope, construct_id, **kwargs)
        flow_logs_config = config.flow_logs
        targets = self._account_targets(config)

        flow_log_bucket = FlowLogBucket(self, "FlowLogBucket", **self._bucket_props(flow_logs_config.bucket))
        self.flow_log_bucket = flow_log_bucket

        self.discovery_role = (
            DiscoveryRole(
                self,
                "DiscoveryRole",
                trusted_principal_arn=config.discovery_role.trusted_principal_arn,
                external_id=config.discovery_role.external_id,
                allow_sensitive_reads=config.discovery_role.allow_sensitive_reads,
                flow_log_bucket=flow_log_bucket.bucket,
                flow_log_bucket_key=flow_log_bucket.encryption_key,
            )
            if config.discovery_role
            else None
        )

        eks = config.eks
        # One key object for the handler's log group, which every cluster's access shares.
        log_group_key = (
            kms.Key.from_key_arn(self, "EksLogGroupKey", eks.log_group_kms_key_arn)
            if eks and eks.log_group_kms_key_arn
            else None
        )
        discovery_principal = self.discovery_role.role_arn if self.discovery_role else targets.discovery_role_arn
        self.eks_access = {
            cluster.name: EksDiscoveryAccess(
                self,
                f"Eks-{cluster.slot or cluster.name}",
                cluster_name=cluster.name,
                principal_arn=discovery_principal,
                allowed_cidrs=eks.allowed_cidrs,
                enable_public_endpoint=cluster.enable_public_endpoint,
                log_group_encryption_key=log_group_key,
            )
            for cluster in (targets.clusters if eks else ())
        }

        self.audit_trail = (
            BedrockAuditTrail(self, "BedrockAuditTrail", **self._trail_props(config.cloudtrail))
            if config.cloudtrail
            else None
        )

        bedrock = config.bedrock
        self.instance_role = (
            BedrockInvokerInstanceRole(self, "BedrockInvokerInstanceRole", model_ids=bedrock.model_ids)
            if bedrock and bedrock.ec2_role
            else None
        )
        self.pod_access = {
            (pod.cluster, pod.namespace, pod.service_account): PodBedrockAccess(
                self,
                pod_access_id(pod.cluster, pod.namespace, pod.service_account),
                cluster_name=pod.cluster,
                namespace=pod.namespace,
                service_account=pod.service_account,
                model_ids=bedrock.model_ids,
                mode=pod.mode,
                oidc_issuer=pod.oidc_issuer,
                install_pod_identity_agent=pod.install_pod_identity_agent,
            )
            for pod in (bedrock.pod_access if bedrock else ())
        }

        self._place_flow_logs(scope, construct_id, config, targets, **kwargs)

        # Every role above, and the ones constructs make internally (the EKS handler's), follows the rules.
        apply_role_policy(
            self,
            permissions_boundary_arn=config.iam.permissions_boundary_arn,
            role_name_prefix=config.iam.role_name_prefix,
        )

        CfnOutput(
            self,
            "FlowLogBucketName",
            value=flow_log_bucket.bucket.bucket_name,
            description=f"{WIZARD}S3 bucket name for VPC flow logs",
        )
        CfnOutput(
            self,
            "FlowLogBucketArn",
            value=flow_log_bucket.bucket.bucket_arn,
            description=f"{WIZARD}S3 bucket ARN for VPC flow logs",
        )
        CfnOutput(
            self,
            "Region",
            value=self.region,
            description=f"{WIZARD}region of the AI models, the bucket and the flow logs",
        )
        self._identity_outputs()

    def _place_flow_logs(
        self, scope: Construct, construct_id: str, config: OnboardingConfig, targets: AccountTargets, **kwargs: Any
    ) -> None:
        """In this stack while it stays within ``RESOURCE_BUDGET``; otherwise in shard stacks beside it
        (see ``flow_log_shards``)."""
        self.flow_log_shards: list[FlowLogShardStack] = []
        if resource_count(self) + len(targets.subnet_ids) + len(targets.vpc_ids) <= RESOURCE_BUDGET:
            self.flow_logs: FlowLogs | None = self._flow_logs_here(config, targets)
            return
        self.flow_logs = None
        bucket, props = self.flow_log_bucket.bucket, _flow_log_props(config)
        subnets, vpcs = split_by_shard(targets.subnet_ids), split_by_shard(targets.vpc_ids)
        # Not the synthesizer: one synthesizer serves one stack.
        shard_kwargs = {k: v for k, v in kwargs.items() if k in ("env", "termination_protection")}
        for shard in sorted({*subnets, *vpcs}):
            self.flow_log_shards.append(
                FlowLogShardStack(
                    scope,
                    f"{construct_id}-FlowLogs{shard}",
                    bucket=bucket,
                    subnet_ids=subnets.get(shard, []),
                    vpc_ids=vpcs.get(shard, []),
                    flow_log_props=props,
                    description=f"{DESCRIPTION}: flow logs of shard {shard} of {SHARDS} (subnets and VPCs by a hash of their id)",
                    **shard_kwargs,
                )
            )

    def _flow_logs_here(self, config: OnboardingConfig, targets: AccountTargets) -> FlowLogs:
        return FlowLogs(
            self,
            "FlowLogs",
            bucket=self.flow_log_bucket.bucket,
            subnet_ids=targets.subnet_ids,
            vpc_ids=targets.vpc_ids,
            **_flow_log_props(config),
        )

    def _account_targets(self, config: OnboardingConfig) -> AccountTargets:
        """This account's ids, from the config. Called before anything is composed, so a subclass
        can define CloudFormation parameters here and return them (``MemberOnboardingStack``)."""
        return AccountTargets(
            subnet_ids=config.flow_logs.subnet_ids,
            vpc_ids=config.flow_logs.vpc_ids,
            clusters=[
                ClusterTarget(c.name, c.enable_public_endpoint) for c in (config.eks.clusters if config.eks else ())
            ],
            discovery_role_arn=config.eks.discovery_role_arn if config.eks else None,
        )

    def _identity_outputs(self) -> None:
        if self.discovery_role:
            CfnOutput(
                self,
                "DiscoveryRoleArn",
                value=self.discovery_role.role_arn,
                description=f"{ROLE}AIRS discovery (cross-account)",
            )
        if self.audit_trail:
            how = "created by this stack" if self.audit_trail.created else "reused, nothing created"
            CfnOutput(self, "BedrockAuditTrailArn", value=self.audit_trail.trail_arn, description=f"{AUDIT}{how}")
        if self.instance_role:
            CfnOutput(
                self,
                "Ec2BedrockRoleArn",
                value=self.instance_role.role_arn,
                description=f"{ROLE}EC2 instances invoking Bedrock",
            )
            CfnOutput(
                self,
                "Ec2BedrockInstanceProfileName",
                value=self.instance_role.instance_profile.instance_profile_name,
                description="Instance profile to attach to EC2 instances that invoke Bedrock",
            )
        for (cluster, namespace, service_account), access in self.pod_access.items():
            CfnOutput(
                self,
                "PodRole"
                + "".join(
                    part.title() for part in re.split(r"[^A-Za-z0-9]+", f"{cluster}-{namespace}-{service_account}")
                ),
                value=access.role_arn,
                description=f"{ROLE}pods of {cluster}/{namespace}/{service_account} invoking Bedrock ({access.mode.value})",
            )

    def _trail_props(self, trail: CloudTrailConfig) -> dict[str, Any]:
        if trail.existing_trail_arn is not None:
            return {"existing_trail_arn": trail.existing_trail_arn}
        return {
            "trail_name": trail.trail_name,
            "bedrock_data_events": trail.bedrock_data_events,
            "encryption_key": kms.Key.from_key_arn(self, "TrailKey", trail.kms_key_arn) if trail.kms_key_arn else None,
            "retention": Duration.days(trail.retention_days) if trail.retention_days is not None else None,
        }

    def _bucket_props(self, bucket: BucketConfig) -> dict[str, Any]:
        if bucket.existing_name is not None:
            return {"existing_bucket": s3.Bucket.from_bucket_name(self, "ExistingFlowLogBucket", bucket.existing_name)}
        return {
            "bucket_name": bucket.name,
            "encryption_key": (
                kms.Key.from_key_arn(self, "FlowLogBucketKey", bucket.kms_key_arn) if bucket.kms_key_arn else None
            ),
            "retention": Duration.days(bucket.retention_days) if bucket.retention_days is not None else None,
        }


def _flow_log_props(config: OnboardingConfig) -> dict[str, Any]:
    """``FlowLogs`` props from the config's flow_logs section, other than where and what to log."""
    flow_logs = config.flow_logs
    return {
        "hourly_partitions": flow_logs.hourly_partitions,
        "file_format": FlowLogFileFormat(flow_logs.file_format),
        "max_aggregation_interval": FlowLogAggregationInterval(flow_logs.max_aggregation_seconds),
        "include_ecs_fields": flow_logs.include_ecs_fields,
    }
