"""FlowLogBucket: defaults, every prop, every error message."""

from __future__ import annotations

import pytest
from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Annotations, Match, Template

from onboarding_constructs import DEFAULT_RETENTION, FlowLogBucket
from tests.conftest import new_stack
from tests.constructs.bucket_checks import assert_access_logs_bucket, assert_hardened_log_bucket
from tests.constructs.props_errors import assert_refused, props_error

#: Log sources of account 111111111111 in us-east-1, partition-aware.
LOGS_SOURCE_ARN = {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":logs:us-east-1:111111111111:*"]]}
KEY_ARN = "arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"
#: The service that writes VPC flow logs to S3, and what it needs on an SSE-KMS key (CloudWatch Logs
#: User Guide, "Logs sent to Amazon S3"): written out here, not imported, so a change to the code
#: cannot change what the test expects.
LOG_DELIVERY_SERVICE = "delivery.logs.amazonaws.com"
LOG_DELIVERY_KMS_ACTIONS = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"]


def bucket_of(stack: Stack, construct: FlowLogBucket) -> str:
    return stack.get_logical_id(construct.bucket.node.default_child)


def test_default_bucket_is_hardened() -> None:
    stack = new_stack()
    construct = FlowLogBucket(stack, "Logs")
    assert_hardened_log_bucket(stack, construct.bucket)
    assert construct.created is True
    assert construct.encryption_key is None


def test_default_lifecycle_expires_after_365_days_and_cleans_up() -> None:
    stack = new_stack()
    construct = FlowLogBucket(stack, "Logs")
    rules = Template.from_stack(stack).to_json()["Resources"][bucket_of(stack, construct)]["Properties"][
        "LifecycleConfiguration"
    ]["Rules"]
    by_id = {rule["Id"]: rule for rule in rules}
    assert by_id["ExpireObjects"]["ExpirationInDays"] == 365
    assert by_id["ExpireNoncurrentVersions"]["NoncurrentVersionExpiration"] == {"NoncurrentDays": 30}
    assert by_id["AbortIncompleteUploads"]["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 7}
    assert by_id["RemoveExpiredDeleteMarkers"]["ExpiredObjectDeleteMarker"] is True
    assert all(rule["Status"] == "Enabled" for rule in rules)


def test_exported_default_retention_is_365_days() -> None:
    assert DEFAULT_RETENTION.to_days() == 365


def test_retention_none_keeps_objects() -> None:
    stack = new_stack()
    construct = FlowLogBucket(stack, "Logs", retention=None)
    rules = Template.from_stack(stack).to_json()["Resources"][bucket_of(stack, construct)]["Properties"][
        "LifecycleConfiguration"
    ]["Rules"]
    assert not any("ExpirationInDays" in rule for rule in rules)
    assert not any(rule.get("ExpiredObjectDeleteMarker") for rule in rules)


def test_retention_is_configurable() -> None:
    stack = new_stack()
    FlowLogBucket(stack, "Logs", retention=Duration.days(90))
    Template.from_stack(stack).has_resource_properties(
        "AWS::S3::Bucket",
        {"LifecycleConfiguration": {"Rules": Match.array_with([Match.object_like({"ExpirationInDays": 90})])}},
    )


def test_log_delivery_statements_are_scoped_to_this_account_and_region() -> None:
    stack = new_stack(region="eu-west-1", account="222222222222")
    construct = FlowLogBucket(stack, "Logs")
    logical_id = bucket_of(stack, construct)
    arn = {"Fn::GetAtt": [logical_id, "Arn"]}
    source_arn = {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":logs:eu-west-1:222222222222:*"]]}
    Template.from_stack(stack).has_resource_properties(
        "AWS::S3::BucketPolicy",
        {
            "Bucket": {"Ref": logical_id},
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        {
                            "Action": "s3:PutObject",
                            "Effect": "Allow",
                            "Principal": {"Service": LOG_DELIVERY_SERVICE},
                            "Resource": {"Fn::Join": ["", [arn, "/AWSLogs/222222222222/*"]]},
                            "Condition": {
                                "StringEquals": {
                                    "s3:x-amz-acl": "bucket-owner-full-control",
                                    "aws:SourceAccount": "222222222222",
                                },
                                "ArnLike": {"aws:SourceArn": source_arn},
                            },
                        },
                        {
                            "Action": ["s3:GetBucketAcl", "s3:ListBucket"],
                            "Effect": "Allow",
                            "Principal": {"Service": LOG_DELIVERY_SERVICE},
                            "Resource": arn,
                            "Condition": {
                                "StringEquals": {"aws:SourceAccount": "222222222222"},
                                "ArnLike": {"aws:SourceArn": source_arn},
                            },
                        },
                    ]
                )
            },
        },
    )


def test_server_access_logs_go_to_a_separate_hardened_bucket() -> None:
    stack = new_stack()
    construct = FlowLogBucket(stack, "Logs")
    assert construct.access_logs_bucket is not None
    assert_access_logs_bucket(
        stack, logged=construct.bucket, access_logs=construct.access_logs_bucket, prefix="flow-log-bucket/"
    )


def test_given_access_logs_bucket_is_used_and_none_is_created() -> None:
    stack = new_stack()
    target = s3.Bucket.from_bucket_name(stack, "Target", "central-access-logs")
    construct = FlowLogBucket(stack, "Logs", server_access_logs_bucket=target)
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::S3::Bucket", 1)
    template.has_resource_properties(
        "AWS::S3::Bucket", {"LoggingConfiguration": {"DestinationBucketName": "central-access-logs"}}
    )
    assert construct.access_logs_bucket is target


def test_bucket_name_is_used() -> None:
    stack = new_stack()
    FlowLogBucket(stack, "Logs", bucket_name="acme-airs-flow-logs")
    Template.from_stack(stack).has_resource_properties("AWS::S3::Bucket", {"BucketName": "acme-airs-flow-logs"})


def test_removal_policy_destroy_is_applied_to_both_buckets() -> None:
    stack = new_stack()
    FlowLogBucket(stack, "Logs", removal_policy=RemovalPolicy.DESTROY)
    buckets = Template.from_stack(stack).find_resources("AWS::S3::Bucket")
    assert len(buckets) == 2
    assert {b["DeletionPolicy"] for b in buckets.values()} == {"Delete"}


def test_kms_key_in_the_app_gets_a_scoped_key_policy_statement() -> None:
    stack = new_stack()
    key = kms.Key(stack, "Key", enable_key_rotation=True)
    construct = FlowLogBucket(stack, "Logs", encryption_key=key)
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "BucketEncryption": {
                "ServerSideEncryptionConfiguration": [
                    {
                        "BucketKeyEnabled": True,
                        "ServerSideEncryptionByDefault": {
                            "SSEAlgorithm": "aws:kms",
                            "KMSMasterKeyID": {"Fn::GetAtt": [stack.get_logical_id(key.node.default_child), "Arn"]},
                        },
                    }
                ]
            }
        },
    )
    template.has_resource_properties(
        "AWS::KMS::Key",
        {
            "KeyPolicy": {
                "Statement": Match.array_with(
                    [
                        {
                            "Sid": "AllowVpcFlowLogDeliveryToUseTheKey",
                            "Effect": "Allow",
                            "Principal": {"Service": LOG_DELIVERY_SERVICE},
                            "Action": LOG_DELIVERY_KMS_ACTIONS,
                            "Resource": "*",
                            "Condition": {
                                "StringEquals": {"aws:SourceAccount": "111111111111"},
                                "ArnLike": {"aws:SourceArn": LOGS_SOURCE_ARN},
                            },
                        }
                    ]
                )
            }
        },
    )
    assert construct.encryption_key is key
    assert not Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp("key policy"))


def test_imported_kms_key_policy_is_not_touched_and_synth_warns() -> None:
    stack = new_stack()
    key = kms.Key.from_key_arn(stack, "Key", KEY_ARN)
    FlowLogBucket(stack, "Logs", encryption_key=key)
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::KMS::Key", 0)
    template.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "BucketEncryption": {
                "ServerSideEncryptionConfiguration": [
                    {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": KEY_ARN}}
                ]
            }
        },
    )
    warnings = Annotations.from_stack(stack).find_warning("/TestStack/Logs", Match.string_like_regexp(".*"))
    assert len(warnings) == 1
    message = warnings[0].entry.data
    assert KEY_ARN in message and LOG_DELIVERY_SERVICE in message and "kms:GenerateDataKey*" in message


def test_existing_bucket_defines_nothing_and_writes_no_policy() -> None:
    stack = new_stack()
    existing = s3.Bucket.from_bucket_name(stack, "Existing", "customer-owned-logs")
    construct = FlowLogBucket(stack, "Logs", existing_bucket=existing)
    template = Template.from_stack(stack)
    assert template.to_json().get("Resources", {}) == {}
    assert construct.bucket is existing
    assert construct.created is False
    assert construct.access_logs_bucket is None
    assert construct.encryption_key is None


@pytest.mark.parametrize(
    ("props", "named"),
    [
        ({"bucket_name": "my-new-bucket"}, "bucket_name"),
        ({"retention": Duration.days(30)}, "retention"),
        ({"retention": None}, "retention"),
        ({"removal_policy": RemovalPolicy.DESTROY}, "removal_policy"),
    ],
    ids=["bucket_name", "retention", "retention-none", "removal_policy"],
)
def test_existing_bucket_with_new_bucket_props_is_refused(props: dict, named: str) -> None:
    stack = new_stack()
    existing = s3.Bucket.from_bucket_name(stack, "Existing", "customer-owned-logs")
    assert_refused(
        lambda: FlowLogBucket(stack, "Logs", existing_bucket=existing, **props),
        "TestStack/Logs",
        f"existing_bucket cannot be combined with {named}: those shape a new bucket, and an existing bucket is used"
        " exactly as it is (its policy, encryption and lifecycle are never changed)."
        f" Remove {named}, or remove existing_bucket to create a bucket.",
    )


def test_existing_bucket_refusal_names_every_clashing_prop() -> None:
    stack = new_stack()
    existing = s3.Bucket.from_bucket_name(stack, "Existing", "customer-owned-logs")
    key = kms.Key.from_key_arn(stack, "Key", KEY_ARN)
    access = s3.Bucket.from_bucket_name(stack, "Access", "access-logs")
    error = props_error(
        lambda: FlowLogBucket(
            stack, "Logs", existing_bucket=existing, encryption_key=key, server_access_logs_bucket=access
        )
    )
    [problem] = error.problems
    assert problem.startswith("existing_bucket cannot be combined with encryption_key, server_access_logs_bucket: ")
    assert problem.endswith(
        "Remove encryption_key, server_access_logs_bucket, or remove existing_bucket to create a bucket."
    )


_NAME_RULE = "expected 3 to 63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit"


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("Upper-Case", _NAME_RULE),
        ("ab", _NAME_RULE),
        ("a" * 64, _NAME_RULE),
        ("logs..bucket", "a dot may not be next to another dot or a hyphen"),
        ("192.168.10.12", "it may not look like an IP address"),
        ("xn--logs", "the prefix 'xn--' is reserved by S3"),
        ("logs-s3alias", "the suffix '-s3alias' is reserved by S3"),
    ],
)
def test_invalid_bucket_name_is_refused_with_the_rule(name: str, reason: str) -> None:
    assert_refused(
        lambda: FlowLogBucket(new_stack(), "Logs", bucket_name=name),
        "TestStack/Logs",
        f"bucket_name: {name!r} is not a valid S3 bucket name ({reason})",
    )


@pytest.mark.parametrize(
    ("hours", "shown"), [(12, "12 hours"), (36, "1 day 12 hours")], ids=["under-a-day", "not-whole-days"]
)
def test_retention_must_be_whole_days(hours: int, shown: str) -> None:
    assert_refused(
        lambda: FlowLogBucket(new_stack(), "Logs", retention=Duration.hours(hours)),
        "TestStack/Logs",
        f"retention: {shown} is not a whole number of days of at least 1 (S3 lifecycle rules count in days)",
    )


def test_a_bad_name_and_retention_are_both_reported() -> None:
    error = props_error(lambda: FlowLogBucket(new_stack(), "Logs", bucket_name="ab", retention=Duration.hours(1)))
    assert [problem.split(":")[0] for problem in error.problems] == ["bucket_name", "retention"]


def test_construct_ids_are_stable() -> None:
    """Renaming these ids replaces the buckets: the logical ids must not drift."""
    stack = new_stack()
    construct = FlowLogBucket(stack, "Logs")
    assert construct.bucket.node.path == "TestStack/Logs/Bucket"
    assert construct.access_logs_bucket is not None
    assert construct.access_logs_bucket.node.path == "TestStack/Logs/AccessLogsBucket"
