"""Our own policy rules hold on every scenario, and each rule catches what it is for."""

from __future__ import annotations

import pytest

from tests.gates import policy_rules
from tests.gates.scenarios import SCENARIOS
from tests.synth import Synthesized


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
@pytest.mark.parametrize("rule", policy_rules.RULES, ids=lambda rule: rule.__name__)
def test_rule_holds(synthesized: dict[str, Synthesized], scenario: str, rule) -> None:
    assert rule(synthesized[scenario].template) == []


def _bucket_policy(*statements: dict) -> dict:
    return {
        "Resources": {
            "Bucket": {
                "Type": "AWS::S3::Bucket",
                "DeletionPolicy": "Retain",
                "UpdateReplacePolicy": "Retain",
                "Properties": {},
            },
            "Policy": {
                "Type": "AWS::S3::BucketPolicy",
                "Properties": {"Bucket": {"Ref": "Bucket"}, "PolicyDocument": {"Statement": list(statements)}},
            },
        }
    }


ARN = {"Fn::GetAtt": ["Bucket", "Arn"]}
OBJECTS = {"Fn::Join": ["", [ARN, "/*"]]}
TLS_DENY = {
    "Effect": "Deny",
    "Principal": {"AWS": "*"},
    "Action": "s3:*",
    "Resource": [ARN, OBJECTS],
    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
}


def test_unscoped_service_grant_is_caught() -> None:
    template = _bucket_policy(
        {"Effect": "Allow", "Principal": {"Service": "delivery.logs.amazonaws.com"}, "Action": "s3:PutObject", "Resource": OBJECTS}
    )
    assert policy_rules.service_principal_grants_are_source_scoped(template) == [
        "Policy: Allow to delivery.logs.amazonaws.com has no aws:SourceAccount/aws:SourceArn"
    ]


def test_scoped_service_grant_passes() -> None:
    template = _bucket_policy(
        {
            "Effect": "Allow",
            "Principal": {"Service": "delivery.logs.amazonaws.com"},
            "Action": "s3:PutObject",
            "Resource": OBJECTS,
            "Condition": {"StringEquals": {"aws:SourceAccount": "111111111111"}},
        }
    )
    assert policy_rules.service_principal_grants_are_source_scoped(template) == []


@pytest.mark.parametrize(
    "deny",
    [
        {**TLS_DENY, "Resource": [ARN]},
        {**TLS_DENY, "Resource": [OBJECTS]},
        {**TLS_DENY, "Effect": "Allow"},
        {**TLS_DENY, "Condition": {}},
    ],
    ids=["bucket-only", "objects-only", "not-a-deny", "no-condition"],
)
def test_incomplete_tls_deny_is_caught(deny: dict) -> None:
    assert policy_rules.buckets_deny_insecure_transport(_bucket_policy(deny)) == [
        "Bucket: no TLS-only Deny covering the bucket and its objects"
    ]


def test_complete_tls_deny_passes() -> None:
    assert policy_rules.buckets_deny_insecure_transport(_bucket_policy(TLS_DENY)) == []


@pytest.mark.parametrize("action", ["*", "s3:*", ["s3:GetObject", "kms:*"]])
def test_wildcard_allow_is_caught(action) -> None:
    template = _bucket_policy({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:root"}, "Action": action, "Resource": ARN})
    assert len(policy_rules.no_wildcard_actions(template)) == 1


def test_wildcard_in_iam_inline_policy_and_not_action_are_caught() -> None:
    template = {
        "Resources": {
            "Role": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "Policies": [
                        {"PolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}},
                        {"PolicyDocument": {"Statement": [{"Effect": "Allow", "NotAction": "iam:PassRole", "Resource": "*"}]}},
                    ]
                },
            }
        }
    }
    assert policy_rules.no_wildcard_actions(template) == [
        "Role: Allow of '*'",
        "Role: Allow with NotAction grants everything else",
    ]


def test_wildcard_deny_is_fine() -> None:
    assert policy_rules.no_wildcard_actions(_bucket_policy(TLS_DENY)) == []


def test_public_or_unretained_bucket_is_caught() -> None:
    template = {"Resources": {"Bucket": {"Type": "AWS::S3::Bucket", "Properties": {}}}}
    assert policy_rules.buckets_are_private_and_retained(template) == [
        "Bucket: not all four Block Public Access settings are on",
        "Bucket: ACLs are not disabled (BucketOwnerEnforced)",
        "Bucket: no default encryption",
        "Bucket: versioning is off",
        "Bucket: would be deleted with the stack (DeletionPolicy/UpdateReplacePolicy not Retain)",
    ]
