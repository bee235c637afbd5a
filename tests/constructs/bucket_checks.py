"""Assertions every log bucket of ``secure_bucket`` must pass, shared by the constructs that make one."""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Match, Template


def assert_hardened_log_bucket(stack: Stack, bucket: s3.IBucket) -> None:
    """A new log bucket with the defaults: all four Block Public Access settings, owner-enforced,
    versioned, SSE-S3, named by CloudFormation, retained, and a policy that denies anything but
    TLS 1.2+ on the bucket and its objects."""
    template = Template.from_stack(stack)
    bucket_id = stack.resolve(stack.get_logical_id(bucket.node.default_child))
    resource = template.to_json()["Resources"][bucket_id]
    props = resource["Properties"]
    assert props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert props["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"] == [
        {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
    ]
    assert "BucketName" not in props
    assert (resource["DeletionPolicy"], resource["UpdateReplacePolicy"]) == ("Retain", "Retain")
    assert_denies_all_but_tls_1_2(template, bucket_id)


def assert_denies_all_but_tls_1_2(template: Template, bucket_id: str) -> None:
    """The policy of bucket ``bucket_id`` denies every S3 action, on the bucket and its objects,
    to requests without TLS and to requests with a TLS version below 1.2."""
    arn = {"Fn::GetAtt": [bucket_id, "Arn"]}
    objects = {"Fn::Join": ["", [arn, "/*"]]}
    deny = {"Action": "s3:*", "Effect": "Deny", "Principal": {"AWS": "*"}, "Resource": [arn, objects]}
    template.has_resource_properties(
        "AWS::S3::BucketPolicy",
        {
            "Bucket": {"Ref": bucket_id},
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        {**deny, "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
                        {**deny, "Condition": {"NumericLessThan": {"s3:TlsVersion": 1.2}}},
                    ]
                )
            },
        },
    )


def assert_access_logs_bucket(stack: Stack, *, logged: s3.IBucket, access_logs: s3.IBucket, prefix: str) -> None:
    """``logged`` writes its S3 server access logs under ``prefix`` to ``access_logs``, a second
    hardened bucket (SSE-S3, private, owner-enforced, retained, TLS 1.2+ only) that only S3 logging
    writes to, conditioned on ``logged`` as the source and this account."""
    template = Template.from_stack(stack)
    logged_id = stack.resolve(stack.get_logical_id(logged.node.default_child))
    access_logs_id = stack.resolve(stack.get_logical_id(access_logs.node.default_child))
    template.has_resource_properties(
        "AWS::S3::Bucket",
        {"LoggingConfiguration": {"DestinationBucketName": {"Ref": access_logs_id}, "LogFilePrefix": prefix}},
    )
    bucket = template.to_json()["Resources"][access_logs_id]
    assert bucket["Properties"]["BucketEncryption"]["ServerSideEncryptionConfiguration"] == [
        {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
    ]
    assert bucket["Properties"]["PublicAccessBlockConfiguration"]["BlockPublicPolicy"] is True
    assert bucket["Properties"]["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    assert bucket["DeletionPolicy"] == "Retain"
    assert_denies_all_but_tls_1_2(template, access_logs_id)
    # Granted by bucket policy (BucketOwnerEnforced forbids the log-delivery ACL), scoped to the source.
    template.has_resource_properties(
        "AWS::S3::BucketPolicy",
        {
            "Bucket": {"Ref": access_logs_id},
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Principal": {"Service": "logging.s3.amazonaws.com"},
                                "Condition": {
                                    "ArnLike": {"aws:SourceArn": {"Fn::GetAtt": [logged_id, "Arn"]}},
                                    "StringEquals": {"aws:SourceAccount": stack.account},
                                },
                            }
                        )
                    ]
                )
            },
        },
    )
