"""Our own policy rules hold on every scenario, and each rule catches what it is for."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.gates import policy_rules
from tests.gates.scenarios import template_labels
from tests.synth import Synthesized


@pytest.mark.parametrize("label", template_labels())
@pytest.mark.parametrize("rule", policy_rules.RULES, ids=lambda rule: rule.__name__)
def test_rule_holds(gate_templates: dict[str, Path], label: str, rule) -> None:
    assert rule(json.loads(gate_templates[label].read_text())) == []


def test_permissions_boundary_is_on_every_role_of_the_boundary_scenario(synthesized: dict[str, Synthesized]) -> None:
    from tests.gates.scenarios import BOUNDARY

    template = synthesized["every-identity"].template
    roles = [r for r in template["Resources"].values() if r["Type"] == "AWS::IAM::Role"]
    assert len(roles) >= 5  # handler, discovery, EC2, two pod roles
    assert policy_rules.permissions_boundary_on_every_role(BOUNDARY)(template) == []
    names = [r["Properties"]["RoleName"] for r in roles]
    assert all(
        isinstance(n, str) and n.startswith("airs-") and n.endswith("-eu-central-1") and len(n) <= 64 for n in names
    ), names
    assert len(set(names)) == len(names)


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
        {
            "Effect": "Allow",
            "Principal": {"Service": "delivery.logs.amazonaws.com"},
            "Action": "s3:PutObject",
            "Resource": OBJECTS,
        }
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
    template = _bucket_policy(
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:root"}, "Action": action, "Resource": ARN}
    )
    assert len(policy_rules.no_wildcard_actions(template)) == 1


def test_wildcard_in_iam_inline_policy_and_not_action_are_caught() -> None:
    template = {
        "Resources": {
            "Role": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "Policies": [
                        {"PolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}},
                        {
                            "PolicyDocument": {
                                "Statement": [{"Effect": "Allow", "NotAction": "iam:PassRole", "Resource": "*"}]
                            }
                        },
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


def _role(statement: dict, **props) -> dict:
    return {
        "Resources": {
            "Role": {
                "Type": "AWS::IAM::Role",
                "Properties": {"AssumeRolePolicyDocument": {"Statement": [statement]}, **props},
            }
        }
    }


VENDOR = {"AWS": "arn:aws:iam::999999999999:role/discovery"}


def test_cross_account_trust_without_external_id_is_caught() -> None:
    template = _role({"Effect": "Allow", "Principal": VENDOR, "Action": "sts:AssumeRole"})
    assert policy_rules.cross_account_trust_requires_external_id(template) == [
        "Role: arn:aws:iam::999999999999:role/discovery may assume the role without sts:ExternalId"
    ]


def test_cross_account_trust_with_external_id_passes() -> None:
    template = _role(
        {
            "Effect": "Allow",
            "Principal": VENDOR,
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"sts:ExternalId": "x1"}},
        }
    )
    assert policy_rules.cross_account_trust_requires_external_id(template) == []


@pytest.mark.parametrize(
    ("statement", "count"),
    [
        ({"Effect": "Allow", "Action": "bedrock:*", "Resource": "arn:aws:bedrock:us-east-1::foundation-model/x"}, 1),
        (
            {
                "Effect": "Allow",
                "Action": "bedrock:Invoke*",
                "Resource": "arn:aws:bedrock:us-east-1::foundation-model/x",
            },
            1,
        ),
        ({"Effect": "Allow", "Action": ["bedrock:InvokeModel"], "Resource": "*"}, 1),
        (
            {
                "Effect": "Allow",
                "Action": ["bedrock:InvokeModel"],
                "Resource": "arn:aws:bedrock:us-east-1::foundation-model/x",
            },
            0,
        ),
        ({"Effect": "Allow", "Action": ["bedrock:ListCustomModels"], "Resource": "*"}, 0),
    ],
    ids=["bedrock-star", "invoke-star", "invoke-on-everything", "scoped", "list-needs-star"],
)
def test_bedrock_wildcards_are_caught(statement: dict, count: int) -> None:
    template = {
        "Resources": {
            "Policy": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"PolicyDocument": {"Statement": [statement]}}}
        }
    }
    assert len(policy_rules.no_bedrock_wildcards(template)) == count


POD_TRUST = {
    "Effect": "Allow",
    "Principal": {"Service": "pods.eks.amazonaws.com"},
    "Action": ["sts:AssumeRole", "sts:TagSession"],
    "Condition": {
        "StringEquals": {
            "aws:SourceAccount": "111111111111",
            "aws:RequestTag/kubernetes-namespace": "app1",
            "aws:RequestTag/kubernetes-service-account": "app1-sa",
        }
    },
}


def test_exact_pod_trust_passes() -> None:
    assert policy_rules.pod_identity_trust_is_exact(_role(POD_TRUST)) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"Action": "sts:AssumeRole"}, "pod trust actions are sts:AssumeRole"),
        (
            {"Condition": {"StringEquals": {"aws:SourceAccount": "111111111111"}}},
            "not conditioned on aws:RequestTag/kubernetes-namespace",
        ),
        ({"Condition": {}}, "not conditioned on aws:SourceAccount"),
    ],
    ids=["assume-only", "no-session-tags", "no-conditions"],
)
def test_loose_pod_trust_is_caught(change: dict, expected: str) -> None:
    violations = policy_rules.pod_identity_trust_is_exact(_role({**POD_TRUST, **change}))
    assert any(expected in v for v in violations), violations


def test_missing_permissions_boundary_is_caught() -> None:
    boundary = "arn:aws:iam::111111111111:policy/boundary"
    rule = policy_rules.permissions_boundary_on_every_role(boundary)
    assert rule(_role(POD_TRUST, PermissionsBoundary=boundary)) == []
    assert rule(_role(POD_TRUST)) == [f"Role: PermissionsBoundary is None, expected {boundary!r}"]


def _managed_policy(*statements: dict) -> dict:
    return {
        "Resources": {
            "Policy": {
                "Type": "AWS::IAM::ManagedPolicy",
                "Properties": {"PolicyDocument": {"Statement": list(statements)}},
            }
        }
    }


LAMBDA_READS = {"Effect": "Allow", "Action": ["lambda:Get*", "lambda:List*"], "Resource": "*"}
LAMBDA_DENY = {
    "Effect": "Deny",
    "Action": ["lambda:GetFunction", "lambda:GetFunctionConfiguration", "lambda:GetLayerVersion"],
    "Resource": "*",
}


def test_a_wildcard_reaching_sensitive_reads_without_a_deny_is_caught() -> None:
    assert policy_rules.sensitive_reads_are_denied(_managed_policy(LAMBDA_READS)) == [
        "Policy: allows lambda:GetFunction without a Deny of it",
        "Policy: allows lambda:GetFunctionConfiguration without a Deny of it",
        "Policy: allows lambda:GetLayerVersion without a Deny of it",
    ]


def test_a_named_sensitive_read_is_caught_too_and_case_does_not_hide_it() -> None:
    template = _managed_policy({"Effect": "Allow", "Action": "EC2:getConsoleOutput", "Resource": "*"})
    assert policy_rules.sensitive_reads_are_denied(template) == [
        "Policy: allows ec2:GetConsoleOutput without a Deny of it"
    ]


@pytest.mark.parametrize(
    ("deny", "left"),
    [
        (LAMBDA_DENY, []),
        ({**LAMBDA_DENY, "Action": "lambda:Get*"}, []),
        (
            {**LAMBDA_DENY, "Action": ["lambda:GetFunction"]},
            ["lambda:GetFunctionConfiguration", "lambda:GetLayerVersion"],
        ),
        (
            {**LAMBDA_DENY, "Condition": {"Bool": {"aws:ViaAWSService": "false"}}},
            ["lambda:GetFunction", "lambda:GetFunctionConfiguration", "lambda:GetLayerVersion"],
        ),
        (
            {**LAMBDA_DENY, "Resource": "arn:aws:lambda:us-east-1:111111111111:function:one"},
            ["lambda:GetFunction", "lambda:GetFunctionConfiguration", "lambda:GetLayerVersion"],
        ),
    ],
    ids=["each-action", "wildcard-deny", "partial", "conditional-deny", "deny-on-one-function"],
)
def test_only_an_unconditional_deny_on_every_resource_counts(deny: dict, left: list[str]) -> None:
    violations = policy_rules.sensitive_reads_are_denied(_managed_policy(LAMBDA_READS, deny))
    assert violations == [f"Policy: allows {action} without a Deny of it" for action in left]


def test_the_sensitive_reads_rule_needs_a_pinned_service() -> None:
    with pytest.raises(KeyError, match=r"service 'dynamodb' is not in iam_actions\.json"):
        policy_rules.sensitive_reads_are_denied(
            _managed_policy({"Effect": "Allow", "Action": "dynamodb:Get*", "Resource": "*"})
        )
