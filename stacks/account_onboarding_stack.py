"""``AccountOnboardingStack``: every onboarding prerequisite of one account and region."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Duration, Stack
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from onboarding_app.config import BucketConfig, OnboardingConfig
from onboarding_constructs import (
    EksDiscoveryAccess,
    FlowLogAggregationInterval,
    FlowLogBucket,
    FlowLogFileFormat,
    FlowLogs,
)

DESCRIPTION = "Prisma AIRS (AI Runtime Security) discovery prerequisites: flow logs to S3, EKS discovery access"


class AccountOnboardingStack(Stack):
    """Composes the prerequisite constructs from a validated config; defines no resource itself.

    Outputs carry the values the AIRS onboarding wizard asks for (bucket name and ARN, region).
    """

    def __init__(self, scope: Construct, construct_id: str, *, config: OnboardingConfig, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, description=DESCRIPTION, **kwargs)
        flow_logs_config = config.flow_logs

        flow_log_bucket = FlowLogBucket(self, "FlowLogBucket", **self._bucket_props(flow_logs_config.bucket))
        self.flow_log_bucket = flow_log_bucket
        self.flow_logs = FlowLogs(
            self,
            "FlowLogs",
            bucket=flow_log_bucket.bucket,
            subnet_ids=flow_logs_config.subnet_ids,
            vpc_ids=flow_logs_config.vpc_ids,
            hourly_partitions=flow_logs_config.hourly_partitions,
            file_format=FlowLogFileFormat(flow_logs_config.file_format),
            max_aggregation_interval=FlowLogAggregationInterval(flow_logs_config.max_aggregation_seconds),
            include_ecs_fields=flow_logs_config.include_ecs_fields,
        )

        eks = config.eks
        self.eks_access = {
            cluster.name: EksDiscoveryAccess(
                self,
                f"Eks-{cluster.name}",
                cluster_name=cluster.name,
                principal_arn=eks.discovery_role_arn,
                allowed_cidrs=eks.allowed_cidrs,
                enable_public_endpoint=cluster.enable_public_endpoint,
            )
            for cluster in (eks.clusters if eks else ())
        }

        CfnOutput(
            self,
            "FlowLogBucketName",
            value=flow_log_bucket.bucket.bucket_name,
            description="Onboarding wizard: S3 bucket name for VPC flow logs",
        )
        CfnOutput(
            self,
            "FlowLogBucketArn",
            value=flow_log_bucket.bucket.bucket_arn,
            description="Onboarding wizard: S3 bucket ARN for VPC flow logs",
        )
        CfnOutput(
            self,
            "Region",
            value=self.region,
            description="Onboarding wizard: region of the AI models, the bucket and the flow logs",
        )

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
