"""DiscoveryRole: the reads its wildcards reach that return secrets or code are denied, each can be
given back on purpose, and the review covers every action the wildcards expand to."""

from __future__ import annotations

import re
from typing import Any

import pytest
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Match, Template

from onboarding_constructs.discovery_role import (
    ALWAYS_DENIED,
    DENIED_ACTIONS,
    DISCOVERY_STATEMENTS,
    SENSITIVE_READS,
    DiscoveryRole,
)
from tests.conftest import new_stack
from tests.constructs.props_errors import assert_refused, props_error
from tests.gates import iam_actions, policy_rules

VENDOR_ROLE = "arn:aws:iam::999999999999:role/airs-discovery"
KEY_ARN = "arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"
#: Names that suggest a secret; every action of the role's wildcards that matches is reviewed below.
SECRET_LIKE = re.compile(
    r"secret|password|credential|token|privatekey|console|userdata|launchtemplatedata|decrypt|getparameter|getobject"
    r"|sampleconfiguration|uefi|tpm|certificate|keypair|kmskey",
    re.IGNORECASE,
)
#: Reviewed and left allowed, with why.
REVIEWED_AND_KEPT = {
    "ec2:DescribeIpamExternalResourceVerificationTokens": "tokens made to be published in DNS or RDAP, not credentials",
    "ec2:DescribeKeyPairs": "key pair names and public keys; EC2 never keeps the private key",
    "ec2:GetAssociatedEnclaveCertificateIamRoles": "role ARNs and where the certificate is stored, no key material",
    "ec2:GetEbsDefaultKmsKeyId": "the id of a key, not the key",
    "ec2:GetInstanceTpmEkPub": "the public endorsement key of the instance's NitroTPM",
    "ec2:GetSerialConsoleAccessStatus": "an account setting (on or off), not the console",
    "elasticloadbalancing:DescribeListenerCertificates": "certificate ARNs; private keys stay in ACM or IAM",
    "lambda:ListFunctions": (
        "how discovery finds functions. It returns each function's configuration, environment variables included:"
        " documented, with the remedy (Secrets Manager, or a customer managed key this role cannot use)"
    ),
    "lambda:ListVersionsByFunction": (
        "the same configurations as ListFunctions (FunctionVersion=ALL); denying it hides nothing"
    ),
}


def discovery(stack, **props: Any) -> DiscoveryRole:
    return DiscoveryRole(
        stack, "Discovery", **{"trusted_principal_arn": VENDOR_ROLE, "external_id": "airs-ext-1", **props}
    )


def expanded_role_actions() -> set[str]:
    return {
        action
        for _, patterns in DISCOVERY_STATEMENTS
        for p in patterns
        for action in (iam_actions.expand(p) if "*" in p else [p])
    }


def test_every_sensitive_read_the_wildcards_reach_is_denied() -> None:
    stack = new_stack()
    discovery(
        stack,
        flow_log_bucket=s3.Bucket(stack, "FlowLogs"),
        flow_log_bucket_key=kms.Key.from_key_arn(stack, "Key", KEY_ARN),
    )
    assert policy_rules.sensitive_reads_are_denied(Template.from_stack(stack).to_json()) == []


def test_one_deny_statement_names_every_reviewed_read_on_every_resource() -> None:
    stack = new_stack()
    discovery(stack)
    deny = {
        "Sid": "DenySensitiveReads",
        "Effect": "Deny",
        "Action": sorted(policy_rules.SENSITIVE_READS),
        "Resource": "*",
    }
    Template.from_stack(stack).has_resource_properties(
        "AWS::IAM::ManagedPolicy", {"PolicyDocument": {"Statement": Match.array_with([deny])}}
    )


#: What each denied read returns, as the review found it (public: ``SENSITIVE_READS`` says it to the library's
#: users). Written out, so that a changed reason is a reviewed change.
WHAT_EACH_READ_EXPOSES = {
    "ec2:DescribeBundleTasks": "the S3 upload policy, its signature and access key id of Windows instance bundling",
    "ec2:DescribeConversionTasks": "presigned S3 URLs of VM import manifests and disk images",
    "ec2:DescribeInstanceAttribute": "instance user data (bootstrap scripts, often with credentials)",
    "ec2:DescribeLaunchTemplateVersions": "the user data of every launch template version",
    "ec2:DescribeSpotFleetRequests": "the user data in Spot Fleet launch specifications",
    "ec2:DescribeSpotInstanceRequests": "the user data in Spot request launch specifications",
    "ec2:DescribeVpnConnections": (
        "the pre-shared keys of Site-to-Site VPN tunnels (tunnel options, gateway configuration)"
    ),
    "ec2:GetConsoleOutput": "instance console output (boot logs, which print keys and what scripts echo)",
    "ec2:GetConsoleScreenshot": "a screenshot of the instance console",
    "ec2:GetInstanceUefiData": "the UEFI variable store the instance's operating system writes",
    "ec2:GetLaunchTemplateData": "a running instance's launch parameters, user data included",
    "ec2:GetPasswordData": "the encrypted Windows administrator password, checkov CKV_AWS_107",
    "ec2:GetVpnConnectionDeviceSampleConfiguration": "VPN device configuration with the tunnels' pre-shared keys",
    "lambda:GetFunction": "a download link for the function code, and its environment variables",
    "lambda:GetFunctionConfiguration": "the function's environment variables, where teams keep credentials",
    "lambda:GetLayerVersion": "a download link for the layer code (GetLayerVersionByArn too)",
}


def test_the_library_list_is_the_reviewed_list_and_says_what_each_read_exposes() -> None:
    assert DENIED_ACTIONS == tuple(sorted(SENSITIVE_READS)) == policy_rules.SENSITIVE_READS
    assert dict(SENSITIVE_READS) == WHAT_EACH_READ_EXPOSES
    assert ALWAYS_DENIED == ("ec2:GetPasswordData",)


def test_each_denied_action_exists_and_a_wildcard_of_the_role_reaches_it() -> None:
    reachable = expanded_role_actions()
    assert [a for a in DENIED_ACTIONS if a not in reachable] == []


def test_every_secret_like_action_of_the_wildcards_is_denied_or_reviewed() -> None:
    actions = expanded_role_actions()
    unreviewed = sorted(
        a for a in actions if SECRET_LIKE.search(a) and a not in SENSITIVE_READS and a not in REVIEWED_AND_KEPT
    )
    assert unreviewed == []
    assert [a for a in REVIEWED_AND_KEPT if a not in actions] == []
    assert not set(REVIEWED_AND_KEPT) & set(SENSITIVE_READS)


def test_a_sensitive_read_can_be_given_back_and_then_shows_as_allowed() -> None:
    stack = new_stack()
    role = discovery(stack, allow_sensitive_reads=["lambda:GetFunction", "ec2:DescribeVpnConnections"])
    assert role.denied_actions == tuple(
        a for a in DENIED_ACTIONS if a not in ("lambda:GetFunction", "ec2:DescribeVpnConnections")
    )
    deny = {"Sid": "DenySensitiveReads", "Effect": "Deny", "Action": list(role.denied_actions), "Resource": "*"}
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::IAM::ManagedPolicy", {"PolicyDocument": {"Statement": Match.array_with([deny])}}
    )
    assert policy_rules.sensitive_reads_are_denied(template.to_json()) == [
        f"{stack.resolve(stack.get_logical_id(role.policy.node.default_child))}: allows {action} without a Deny of it"
        for action in ("ec2:DescribeVpnConnections", "lambda:GetFunction")
    ]


def test_giving_back_every_read_still_denies_windows_passwords() -> None:
    stack = new_stack()
    role = discovery(stack, allow_sensitive_reads=[a for a in DENIED_ACTIONS if a not in ALWAYS_DENIED])
    assert role.denied_actions == ("ec2:GetPasswordData",)
    deny = {"Sid": "DenySensitiveReads", "Effect": "Deny", "Action": "ec2:GetPasswordData", "Resource": "*"}
    Template.from_stack(stack).has_resource_properties(
        "AWS::IAM::ManagedPolicy", {"PolicyDocument": {"Statement": Match.array_with([deny])}}
    )


@pytest.mark.parametrize(
    ("allow", "message"),
    [
        (
            ["ec2:GetPasswordData"],
            "allow_sensitive_reads[0]: 'ec2:GetPasswordData' is always denied: discovery never needs the encrypted"
            " Windows administrator password",
        ),
        (
            ["lambda:GetFunction", "s3:GetObject"],
            "allow_sensitive_reads[1]: 's3:GetObject' is not one of the denied sensitive reads (expected one of:"
            f" {', '.join(a for a in DENIED_ACTIONS if a not in ALWAYS_DENIED)}, spelled as listed)",
        ),
        (
            ["lambda:getfunction"],
            "allow_sensitive_reads[0]: 'lambda:getfunction' is not one of the denied sensitive reads (expected one of:"
            f" {', '.join(a for a in DENIED_ACTIONS if a not in ALWAYS_DENIED)}, spelled as listed)",
        ),
        (
            ["lambda:GetFunction", "lambda:GetFunction"],
            "allow_sensitive_reads: 'lambda:GetFunction' listed more than once",
        ),
        (
            "lambda:GetFunction",
            "allow_sensitive_reads: 'lambda:GetFunction' is one string (expected a list of actions)",
        ),
    ],
    ids=["always-denied", "not-reviewed", "wrong-case", "twice", "text"],
)
def test_allow_sensitive_reads_errors(allow: Any, message: str) -> None:
    assert_refused(lambda: discovery(new_stack(), allow_sensitive_reads=allow), "TestStack/Discovery", message)


def test_the_unknown_action_message_lists_only_what_can_be_given_back() -> None:
    [problem] = props_error(lambda: discovery(new_stack(), allow_sensitive_reads=["ec2:GetConsole*"])).problems
    listed = problem.split("expected one of: ", 1)[1].split(", spelled as listed")[0].split(", ")
    assert listed == [a for a in DENIED_ACTIONS if a not in ALWAYS_DENIED]
