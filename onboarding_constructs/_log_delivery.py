"""Permissions for AWS log delivery (``delivery.logs.amazonaws.com``), the service that writes VPC
flow logs to S3, scoped to this account's log sources (confused-deputy protection).

Source: Amazon CloudWatch Logs User Guide, "Enabling logging from AWS services" > "Logs sent to
Amazon S3" (bucket policy and, for SSE-KMS, key policy). The bucket statements are the ones the
CDK's own ``FlowLogDestination.to_s3`` writes, so CloudFormation sees one copy of each.
"""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import IConstruct

LOG_DELIVERY_SERVICE = "delivery.logs.amazonaws.com"

#: What log delivery needs on an SSE-KMS key to write encrypted objects.
KMS_ACTIONS = ("kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey")


def source_conditions(scope: IConstruct) -> dict[str, dict[str, str]]:
    """Only log sources of this stack's account and region may use the grant."""
    stack = Stack.of(scope)
    return {
        "StringEquals": {"aws:SourceAccount": stack.account},
        "ArnLike": {"aws:SourceArn": stack.format_arn(service="logs", resource="*")},
    }


def bucket_statements(scope: IConstruct, bucket: s3.IBucket) -> list[iam.PolicyStatement]:
    """Write access under ``AWSLogs/<account>/`` plus the bucket ACL check delivery performs."""
    conditions = source_conditions(scope)
    account = Stack.of(scope).account
    principal = iam.ServicePrincipal(LOG_DELIVERY_SERVICE)
    put_conditions = {
        "StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", **conditions["StringEquals"]},
        "ArnLike": conditions["ArnLike"],
    }
    return [
        iam.PolicyStatement(
            principals=[principal],
            actions=["s3:PutObject"],
            resources=[bucket.arn_for_objects(f"AWSLogs/{account}/*")],
            conditions=put_conditions,
        ),
        iam.PolicyStatement(
            principals=[principal],
            actions=["s3:GetBucketAcl", "s3:ListBucket"],
            resources=[bucket.bucket_arn],
            conditions=conditions,
        ),
    ]


def key_statement(scope: IConstruct) -> iam.PolicyStatement:
    """Key-policy statement that lets log delivery encrypt objects with an SSE-KMS key."""
    return iam.PolicyStatement(
        sid="AllowVpcFlowLogDeliveryToUseTheKey",
        principals=[iam.ServicePrincipal(LOG_DELIVERY_SERVICE)],
        actions=list(KMS_ACTIONS),
        resources=["*"],
        conditions=source_conditions(scope),
    )
