"""Hardened S3 buckets for log data, shared by the constructs that create one.

A log bucket: all four Block Public Access settings, ACLs disabled (BucketOwnerEnforced), TLS 1.2+
only on the bucket and its objects, versioning, default encryption (SSE-S3 or SSE-KMS with an S3
Bucket Key), S3 server access logs into a separate bucket, and lifecycle expiry. The access-log
bucket gets the same hardening with SSE-S3, the only encryption S3 server access logging supports.
"""

from __future__ import annotations

from aws_cdk import Annotations, Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from ._identifiers import bucket_name_problem
from ._props import at
from ._suppressions import acknowledge_nag, skip_checkov

#: How long a version stays recoverable after it was expired or overwritten (versioning is on).
NONCURRENT_VERSION_RETENTION = Duration.days(30)
#: Incomplete multipart uploads are cleaned up after this.
INCOMPLETE_UPLOAD_RETENTION = Duration.days(7)
#: Feature flag: grant S3 server access logging through a bucket policy instead of the legacy
#: LogDeliveryWrite ACL, which BucketOwnerEnforced forbids. Set on the owning construct so it works
#: in any app, whatever its cdk.json says.
ACCESS_LOGS_USE_BUCKET_POLICY = "@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy"


def bucket_props_problems(*, bucket_name: str | None, retention: Duration | None) -> list[str]:
    """The props ``bucket_name`` and ``retention`` that S3 would refuse, each with the prop's name."""
    problems = at("bucket_name", [bucket_name_problem(bucket_name)]) if bucket_name is not None else []
    if retention is not None and not retention.is_unresolved():
        hours = retention.to_hours(integral=False)
        if hours < 24 or hours % 24:
            problems.append(
                f"retention: {retention.to_human_string()} is not a whole number of days"
                " of at least 1 (S3 lifecycle rules count in days)"
            )
    return problems


def log_bucket(
    scope: Construct,
    construct_id: str,
    *,
    bucket_name: str | None,
    encryption_key: kms.IKey | None,
    retention: Duration | None,
    removal_policy: RemovalPolicy,
    server_access_logs_bucket: s3.IBucket,
    server_access_logs_prefix: str,
    sse_s3_reason: str,
) -> s3.Bucket:
    """A hardened log bucket; ``sse_s3_reason`` says why SSE-S3 is acceptable when no key is given."""
    bucket = s3.Bucket(
        scope,
        construct_id,
        bucket_name=bucket_name,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        enforce_ssl=True,
        minimum_tls_version=1.2,
        versioned=True,
        encryption=s3.BucketEncryption.KMS if encryption_key else s3.BucketEncryption.S3_MANAGED,
        encryption_key=encryption_key,
        # An S3 Bucket Key cuts the KMS requests of high-volume log writes by orders of magnitude.
        bucket_key_enabled=True if encryption_key else None,
        server_access_logs_bucket=server_access_logs_bucket,
        server_access_logs_prefix=server_access_logs_prefix,
        lifecycle_rules=lifecycle_rules(retention),
        removal_policy=removal_policy,
    )
    if encryption_key is None:
        acknowledge_nag(bucket, "NIST.800.53.R5-S3DefaultEncryptionKMS", sse_s3_reason)
    _acknowledge_no_replication(bucket)
    return bucket


def access_logs_bucket(
    scope: Construct, construct_id: str, *, retention: Duration | None, removal_policy: RemovalPolicy
) -> s3.Bucket:
    """The bucket S3 server access logs go to, hardened the same way."""
    bucket = s3.Bucket(
        scope,
        construct_id,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        enforce_ssl=True,
        minimum_tls_version=1.2,
        versioned=True,
        # S3 server access logging delivers only to SSE-S3 buckets.
        encryption=s3.BucketEncryption.S3_MANAGED,
        lifecycle_rules=lifecycle_rules(retention),
        removal_policy=removal_policy,
    )
    reason = (
        "This bucket receives S3 server access logs; logging it again would need a third bucket, and into itself"
        " would loop."
    )
    acknowledge_nag(bucket, "AwsSolutions-S1", reason)
    acknowledge_nag(bucket, "NIST.800.53.R5-S3BucketLoggingEnabled", reason)
    skip_checkov(bucket, "CKV_AWS_18", reason)
    acknowledge_nag(
        bucket,
        "NIST.800.53.R5-S3DefaultEncryptionKMS",
        "S3 server access logging only delivers to buckets whose default encryption is SSE-S3.",
    )
    _acknowledge_no_replication(bucket)
    return bucket


def allow_key_use(
    scope: Construct, key: kms.IKey, statements: list[iam.PolicyStatement], *, warning_id: str, requirement: str
) -> None:
    """Add ``statements`` to the key policy of a key defined in this app. An imported key's policy
    is not managed here: warn that it ``must allow {requirement}``."""
    added = [key.add_to_resource_policy(statement, allow_no_op=True).statement_added for statement in statements]
    if not all(added):
        Annotations.of(scope).add_warning_v2(
            warning_id, f"The key policy of {key.key_arn} is not managed here: it must allow {requirement}"
        )


def lifecycle_rules(retention: Duration | None) -> list[s3.LifecycleRule]:
    rules = [
        s3.LifecycleRule(
            id="AbortIncompleteUploads", abort_incomplete_multipart_upload_after=INCOMPLETE_UPLOAD_RETENTION
        ),
        s3.LifecycleRule(id="ExpireNoncurrentVersions", noncurrent_version_expiration=NONCURRENT_VERSION_RETENTION),
    ]
    if retention is not None:
        rules.append(s3.LifecycleRule(id="ExpireObjects", expiration=retention))
        # S3 refuses ExpiredObjectDeleteMarker in a rule that also expires by age.
        rules.append(s3.LifecycleRule(id="RemoveExpiredDeleteMarkers", expired_object_delete_marker=True))
    return rules


def _acknowledge_no_replication(bucket: s3.Bucket) -> None:
    acknowledge_nag(
        bucket,
        "NIST.800.53.R5-S3BucketReplicationEnabled",
        "Logs are read in the region they are written; cross-region replication would double storage"
        " cost for no reader. Add a replication rule to the bucket if your backup policy requires one.",
    )
