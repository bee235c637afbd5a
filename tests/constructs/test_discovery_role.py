"""DiscoveryRole: exact trust and permissions, the flow-log bucket and key, gate acknowledgments, every error."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, CfnParameter, Environment, Stack
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Template

from onboarding_app.assembly import add_compliance_checks
from onboarding_constructs import FlowLogBucket
from onboarding_constructs.discovery_role import DENIED_ACTIONS, DiscoveryRole
from tests.conftest import new_stack
from tests.constructs.props_errors import assert_refused, props_error
from tests.gates import policy_rules
from tests.synth import cdk_json_context

VENDOR_ROLE = "arn:aws:iam::999999999999:role/airs-discovery"
VENDOR_ROOT = "arn:aws:iam::999999999999:root"
EXTERNAL_ID = "airs-7f3a9c21-tenant-42"
KEY_ARN = "arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"
ALL_RESOURCES_STATEMENTS = [
    {"Sid": "DescribeLoadBalancers", "Effect": "Allow", "Action": ["elasticloadbalancing:Describe*"], "Resource": "*"},
    {
        "Sid": "DescribeNetworkFirewalls",
        "Effect": "Allow",
        "Action": ["network-firewall:Describe*", "network-firewall:List*"],
        "Resource": "*",
    },
    {"Sid": "DescribeEc2", "Effect": "Allow", "Action": ["ec2:Describe*", "ec2:Get*", "ec2:List*"], "Resource": "*"},
    {"Sid": "ReadLambdaFunctions", "Effect": "Allow", "Action": ["lambda:Get*", "lambda:List*"], "Resource": "*"},
    {
        "Sid": "DescribeEksClusters",
        "Effect": "Allow",
        "Action": ["eks:AccessKubernetesApi", "eks:DescribeCluster", "eks:ListClusters"],
        "Resource": "*",
    },
    {"Sid": "ListBedrockCustomModels", "Effect": "Allow", "Action": ["bedrock:ListCustomModels"], "Resource": "*"},
    {"Sid": "DenySensitiveReads", "Effect": "Deny", "Action": sorted(policy_rules.SENSITIVE_READS), "Resource": "*"},
]
WILDCARD_ACTIONS = [
    "elasticloadbalancing:Describe*",
    "network-firewall:Describe*",
    "network-firewall:List*",
    "ec2:Describe*",
    "ec2:Get*",
    "ec2:List*",
    "lambda:Get*",
    "lambda:List*",
]


def discovery(stack: Stack, construct_id: str = "Discovery", **props: Any) -> DiscoveryRole:
    return DiscoveryRole(
        stack, construct_id, **{"trusted_principal_arn": VENDOR_ROLE, "external_id": EXTERNAL_ID, **props}
    )


def logical_id(stack: Stack, construct) -> str:
    target = construct.node.default_child if not hasattr(construct, "cfn_options") else construct
    return stack.resolve(stack.get_logical_id(target))


def role_props(stack: Stack, construct: DiscoveryRole) -> dict[str, Any]:
    return Template.from_stack(stack).to_json()["Resources"][logical_id(stack, construct.role)]["Properties"]


def statements(stack: Stack, construct: DiscoveryRole) -> list[dict[str, Any]]:
    """The managed policy's statements, each Action as a sorted list (the CDK renders one action as a string)."""
    policy = Template.from_stack(stack).to_json()["Resources"][logical_id(stack, construct.policy)]
    result = []
    for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        result.append({**statement, "Action": sorted(actions)})
    return result


def acknowledged(construct: DiscoveryRole) -> dict[str, str]:
    return {
        key: reason
        for entry in construct.policy.node.default_child.node.metadata
        if entry.type == "aws:cdk:acknowledged-rules"
        for key, reason in entry.data.items()
    }


def test_trust_is_the_vendor_principal_with_the_external_id_and_nothing_else() -> None:
    stack = new_stack()
    construct = discovery(stack)
    assert role_props(stack, construct)["AssumeRolePolicyDocument"] == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Action": "sts:AssumeRole",
                "Effect": "Allow",
                "Principal": {"AWS": VENDOR_ROLE},
                "Condition": {"StringEquals": {"sts:ExternalId": EXTERNAL_ID}},
            }
        ],
    }


def test_an_account_root_may_be_trusted_and_still_needs_the_external_id() -> None:
    stack = new_stack()
    construct = discovery(stack, trusted_principal_arn=VENDOR_ROOT, external_id="ab")
    [statement] = role_props(stack, construct)["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Principal"] == {"AWS": VENDOR_ROOT}
    assert statement["Condition"] == {"StringEquals": {"sts:ExternalId": "ab"}}


def test_defaults_one_hour_sessions_generated_name_managed_policy_only() -> None:
    stack = new_stack()
    construct = discovery(stack)
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::IAM::Role", 1)
    template.resource_count_is("AWS::IAM::ManagedPolicy", 1)
    template.resource_count_is("AWS::IAM::Policy", 0)
    props = role_props(stack, construct)
    assert props["MaxSessionDuration"] == 3600  # one hour, the published role's session length
    assert "RoleName" not in props
    assert "Policies" not in props and "ManagedPolicyArns" not in props and "PermissionsBoundary" not in props
    policy = template.to_json()["Resources"][logical_id(stack, construct.policy)]["Properties"]
    assert policy["Roles"] == [{"Ref": logical_id(stack, construct.role)}]
    assert stack.resolve(construct.role_arn) == {"Fn::GetAtt": [logical_id(stack, construct.role), "Arn"]}


def test_permissions_are_exactly_the_discovery_set_without_a_bucket() -> None:
    stack = new_stack()
    construct = discovery(stack)
    assert statements(stack, construct) == ALL_RESOURCES_STATEMENTS
    assert DENIED_ACTIONS == policy_rules.SENSITIVE_READS


def test_bucket_read_statements_for_a_bucket_in_the_stack() -> None:
    stack = new_stack()
    bucket = s3.Bucket(stack, "FlowLogs")
    construct = discovery(stack, flow_log_bucket=bucket)
    bucket_arn = {"Fn::GetAtt": [logical_id(stack, bucket), "Arn"]}
    assert statements(stack, construct) == [
        *ALL_RESOURCES_STATEMENTS,
        {
            "Sid": "ReadFlowLogObjects",
            "Effect": "Allow",
            "Action": ["s3:GetObject"],
            "Resource": {"Fn::Join": ["", [bucket_arn, "/*"]]},
        },
        {
            "Sid": "ListFlowLogBucket",
            "Effect": "Allow",
            "Action": ["s3:GetBucketLocation", "s3:ListBucket"],
            "Resource": bucket_arn,
        },
    ]


def test_key_decrypt_only_through_s3_in_the_bucket_region() -> None:
    stack = new_stack()
    bucket = s3.Bucket(stack, "FlowLogs")
    key = kms.Key(stack, "Key")
    construct = discovery(stack, flow_log_bucket=bucket, flow_log_bucket_key=key)
    assert statements(stack, construct)[-1] == {
        "Sid": "DecryptFlowLogObjects",
        "Effect": "Allow",
        "Action": ["kms:Decrypt"],
        "Resource": {"Fn::GetAtt": [logical_id(stack, key), "Arn"]},
        "Condition": {
            "StringEquals": {"kms:ViaService": {"Fn::Join": ["", ["s3.us-east-1.", {"Ref": "AWS::URLSuffix"}]]}}
        },
    }
    assert len(statements(stack, construct)) == len(ALL_RESOURCES_STATEMENTS) + 3


def test_imported_bucket_and_key() -> None:
    stack = new_stack()
    bucket = s3.Bucket.from_bucket_attributes(stack, "Bucket", bucket_name="acme-flow-logs", region="eu-west-1")
    key = kms.Key.from_key_arn(stack, "Key", KEY_ARN.replace("us-east-1", "eu-west-1"))
    construct = discovery(stack, flow_log_bucket=bucket, flow_log_bucket_key=key)
    bucket_arn = {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::acme-flow-logs"]]}
    assert statements(stack, construct)[len(ALL_RESOURCES_STATEMENTS) :] == [
        {
            "Sid": "ReadFlowLogObjects",
            "Effect": "Allow",
            "Action": ["s3:GetObject"],
            "Resource": {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::acme-flow-logs/*"]]},
        },
        {
            "Sid": "ListFlowLogBucket",
            "Effect": "Allow",
            "Action": ["s3:GetBucketLocation", "s3:ListBucket"],
            "Resource": bucket_arn,
        },
        {
            "Sid": "DecryptFlowLogObjects",
            "Effect": "Allow",
            "Action": ["kms:Decrypt"],
            "Resource": KEY_ARN.replace("us-east-1", "eu-west-1"),
            "Condition": {
                "StringEquals": {"kms:ViaService": {"Fn::Join": ["", ["s3.eu-west-1.", {"Ref": "AWS::URLSuffix"}]]}}
            },
        },
    ]


def test_account_flow_logs_are_read_in_any_bucket_the_account_owns() -> None:
    """One role per account (a StackSet's home region) reads the flow logs of every region's bucket, whose
    names CloudFormation generates: objects under the flow-log prefix only, buckets of this account only."""
    stack = new_stack()
    construct = discovery(stack, read_account_flow_logs=True)
    own = {"StringEquals": {"s3:ResourceAccount": "111111111111"}}
    assert statements(stack, construct) == [
        *ALL_RESOURCES_STATEMENTS,
        {
            "Sid": "ReadAccountFlowLogObjects",
            "Effect": "Allow",
            "Action": ["s3:GetObject"],
            "Resource": {
                "Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::*/AWSLogs/111111111111/vpcflowlogs/*"]]
            },
            "Condition": own,
        },
        {
            "Sid": "ListAccountFlowLogBuckets",
            "Effect": "Allow",
            "Action": ["s3:GetBucketLocation", "s3:ListBucket"],
            "Resource": {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::*"]]},
            "Condition": own,
        },
    ]
    assert {
        "AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::*/AWSLogs/111111111111/vpcflowlogs/*]",
        "AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::*]",
    } <= set(acknowledged(construct))


def test_account_flow_logs_in_an_env_agnostic_stack_name_the_account_at_deploy_time() -> None:
    stack = new_stack(region=None, account=None)
    construct = discovery(stack, read_account_flow_logs=True)
    objects, buckets = statements(stack, construct)[-2:]
    assert objects["Resource"] == {
        "Fn::Join": [
            "",
            ["arn:", {"Ref": "AWS::Partition"}, ":s3:::*/AWSLogs/", {"Ref": "AWS::AccountId"}, "/vpcflowlogs/*"],
        ]
    }
    assert buckets["Condition"] == {"StringEquals": {"s3:ResourceAccount": {"Ref": "AWS::AccountId"}}}
    assert (
        "AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::*/AWSLogs/<AWS::AccountId>/vpcflowlogs/*]"
        in acknowledged(construct)
    )


def test_env_agnostic_stack_names_the_region_at_deploy_time() -> None:
    stack = new_stack(region=None, account=None)
    construct = discovery(
        stack, flow_log_bucket=s3.Bucket(stack, "FlowLogs"), flow_log_bucket_key=kms.Key(stack, "Key")
    )
    assert statements(stack, construct)[-1]["Condition"] == {
        "StringEquals": {
            "kms:ViaService": {"Fn::Join": ["", ["s3.", {"Ref": "AWS::Region"}, ".", {"Ref": "AWS::URLSuffix"}]]}
        }
    }


def test_no_action_is_everything_or_a_whole_service_and_the_policy_rules_hold() -> None:
    stack = new_stack()
    discovery(
        stack,
        flow_log_bucket=s3.Bucket(stack, "FlowLogs"),
        flow_log_bucket_key=kms.Key.from_key_arn(stack, "Key", KEY_ARN),
    )
    template = Template.from_stack(stack).to_json()
    [policy] = [r for r in template["Resources"].values() if r["Type"] == "AWS::IAM::ManagedPolicy"]
    for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
        for action in statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]:
            assert action != "*" and not action.endswith(":*"), action
        assert "NotAction" not in statement
    assert policy_rules.no_wildcard_actions(template) == []
    assert policy_rules.cross_account_trust_requires_external_id(template) == []
    assert policy_rules.no_bedrock_wildcards(template) == []


def test_role_name() -> None:
    stack = new_stack()
    construct = discovery(stack, role_name="acme-airs-discovery")
    assert role_props(stack, construct)["RoleName"] == "acme-airs-discovery"


def test_deploy_time_values_are_accepted() -> None:
    stack = new_stack()
    principal = CfnParameter(stack, "Principal").value_as_string
    external_id = CfnParameter(stack, "ExternalId", no_echo=True).value_as_string
    construct = discovery(
        stack,
        trusted_principal_arn=principal,
        external_id=external_id,
        role_name=CfnParameter(stack, "Name").value_as_string,
    )
    [statement] = role_props(stack, construct)["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Principal"] == {"AWS": {"Ref": "Principal"}}
    assert statement["Condition"] == {"StringEquals": {"sts:ExternalId": {"Ref": "ExternalId"}}}


def test_each_wildcard_finding_is_acknowledged_on_the_policy() -> None:
    stack = new_stack()
    construct = discovery(stack)
    expected = {f"AwsSolutions::AwsSolutions-IAM5[Action::{a}]" for a in WILDCARD_ACTIONS} | {
        "AwsSolutions::AwsSolutions-IAM5[Resource::*]"
    }
    assert set(acknowledged(construct)) == expected
    assert all(len(reason) > 80 for reason in acknowledged(construct).values())
    assert not [e for e in construct.role.node.default_child.node.metadata if e.type == "aws:cdk:acknowledged-rules"]


def test_bucket_object_findings_are_named_as_cdk_nag_prints_them() -> None:
    stack = new_stack()
    bucket = s3.Bucket(stack, "FlowLogs")
    in_stack = discovery(stack, "InStack", flow_log_bucket=bucket)
    imported = discovery(
        stack, "Imported", flow_log_bucket=s3.Bucket.from_bucket_name(stack, "ImportedBucket", "acme-flow-logs")
    )
    assert f"AwsSolutions::AwsSolutions-IAM5[Resource::<{logical_id(stack, bucket)}.Arn>/*]" in acknowledged(in_stack)
    assert "AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::acme-flow-logs/*]" in acknowledged(
        imported
    )


@pytest.mark.parametrize("variant", ["plain", "bucket-and-key", "imported", "flow-log-bucket", "account-flow-logs"])
def test_synthesizes_with_no_unacknowledged_cdk_nag_finding(variant: str, tmp_path: Path) -> None:
    app = App(outdir=str(tmp_path), context=cdk_json_context())
    add_compliance_checks(app)
    stack = Stack(app, "DiscoveryStack", env=Environment(region="us-east-1"))
    if variant == "plain":
        discovery(stack)
    elif variant == "bucket-and-key":
        discovery(
            stack,
            flow_log_bucket=s3.Bucket.from_bucket_name(stack, "B", "acme-flow-logs"),
            flow_log_bucket_key=kms.Key.from_key_arn(stack, "K", KEY_ARN),
        )
    elif variant == "imported":
        discovery(
            stack,
            flow_log_bucket=s3.Bucket.from_bucket_attributes(
                stack, "B", bucket_name="acme-flow-logs", region="us-east-1"
            ),
        )
    elif variant == "account-flow-logs":
        discovery(stack, read_account_flow_logs=True)
    else:
        key = kms.Key(stack, "Key", enable_key_rotation=True)
        flow_logs = FlowLogBucket(stack, "FlowLogs", encryption_key=key)
        discovery(stack, flow_log_bucket=flow_logs.bucket, flow_log_bucket_key=key)
    app.synth()  # raises on any unacknowledged finding
    # The packs ran: the report has a section for each pack that found anything, acknowledged or not
    # (AwsSolutions always does: the role's wildcard reads are acknowledged), and each concludes success.
    report = json.loads((tmp_path / "validation-report.json").read_text())
    conclusions = {plugin["pluginName"]: plugin["conclusion"] for plugin in report["pluginReports"]}
    assert conclusions.get("AwsSolutions") == "success"
    assert set(conclusions) <= {"AwsSolutions", "NIST.800.53.R5"} and set(conclusions.values()) == {"success"}


def test_construct_ids_are_stable() -> None:
    stack = new_stack()
    construct = discovery(stack)
    assert construct.role.node.path == "TestStack/Discovery/Role"
    assert construct.policy.node.path == "TestStack/Discovery/Policy"


_PRINCIPAL_EXPECTED = (
    "is not an IAM role ARN or account root ARN"
    " (expected arn:<partition>:iam::<12-digit account>:role/<name> or arn:<partition>:iam::<12-digit account>:root)"
)
_EXTERNAL_ID_EXPECTED = "(expected 2 to 1224 letters, digits and _+=,.@:/-, as the AIRS onboarding shows it)"


@pytest.mark.parametrize(
    ("props", "message"),
    [
        (
            {"trusted_principal_arn": "arn:aws:iam::999999999999:user/bob"},
            f"trusted_principal_arn: 'arn:aws:iam::999999999999:user/bob' {_PRINCIPAL_EXPECTED}",
        ),
        ({"trusted_principal_arn": "999999999999"}, f"trusted_principal_arn: '999999999999' {_PRINCIPAL_EXPECTED}"),
        (
            {"trusted_principal_arn": "arn:aws:iam::99999:root"},
            f"trusted_principal_arn: 'arn:aws:iam::99999:root' {_PRINCIPAL_EXPECTED}",
        ),
        (
            {"trusted_principal_arn": ""},
            "trusted_principal_arn: missing (expected the AIRS service's IAM role ARN or account root ARN)",
        ),
        ({"external_id": ""}, f"external_id: missing {_EXTERNAL_ID_EXPECTED}"),
        ({"external_id": None}, f"external_id: missing {_EXTERNAL_ID_EXPECTED}"),
        ({"external_id": "a"}, f"external_id: 'a' (1 character) is too short {_EXTERNAL_ID_EXPECTED}"),
        ({"external_id": "x" * 1225}, f"external_id: 'xxxx...' (1225 characters) is too long {_EXTERNAL_ID_EXPECTED}"),
        (
            {"external_id": "abcd efgh#ij"},
            "external_id: 'abcd...' (12 characters) contains ' ', '#', which STS does not accept"
            f" {_EXTERNAL_ID_EXPECTED}",
        ),
        (
            {"external_id": "tenant-é"},
            f"external_id: 'tena...' (8 characters) contains 'é', which STS does not accept {_EXTERNAL_ID_EXPECTED}",
        ),
        (
            {"external_id": "ab#c"},
            f"external_id: 'ab#c' (4 characters) contains '#', which STS does not accept {_EXTERNAL_ID_EXPECTED}",
        ),
        (
            {"flow_log_bucket_key": "key"},
            "flow_log_bucket_key is the key of flow_log_bucket's objects, but no flow_log_bucket was given"
            " (pass the bucket too, or drop the key)",
        ),
        (
            {"read_account_flow_logs": True, "flow_log_bucket": "bucket"},
            "read_account_flow_logs and flow_log_bucket cannot both be given: read_account_flow_logs reads the flow"
            " logs in every bucket of the account, flow_log_bucket those of one bucket (pass one of them)",
        ),
        (
            {"role_name": "airs discovery"},
            "role_name: 'airs discovery' is not an IAM role name (expected 1 to 64 letters, digits and _+=,.@-)",
        ),
        (
            {"role_name": "r" * 65},
            f"role_name: '{'r' * 65}' is not an IAM role name (expected 1 to 64 letters, digits and _+=,.@-)",
        ),
    ],
    ids=[
        "user-arn",
        "account-id",
        "short-account",
        "empty-principal",
        "empty-external-id",
        "no-external-id",
        "short-external-id",
        "long-external-id",
        "bad-characters",
        "non-ascii",
        "shown-whole-at-four",
        "key-without-bucket",
        "account-flow-logs-and-a-bucket",
        "role-name-characters",
        "role-name-long",
    ],
)
def test_invalid_props_are_refused(props: dict[str, Any], message: str) -> None:
    stack = new_stack()
    if props.get("flow_log_bucket_key") == "key":
        props = {"flow_log_bucket_key": kms.Key.from_key_arn(stack, "Key", KEY_ARN)}
    if props.get("flow_log_bucket") == "bucket":
        props = {**props, "flow_log_bucket": s3.Bucket.from_bucket_name(stack, "Bucket", "acme-flow-logs")}
    assert_refused(lambda: discovery(stack, **props), "TestStack/Discovery", message)


def test_error_messages_never_show_a_whole_long_external_id() -> None:
    secret_looking = "9f86d081884c7d659a2feaa0c55ad015 a3bf4f1b2b0b822cd15d6c15b0f00a08"
    error = props_error(lambda: discovery(new_stack(), external_id=secret_looking))
    assert secret_looking not in str(error)
    assert secret_looking[4:12] not in str(error)
    assert error.problems == (
        f"external_id: '9f86...' (65 characters) contains ' ', which STS does not accept {_EXTERNAL_ID_EXPECTED}",
    )


def test_every_problem_is_reported_at_once() -> None:
    error = props_error(lambda: discovery(new_stack(), trusted_principal_arn="nope", external_id="a", role_name="a b"))
    assert error.path == "TestStack/Discovery"
    assert [problem.split(":")[0] for problem in error.problems] == [
        "trusted_principal_arn",
        "external_id",
        "role_name",
    ]


@pytest.mark.parametrize("external_id", ["ab", "x" * 1224, "Aa0_+=,.@:/-", "arn:aws:iam::999999999999:role/x"])
def test_valid_external_ids(external_id: str) -> None:
    stack = new_stack()
    construct = discovery(stack, external_id=external_id)
    [statement] = role_props(stack, construct)["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Condition"] == {"StringEquals": {"sts:ExternalId": external_id}}


@pytest.mark.parametrize(
    "principal",
    [
        "arn:aws-cn:iam::999999999999:root",
        "arn:aws-us-gov:iam::999999999999:role/path/to/airs",
        "arn:aws:iam::999999999999:role/a+b=c,d.e@f-g_h",
    ],
)
def test_valid_principals(principal: str) -> None:
    stack = new_stack()
    construct = discovery(stack, trusted_principal_arn=principal)
    [statement] = role_props(stack, construct)["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Principal"] == {"AWS": principal}
    assert statement["Condition"] == {"StringEquals": {"sts:ExternalId": EXTERNAL_ID}}


def test_the_role_and_its_policy_say_what_they_are_for() -> None:
    stack = new_stack()
    discovery(stack)
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::IAM::Role",
        {
            "Description": "AIRS discovery: read-only discovery of network, compute, EKS and Bedrock resources,"
            " assumed by the AIRS service"
        },
    )
    template.has_resource_properties(
        "AWS::IAM::ManagedPolicy",
        {
            "Description": "AIRS discovery: the published Discovery permission set (read-only) and read access to"
            " VPC flow logs"
        },
    )


#: Each wildcard action of the published permission set, with the Sid of the statement that holds it.
WILDCARD_ACTION_SIDS = {
    "elasticloadbalancing:Describe*": "DescribeLoadBalancers",
    "network-firewall:Describe*": "DescribeNetworkFirewalls",
    "network-firewall:List*": "DescribeNetworkFirewalls",
    "ec2:Describe*": "DescribeEc2",
    "ec2:Get*": "DescribeEc2",
    "ec2:List*": "DescribeEc2",
    "lambda:Get*": "ReadLambdaFunctions",
    "lambda:List*": "ReadLambdaFunctions",
}


def test_each_acknowledgment_gives_the_reviewer_its_reason() -> None:
    """The reasons are what a reviewer of the cdk-nag report reads: each names its action or resource."""
    stack = new_stack()
    reasons = acknowledged(discovery(stack))
    assert reasons == {
        **{
            f"AwsSolutions::AwsSolutions-IAM5[Action::{action}]": f"{action} is part of the published AIRS Discovery"
            f" permission set ({sid}): read-only calls that discover every resource of that type; the family holds"
            " no create, modify, delete, tag or permission-changing action."
            for action, sid in WILDCARD_ACTION_SIDS.items()
        },
        "AwsSolutions::AwsSolutions-IAM5[Resource::*]": "Read-only discovery of every load balancer, network"
        " firewall, EC2, Lambda, EKS and Bedrock custom-model resource in the account; the List/Describe calls"
        " support no resource-level permissions, and an identity policy grants nothing outside this account.",
    }


def test_the_flow_log_acknowledgments_give_their_reasons() -> None:
    stack = new_stack()
    one_bucket = acknowledged(
        discovery(stack, "Bucket", flow_log_bucket=s3.Bucket.from_bucket_name(stack, "B", "acme-flow-logs"))
    )
    assert one_bucket["AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::acme-flow-logs/*]"] == (
        "Discovery reads the VPC flow logs of this one bucket; log delivery writes them under keys partitioned by"
        " account, region and hour, so no narrower prefix holds them all."
    )
    account = acknowledged(discovery(stack, "Account", read_account_flow_logs=True))
    assert {key: reason for key, reason in account.items() if "s3:::" in key} == {
        "AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::*/AWSLogs/111111111111/vpcflowlogs/*]": (
            "Discovery reads this account's VPC flow logs, which each region's stack delivers to a bucket"
            " CloudFormation names there: the objects are named by the key prefix log delivery writes"
            " (AWSLogs/<account>/vpcflowlogs/), in buckets this account owns (s3:ResourceAccount)."
        ),
        "AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::*]": (
            "Discovery lists and locates the flow-log buckets each region's stack creates under a name"
            " CloudFormation generates, so no bucket name is known where this one role is made; only buckets this"
            " account owns match (s3:ResourceAccount)."
        ),
    }
