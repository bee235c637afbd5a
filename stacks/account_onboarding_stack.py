"""``AccountOnboardingStack``: every onboarding prerequisite of one account and region."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from aws_cdk import CfnOutput, Duration, Stack
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from onboarding_config.model import (
    BedrockConfig,
    BucketConfig,
    CloudTrailConfig,
    DiscoveryRoleConfig,
    EksConfig,
    OnboardingConfig,
)
from onboarding_config.output_groups import AUDIT, COVERAGE, ROLE, WIZARD
from onboarding_constructs import (
    BedrockAuditTrail,
    BedrockInvokerInstanceRole,
    DiscoveryRole,
    EksDiscoveryAccess,
    EstateCoverage,
    FlowLogBucket,
    FlowLogs,
    PodBedrockAccess,
    apply_role_policy,
    pod_access_id,
)

from .coverage_options import ClusterCoverageOptions
from .flow_log_options import FlowLogOptions
from .flow_log_shards import RESOURCE_BUDGET, ShardedFlowLogs, resource_count

#: The description of the output that names the coverage report's SSM parameter.
COVERAGE_REPORT = f"{COVERAGE}SSM parameter with the coverage report (make verify shows it)"

DESCRIPTION = (
    "Prisma AIRS (AI Runtime Security) discovery prerequisites: flow logs to S3, EKS discovery access,"
    " Bedrock audit trail and workload identities"
)


@dataclass(frozen=True)
class ClusterTarget:
    """One cluster to open to discovery."""

    name: str
    enable_public_endpoint: bool = False


@dataclass(frozen=True)
class AccountTargets:
    """The ids of one account's subnets, VPCs and clusters, from the config (none in a StackSet template,
    which is the same for every account)."""

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
        targets = self._account_targets(config)
        self._handler_log_group_key: kms.IKey | None = None
        self._flow_log_bucket = self._flow_log_bucket_of(config.flow_logs.bucket)
        self._discovery_role = self._discovery_role_of(config.discovery_role)
        self._eks_access = self._eks_access_of(config.eks, targets)
        self._audit_trail = self._audit_trail_of(config.cloudtrail) if config.cloudtrail else None
        bedrock = config.bedrock
        self._instance_role = (
            BedrockInvokerInstanceRole(self, "BedrockInvokerInstanceRole", model_ids=bedrock.model_ids)
            if bedrock and bedrock.ec2_role
            else None
        )
        self._pod_access = self._pod_access_of(bedrock) if bedrock else {}
        options = FlowLogOptions.from_config(config.flow_logs)
        clusters = ClusterCoverageOptions.from_config(config.eks, discovery_role_arn=self._discovery_principal(targets))
        self._flow_logs: FlowLogs | None = None
        self._sharded_flow_logs: ShardedFlowLogs | None = None
        self._estate_coverage: EstateCoverage | None = None
        if config.flow_logs.all_vpcs or clusters.covers_clusters:
            self._estate_coverage = self._coverage_of(config, options, clusters)
        if not config.flow_logs.all_vpcs:
            # Last: whether the flow logs fit depends on how many resources everything above made.
            self._place_flow_logs(options, targets)

        # Every role above, and the ones constructs make internally (the EKS handler's), follows the rules.
        apply_role_policy(
            self,
            permissions_boundary_arn=config.iam.permissions_boundary_arn,
            role_name_prefix=config.iam.role_name_prefix,
        )
        self._wizard_outputs()
        self._coverage_output()
        self._identity_outputs()

    @property
    def flow_log_bucket(self) -> FlowLogBucket:
        """The bucket the flow logs go to (created, or the config's existing one)."""
        return self._flow_log_bucket

    @property
    def flow_logs(self) -> FlowLogs | None:
        """The flow logs, when they fit in this stack; None when they are left to shard stacks."""
        return self._flow_logs

    @property
    def sharded_flow_logs(self) -> ShardedFlowLogs | None:
        """The flow logs this stack leaves to shard stacks (``flow_log_shards.add_shard_stacks``), or None."""
        return self._sharded_flow_logs

    @property
    def estate_coverage(self) -> EstateCoverage | None:
        """The coverage runner: flow logs for every VPC of the account and region (``flow_logs.coverage:
        all-vpcs``) and/or discovery access to its tagged or all EKS clusters (``eks.coverage: tagged`` or
        ``all``); None when both are listed."""
        return self._estate_coverage

    @property
    def discovery_role(self) -> DiscoveryRole | None:
        """The AIRS discovery role, when the config's discovery_role section asks for one."""
        return self._discovery_role

    @property
    def eks_access(self) -> Mapping[str, EksDiscoveryAccess]:
        """Each listed cluster's discovery access, by cluster name (a parameter's token in a member template);
        empty with ``eks.coverage: tagged`` or ``all``, where ``estate_coverage`` opens the clusters."""
        return self._eks_access

    @property
    def audit_trail(self) -> BedrockAuditTrail | None:
        """The Bedrock audit trail (created or reused), when the config has a cloudtrail section."""
        return self._audit_trail

    @property
    def instance_role(self) -> BedrockInvokerInstanceRole | None:
        """The EC2 role that may invoke Bedrock, when ``bedrock.ec2_role`` is on."""
        return self._instance_role

    @property
    def pod_access(self) -> Mapping[tuple[str, str, str], PodBedrockAccess]:
        """Each pod role, by (cluster, namespace, service account)."""
        return self._pod_access

    def _discovery_role_of(self, role: DiscoveryRoleConfig | None) -> DiscoveryRole | None:
        if role is None:
            return None
        return DiscoveryRole(
            self,
            "DiscoveryRole",
            trusted_principal_arn=role.trusted_principal_arn,
            external_id=role.external_id,
            allow_sensitive_reads=role.allow_sensitive_reads,
            flow_log_bucket=self._flow_log_bucket.bucket,
            flow_log_bucket_key=self._flow_log_bucket.encryption_key,
        )

    def _discovery_principal(self, targets: AccountTargets) -> str | None:
        """The role the clusters are opened to: the one this stack creates, else ``eks.discovery_role_arn``."""
        return self._discovery_role.role_arn if self._discovery_role else targets.discovery_role_arn

    def _eks_access_of(self, eks: EksConfig | None, targets: AccountTargets) -> dict[str, EksDiscoveryAccess]:
        if eks is None or eks.dynamic:  # tagged or all: the coverage runner opens the clusters
            return {}
        principal = self._discovery_principal(targets)
        if principal is None:  # the config refuses an eks section without a discovery role
            raise ValueError("eks: no discovery role to open the clusters to")
        log_group_key = self._log_group_key(eks)
        return {
            cluster.name: EksDiscoveryAccess(
                self,
                f"Eks-{cluster.name}",
                cluster_name=cluster.name,
                principal_arn=principal,
                allowed_cidrs=eks.allowed_cidrs,
                enable_public_endpoint=cluster.enable_public_endpoint,
                log_group_encryption_key=log_group_key,
            )
            for cluster in targets.clusters
        }

    def _log_group_key(self, eks: EksConfig | None) -> kms.IKey | None:
        """The key of the handlers' log groups (``eks.log_group_kms_key_arn``): one key object, which the
        EKS access handler and the coverage function share; None for CloudWatch Logs' own encryption."""
        if eks is None or eks.log_group_kms_key_arn is None:
            return None
        if self._handler_log_group_key is None:
            self._handler_log_group_key = kms.Key.from_key_arn(self, "EksLogGroupKey", eks.log_group_kms_key_arn)
        return self._handler_log_group_key

    def _coverage_of(
        self, config: OnboardingConfig, options: FlowLogOptions, clusters: ClusterCoverageOptions
    ) -> EstateCoverage:
        """With all-vpcs, every VPC of the account and region except those tagged ``exclude_tag``; with
        ``clusters``, the tagged or all EKS clusters: kept covered as they come and go. One runner for both,
        so one schedule and one report (VPCs only with all-vpcs: listed ids keep their ``FlowLogs``). The
        owner is the config's stack name in every account (a StackSet names its stacks otherwise), so the
        report is ``/airs-onboarding/coverage/<stack_name>`` wherever it runs."""
        flow_logs = config.flow_logs
        tag = flow_logs.exclude_tag
        return options.coverage(
            self,
            "EstateCoverage",
            bucket=self._flow_log_bucket.bucket if flow_logs.all_vpcs else None,
            exclude_tag=(tag.key, tag.value) if tag is not None else None,
            sweep_interval=Duration.minutes(flow_logs.sweep_minutes),
            clusters=clusters,
            owner=config.stack_name,
            log_group_encryption_key=self._log_group_key(config.eks),
        )

    def _pod_access_of(self, bedrock: BedrockConfig) -> dict[tuple[str, str, str], PodBedrockAccess]:
        return {
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
            for pod in bedrock.pod_access
        }

    def _wizard_outputs(self) -> None:
        bucket = self._flow_log_bucket.bucket
        CfnOutput(
            self,
            "FlowLogBucketName",
            value=bucket.bucket_name,
            description=f"{WIZARD}S3 bucket name for VPC flow logs",
        )
        CfnOutput(
            self,
            "FlowLogBucketArn",
            value=bucket.bucket_arn,
            description=f"{WIZARD}S3 bucket ARN for VPC flow logs",
        )
        CfnOutput(
            self,
            "Region",
            value=self.region,
            description=f"{WIZARD}region of the AI models, the bucket and the flow logs",
        )

    def _coverage_output(self) -> None:
        if self._estate_coverage is not None:
            CfnOutput(
                self,
                "CoverageReport",
                value=self._estate_coverage.report_parameter_name,
                description=COVERAGE_REPORT,
            )

    def _place_flow_logs(self, options: FlowLogOptions, targets: AccountTargets) -> None:
        """In this stack while it stays within ``RESOURCE_BUDGET``; otherwise left to shard stacks,
        which the app adds beside this one from ``sharded_flow_logs`` (see ``flow_log_shards``)."""
        bucket = self._flow_log_bucket.bucket
        if self._flow_logs_fit(targets):
            self._flow_logs = options.flow_logs(
                self, "FlowLogs", bucket=bucket, subnet_ids=targets.subnet_ids, vpc_ids=targets.vpc_ids
            )
        else:
            self._sharded_flow_logs = ShardedFlowLogs(bucket, targets.subnet_ids, targets.vpc_ids, options)

    def _flow_logs_fit(self, targets: AccountTargets) -> bool:
        return resource_count(self) + len(targets.subnet_ids) + len(targets.vpc_ids) <= RESOURCE_BUDGET

    def _account_targets(self, config: OnboardingConfig) -> AccountTargets:
        """This account's ids, from the config. Called before anything is composed (a subclass may return
        none: ``MemberOnboardingStack``)."""
        return AccountTargets(
            subnet_ids=config.flow_logs.subnet_ids,
            vpc_ids=config.flow_logs.vpc_ids,
            clusters=[
                ClusterTarget(c.name, c.enable_public_endpoint) for c in (config.eks.clusters if config.eks else ())
            ],
            discovery_role_arn=config.eks.discovery_role_arn if config.eks else None,
        )

    def _identity_outputs(self) -> None:
        if self._discovery_role:
            CfnOutput(
                self,
                "DiscoveryRoleArn",
                value=self._discovery_role.role_arn,
                description=f"{ROLE}AIRS discovery (cross-account)",
            )
        if self._audit_trail:
            how = "created by this stack" if self._audit_trail.created else "reused, nothing created"
            CfnOutput(self, "BedrockAuditTrailArn", value=self._audit_trail.trail_arn, description=f"{AUDIT}{how}")
        if self._instance_role:
            CfnOutput(
                self,
                "Ec2BedrockRoleArn",
                value=self._instance_role.role_arn,
                description=f"{ROLE}EC2 instances invoking Bedrock",
            )
            CfnOutput(
                self,
                "Ec2BedrockInstanceProfileName",
                value=self._instance_role.instance_profile.instance_profile_name,
                description="Instance profile to attach to EC2 instances that invoke Bedrock",
            )
        for (cluster, namespace, service_account), access in self._pod_access.items():
            CfnOutput(
                self,
                "PodRole"
                + "".join(
                    part.title() for part in re.split(r"[^A-Za-z0-9]+", f"{cluster}-{namespace}-{service_account}")
                ),
                value=access.role_arn,
                description=f"{ROLE}pods of {cluster}/{namespace}/{service_account} invoking Bedrock"
                f" ({access.mode.value})",
            )

    def _audit_trail_of(self, trail: CloudTrailConfig) -> BedrockAuditTrail:
        if trail.existing_trail_arn is not None:
            return BedrockAuditTrail(self, "BedrockAuditTrail", existing_trail_arn=trail.existing_trail_arn)
        return BedrockAuditTrail(
            self,
            "BedrockAuditTrail",
            trail_name=trail.trail_name,
            bedrock_data_events=trail.bedrock_data_events,
            encryption_key=kms.Key.from_key_arn(self, "TrailKey", trail.kms_key_arn) if trail.kms_key_arn else None,
            retention=_days(trail.retention_days),
        )

    def _flow_log_bucket_of(self, bucket: BucketConfig) -> FlowLogBucket:
        if bucket.existing_name is not None:
            existing = s3.Bucket.from_bucket_name(self, "ExistingFlowLogBucket", bucket.existing_name)
            return FlowLogBucket(self, "FlowLogBucket", existing_bucket=existing)
        return FlowLogBucket(
            self,
            "FlowLogBucket",
            bucket_name=bucket.name,
            encryption_key=(
                kms.Key.from_key_arn(self, "FlowLogBucketKey", bucket.kms_key_arn) if bucket.kms_key_arn else None
            ),
            retention=_days(bucket.retention_days),
        )


def _days(days: int | None) -> Duration | None:
    return Duration.days(days) if days is not None else None
