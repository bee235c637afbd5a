"""``FlowLogBucket``: the S3 bucket AI Runtime Security reads VPC flow logs from."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from . import _log_delivery as log_delivery
from . import _secure_bucket as secure_bucket
from ._errors import PropsError
from ._existing_resource import existing_resource_problem
from ._signature import public_signature

#: Default lifetime of flow-log objects.
DEFAULT_RETENTION = Duration.days(365)
#: Prefix of the flow-log bucket's S3 server access logs inside the access-log bucket.
ACCESS_LOG_PREFIX = "flow-log-bucket/"


@public_signature
class FlowLogBucket(Construct):
    """A hardened S3 bucket for VPC flow logs, or an existing bucket used as it is.

    A new bucket has all four Block Public Access settings, ``BucketOwnerEnforced`` object
    ownership (ACLs disabled), a bucket policy that denies anything but TLS 1.2+ on the bucket and
    its objects, versioning, default encryption, S3 server access logs into a separate bucket,
    lifecycle expiry, and a bucket policy that lets ``delivery.logs.amazonaws.com`` write flow logs
    only for this account's log sources (``aws:SourceAccount`` and ``aws:SourceArn``).

    With ``existing_bucket`` the construct defines nothing and never writes that bucket's policy:
    the bucket's owner must already allow log delivery (docs/configuration.md, 'Existing bucket', shows the statements).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        existing_bucket: s3.IBucket | None = None,
        bucket_name: str | None = None,
        encryption_key: kms.IKey | None = None,
        retention: Duration | None = DEFAULT_RETENTION,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
        server_access_logs_bucket: s3.IBucket | None = None,
    ) -> None:
        """Define the hardened flow-log bucket (and its access-log bucket), or use ``existing_bucket``.

        :param scope: The construct this one is defined in.
        :param construct_id: Its id in ``scope``; part of the logical id of every resource it defines,
            so changing it replaces them.
        :param existing_bucket: Use this bucket instead of creating one. Default: a new bucket.
        :param bucket_name: Physical name of the new bucket. Default: a name CloudFormation generates.
        :param encryption_key: SSE-KMS key of the new bucket. A key defined in the same app gets a key
            policy statement for log delivery; an imported key's policy is the owner's to change, and
            synth warns about it. Default: SSE-S3 (S3-managed keys).
        :param retention: Objects expire after this; ``None`` keeps them forever. Default: 365 days.
        :param removal_policy: What happens to the new buckets when the stack is deleted.
            Default: ``RemovalPolicy.RETAIN`` (flow logs outlive the stack).
        :param server_access_logs_bucket: Where S3 server access logs of the new bucket go.
            Default: a new access-log bucket with the same hardening (SSE-S3, which S3 requires for
            access-log targets) and the same retention.
        """
        super().__init__(scope, construct_id)
        self.node.set_context(secure_bucket.ACCESS_LOGS_USE_BUCKET_POLICY, True)
        if existing_bucket is not None:
            given = {
                "bucket_name": bucket_name is not None,
                "encryption_key": encryption_key is not None,
                "retention": retention is not DEFAULT_RETENTION,
                "removal_policy": removal_policy != RemovalPolicy.RETAIN,
                "server_access_logs_bucket": server_access_logs_bucket is not None,
            }
            clashes = [prop for prop, is_given in given.items() if is_given]
            PropsError.raise_if_any(
                self.node.path, filter(None, [existing_resource_problem("existing_bucket", "bucket", clashes)])
            )
            self._bucket: s3.IBucket = existing_bucket
            self._access_logs_bucket: s3.IBucket | None = None
            self._encryption_key: kms.IKey | None = None
            return

        PropsError.raise_if_any(
            self.node.path, secure_bucket.bucket_props_problems(bucket_name=bucket_name, retention=retention)
        )
        if server_access_logs_bucket is None:
            server_access_logs_bucket = secure_bucket.access_logs_bucket(
                self, "AccessLogsBucket", retention=retention, removal_policy=removal_policy
            )
        self._access_logs_bucket = server_access_logs_bucket
        self._encryption_key = encryption_key
        bucket = secure_bucket.log_bucket(
            self,
            "Bucket",
            bucket_name=bucket_name,
            encryption_key=encryption_key,
            retention=retention,
            removal_policy=removal_policy,
            server_access_logs_bucket=server_access_logs_bucket,
            server_access_logs_prefix=ACCESS_LOG_PREFIX,
            sse_s3_reason="SSE-S3 is the default so log delivery works without a key policy; pass encryption_key"
            " (config: flow_logs.bucket.kms_key_arn) for SSE-KMS.",
        )
        for statement in log_delivery.bucket_statements(self, bucket):
            bucket.add_to_resource_policy(statement)
        if encryption_key is not None:
            self._allow_log_delivery_to_use(encryption_key)
        self._bucket = bucket

    @property
    def bucket(self) -> s3.IBucket:
        """The flow-log bucket: the new one, or ``existing_bucket``."""
        return self._bucket

    @property
    def access_logs_bucket(self) -> s3.IBucket | None:
        """Where the new bucket's S3 server access logs go; ``None`` for an existing bucket."""
        return self._access_logs_bucket

    @property
    def encryption_key(self) -> kms.IKey | None:
        """The SSE-KMS key of the new bucket; ``None`` with SSE-S3 or an existing bucket."""
        return self._encryption_key

    @property
    def created(self) -> bool:
        """True when this construct defines the bucket, False for ``existing_bucket``."""
        return self._access_logs_bucket is not None  # a new bucket always logs its access somewhere

    def _allow_log_delivery_to_use(self, key: kms.IKey) -> None:
        secure_bucket.allow_key_use(
            self,
            key,
            [log_delivery.key_statement(self)],
            warning_id="airs-onboarding:importedKmsKey",
            requirement=f"{log_delivery.LOG_DELIVERY_SERVICE} the actions {', '.join(log_delivery.KMS_ACTIONS)}"
            " for this"
            " account's log sources, or flow log delivery fails (the statement is in docs/configuration.md,"
            " 'SSE-KMS').",
        )


__all__ = ["DEFAULT_RETENTION", "FlowLogBucket"]
