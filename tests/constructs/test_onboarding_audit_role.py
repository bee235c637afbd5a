"""OnboardingAuditRole: trust only the administrator account with its external id, exactly the reads the
checks make (each on the narrowest resource), gate acknowledgments, every error."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from aws_cdk import App, CfnParameter, Environment, Stack
from aws_cdk.assertions import Match, Template

from onboarding_app.assembly import add_compliance_checks
from onboarding_constructs import AUDIT_ACTIONS, AUDIT_ROLE_NAME, OnboardingAuditRole
from tests.conftest import REPO_ROOT, new_stack
from tests.constructs.props_errors import assert_refused
from tests.gates import policy_rules
from tests.synth import cdk_json_context

ADMIN = "123456789012"
EXTERNAL_ID = "audit-5d1e9c"


def audit(stack: Stack, **props: Any) -> OnboardingAuditRole:
    return OnboardingAuditRole(
        stack,
        "Audit",
        **{
            "trusted_account_id": ADMIN,
            "external_id": EXTERNAL_ID,
            "stack_names": ["StackSet-AirsOnboarding-*"],
            "report_parameter_names": ["/airs-onboarding/coverage/AirsOnboarding"],
            **props,
        },
    )


def resources(stack: Stack, kind: str) -> list[dict[str, Any]]:
    return list(Template.from_stack(stack).find_resources(kind).values())


def statements(stack: Stack) -> dict[str, dict[str, Any]]:
    [policy] = resources(stack, "AWS::IAM::ManagedPolicy")
    return {s["Sid"]: s for s in policy["Properties"]["PolicyDocument"]["Statement"]}


def arn(*parts: str) -> dict[str, Any]:
    return {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, *parts]]}


def test_only_the_administrator_account_with_the_external_id_may_assume_it() -> None:
    stack = new_stack()
    audit(stack, role_name=f"acme-{AUDIT_ROLE_NAME}")
    [role] = resources(stack, "AWS::IAM::Role")
    assert role["Properties"]["AssumeRolePolicyDocument"]["Statement"] == [
        {
            "Action": "sts:AssumeRole",
            "Effect": "Allow",
            "Principal": {"AWS": arn(f":iam::{ADMIN}:root")},
            "Condition": {"StringEquals": {"sts:ExternalId": EXTERNAL_ID}},
        }
    ]
    assert role["Properties"]["MaxSessionDuration"] == 3600
    assert role["Properties"]["RoleName"] == "acme-airs-onboarding-audit"
    assert "Policies" not in role["Properties"] and "ManagedPolicyArns" not in role["Properties"]
    template = Template.from_stack(stack).to_json()
    assert policy_rules.cross_account_trust_requires_external_id(template) == []


def test_each_read_on_the_narrowest_resource_it_supports() -> None:
    stack = new_stack()
    audit(stack)
    found = statements(stack)
    assert {
        sid: sorted(s["Action"]) if isinstance(s["Action"], list) else [s["Action"]] for sid, s in found.items()
    } == {sid: sorted(actions) for sid, actions in AUDIT_ACTIONS.items()}
    account = "111111111111"
    assert {sid: s["Resource"] for sid, s in found.items()} == {
        "DescribeNetwork": "*",
        "ListEksClusters": "*",
        "DescribeEksClusters": arn(f":eks:*:{account}:cluster/*"),
        "DescribeEksAccessEntries": arn(f":eks:*:{account}:access-entry/*"),
        "DescribeEksAddons": arn(f":eks:*:{account}:addon/*"),
        "ListTrails": "*",
        "ReadTrailSettings": arn(":cloudtrail:*:*:trail/*"),
        "ReadOnboardingRoles": arn(f":iam::{account}:role/*"),
        "ReadCoverageReports": arn(f":ssm:*:{account}:parameter/airs-onboarding/coverage/AirsOnboarding"),
        "ListStacks": "*",
        "DescribeOnboardingStacks": arn(f":cloudformation:*:{account}:stack/StackSet-AirsOnboarding-*/*"),
        "ListBedrockModels": "*",
        "ReadBucketSettings": arn(":s3:::*"),
    }
    assert found["ReadBucketSettings"]["Condition"] == {"StringEquals": {"s3:ResourceAccount": account}}
    assert all("Condition" not in s for sid, s in found.items() if sid != "ReadBucketSettings")


def test_every_action_is_a_read_and_no_secret_is_read() -> None:
    actions = [action for group in AUDIT_ACTIONS.values() for action in group]
    assert all(re.fullmatch(r"[a-z0-9-]+:(Describe|Get|List)[A-Za-z]+", a) for a in actions), actions
    assert len(actions) == len(set(actions))
    assert not {"s3:GetObject", "ssm:GetParameters", "ssm:GetParametersByPath", "kms:Decrypt"} & set(actions)
    stack = new_stack()
    audit(stack)
    template = Template.from_stack(stack).to_json()
    for rule in policy_rules.RULES:
        assert rule(template) == [], rule.__name__


def _check_calls() -> set[tuple[str, str]]:
    """(service, operation) of every AWS call the account checks make with a literal name (onboarding_checks);
    the calls made in the administrator account (organizations) and STS's are left out."""
    calls = set()
    for path in sorted((REPO_ROOT / "onboarding_checks").glob("*.py")):
        for service, operation in re.findall(
            r"aws\.(?:call|pages)\(\s*\"([a-z0-9-]+)\",\s*\"([a-z0-9_]+)\"", path.read_text(), re.S
        ):
            if service not in ("organizations", "sts"):
                calls.add((service, operation))
    return calls


#: The S3 operations whose IAM action has another name.
_S3_ACTIONS = {"HeadBucket": "ListBucket", "ListObjectsV2": "ListBucket"}


def _iam_action(service: str, operation: str) -> str:
    client = botocore.session.get_session().create_client(service, region_name="us-east-1")
    api = client.meta.method_to_api_mapping[operation]
    if service == "s3":
        api = _S3_ACTIONS.get(api, api)
    return f"{client.meta.service_model.signing_name}:{api}"


def test_the_role_may_make_every_call_of_the_checks() -> None:
    """A call added to doctor or verify needs its action here, or the checks fail through the audit role."""
    calls = _check_calls()
    assert ("eks", "describe_cluster") in calls and ("ssm", "get_parameter") in calls  # the scan finds them
    granted = {action for group in AUDIT_ACTIONS.values() for action in group}
    # doctor.py names ec2 describe_subnets/describe_vpcs through a variable.
    needed = {_iam_action(service, operation) for service, operation in calls} | {"ec2:DescribeSubnets"}
    assert needed - granted == set()
    assert granted - needed == set(), "granted but never called: drop it"


def test_role_names_narrow_get_role() -> None:
    stack = new_stack()
    audit(stack, role_names=["acme-*"])
    assert statements(stack)["ReadOnboardingRoles"]["Resource"] == arn(":iam::111111111111:role/acme-*")


def test_without_a_report_the_parameter_statement_is_left_out() -> None:
    stack = new_stack()
    audit(stack, report_parameter_names=[])
    assert "ReadCoverageReports" not in statements(stack)


def test_deploy_time_values_are_accepted() -> None:
    stack = new_stack(account=None, region=None)
    account = CfnParameter(stack, "AdministratorAccountId").value_as_string
    audit(stack, trusted_account_id=account, external_id=CfnParameter(stack, "ExternalId").value_as_string)
    Template.from_stack(stack).has_resource_properties(
        "AWS::IAM::Role",
        {
            "AssumeRolePolicyDocument": {
                "Statement": [
                    Match.object_like(
                        {
                            "Principal": {"AWS": arn(":iam::", {"Ref": "AdministratorAccountId"}, ":root")},  # type: ignore[arg-type]
                            "Condition": {"StringEquals": {"sts:ExternalId": {"Ref": "ExternalId"}}},
                        }
                    )
                ]
            }
        },
    )


def test_each_wildcard_resource_is_acknowledged_with_a_reason() -> None:
    stack = new_stack()
    construct = audit(stack)
    acknowledged = {
        key: reason
        for entry in construct.policy.node.default_child.node.metadata
        if entry.type == "aws:cdk:acknowledged-rules"
        for key, reason in entry.data.items()
    }
    assert set(acknowledged) == {
        f"AwsSolutions::AwsSolutions-IAM5[Resource::{resource}]"
        for resource in (
            "*",
            "arn:<AWS::Partition>:eks:*:111111111111:cluster/*",
            "arn:<AWS::Partition>:eks:*:111111111111:access-entry/*",
            "arn:<AWS::Partition>:eks:*:111111111111:addon/*",
            "arn:<AWS::Partition>:cloudtrail:*:*:trail/*",
            "arn:<AWS::Partition>:iam::111111111111:role/*",
            "arn:<AWS::Partition>:ssm:*:111111111111:parameter/airs-onboarding/coverage/AirsOnboarding",
            "arn:<AWS::Partition>:cloudformation:*:111111111111:stack/StackSet-AirsOnboarding-*/*",
            "arn:<AWS::Partition>:s3:::*",
        )
    }
    assert all(len(reason) > 40 for reason in acknowledged.values())


def test_synthesizes_with_no_unacknowledged_cdk_nag_finding(tmp_path: Path) -> None:
    app = App(outdir=str(tmp_path), context=cdk_json_context())
    add_compliance_checks(app)
    audit(Stack(app, "AuditStack", env=Environment(region="us-east-1")))
    app.synth()  # raises on any unacknowledged finding


def test_construct_ids_are_stable() -> None:
    construct = audit(new_stack())
    assert construct.role.node.path == "TestStack/Audit/Role"
    assert construct.policy.node.path == "TestStack/Audit/Policy"


@pytest.mark.parametrize(
    ("props", "message"),
    [
        (
            {"trusted_account_id": "1234"},
            "trusted_account_id: '1234' is not an AWS account id (expected exactly 12 digits)",
        ),
        (
            {"external_id": "a"},
            "external_id: 'a' (1 character) is too short (expected 2 to 1224 letters, digits and _+=,.@:/-)",
        ),
        (
            {"stack_names": []},
            "stack_names: empty (expected at least one stack name, e.g. 'StackSet-AirsOnboarding-*')",
        ),
        (
            {"stack_names": ["Airs_Onboarding"]},
            "stack_names[0]: 'Airs_Onboarding' is not a stack name (expected a letter or '*', then up to 127 letters,"
            " digits, '-' and '*')",
        ),
        (
            {"report_parameter_names": ["airs/report"]},
            "report_parameter_names[0]: 'airs/report' is not an SSM parameter name (expected '/' then letters,"
            " digits and _.-/)",
        ),
        ({"role_names": []}, "role_names: empty (expected '*' for every role, or role names)"),
        (
            {"role_names": ["acme airs"]},
            "role_names[0]: 'acme airs' is not a role name (expected 1 to 64 letters, digits, _+=,.@- and '*')",
        ),
        (
            {"role_name": "r" * 65},
            f"role_name: '{'r' * 65}' is not an IAM role name (expected 1 to 64 letters, digits and _+=,.@-)",
        ),
    ],
    ids=[
        "account",
        "external-id",
        "no-stack",
        "stack-name",
        "parameter-name",
        "no-role-names",
        "role-names",
        "role-name",
    ],
)
def test_invalid_props_are_refused(props: dict[str, Any], message: str) -> None:
    assert_refused(lambda: audit(new_stack(), **props), "TestStack/Audit", message)
