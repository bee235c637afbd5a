"""apply_role_policy: the boundary and a prefixed, region-qualified name on every role under a scope."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Aws, CfnParameter, CfnResource, Environment, NestedStack, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Annotations, Match, Template
from constructs import Construct

from onboarding_app.assembly import add_compliance_checks
from onboarding_constructs import EksDiscoveryAccess
from onboarding_constructs.discovery_role import DiscoveryRole
from onboarding_constructs.role_policy import (
    MAX_PREFIX_LENGTH,
    RoleNamePrefix,
    apply_role_policy,
)
from tests.conftest import new_stack
from tests.constructs.props_errors import assert_refused
from tests.gates import policy_rules
from tests.synth import cdk_json_context

BOUNDARY = "arn:aws:iam::111111111111:policy/airs/role-boundary"
PREFIX = "acme-"
VENDOR = "arn:aws:iam::999999999999:role/airs-discovery"
#: <prefix><path stem>-<8 hex hash>-<region>
NAME = re.compile(r"acme-[A-Za-z0-9-]+-[0-9A-F]{8}-us-east-1")


def lambda_role(scope: Construct) -> None:
    iam.Role(scope, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))


def several_roles(stack: Stack) -> None:
    """Roles defined after apply_role_policy: plain, inside a nested construct, and internal to constructs."""
    lambda_role(stack)
    lambda_role(Construct(Construct(stack, "Outer"), "Inner"))
    lambda_.Function(
        stack,
        "Function",
        runtime=lambda_.Runtime.PYTHON_3_14,
        handler="index.handler",
        code=lambda_.Code.from_inline("def handler(e, c): pass"),
    )
    EksDiscoveryAccess(stack, "Prod", cluster_name="prod-eks", principal_arn=VENDOR)
    DiscoveryRole(stack, "Discovery", trusted_principal_arn=VENDOR, external_id="tenant-42")


def roles(stack: Stack) -> dict[str, dict[str, Any]]:
    return {
        logical_id: r["Properties"]
        for logical_id, r in Template.from_stack(stack).find_resources("AWS::IAM::Role").items()
    }


def test_every_role_gets_the_boundary_and_a_prefixed_regional_name() -> None:
    stack = new_stack()
    apply_role_policy(stack, permissions_boundary_arn=BOUNDARY, role_name_prefix=PREFIX)
    several_roles(stack)
    found = roles(stack)
    assert len(found) == 5
    assert policy_rules.permissions_boundary_on_every_role(BOUNDARY)(Template.from_stack(stack).to_json()) == []
    names = [props["RoleName"] for props in found.values()]
    for name in names:
        assert NAME.fullmatch(name), name
        assert len(name) <= 64
    assert len(set(names)) == len(names)


def test_a_role_defined_before_the_call_is_covered_too() -> None:
    stack = new_stack()
    lambda_role(stack)
    apply_role_policy(stack, permissions_boundary_arn=BOUNDARY, role_name_prefix=PREFIX)
    [props] = roles(stack).values()
    assert props["PermissionsBoundary"] == BOUNDARY
    assert NAME.fullmatch(props["RoleName"])


def test_generated_names_follow_the_construct_path() -> None:
    stack = new_stack()
    apply_role_policy(stack, role_name_prefix=PREFIX)
    lambda_role(stack)
    lambda_role(Construct(Construct(stack, "Outer"), "Inner"))
    names = sorted(props["RoleName"] for props in roles(stack).values())
    assert re.fullmatch(r"acme-TestStack-Outer-Inner-Role-[0-9A-F]{8}-us-east-1", names[0]), names
    assert re.fullmatch(r"acme-TestStack-Role-[0-9A-F]{8}-us-east-1", names[1]), names


def test_names_are_deterministic_and_differ_only_by_region_across_regions() -> None:
    def name_in(region: str) -> str:
        stack = new_stack(region=region)
        apply_role_policy(stack, role_name_prefix=PREFIX)
        lambda_role(stack)
        [props] = roles(stack).values()
        return props["RoleName"]

    first, again, other = name_in("us-east-1"), name_in("us-east-1"), name_in("eu-west-1")
    assert first == again
    assert first != other
    assert first.removesuffix("us-east-1") == other.removesuffix("eu-west-1")


def test_env_agnostic_stack_joins_the_deploy_time_region() -> None:
    stack = new_stack(region=None, account=None)
    apply_role_policy(stack, role_name_prefix=PREFIX)
    lambda_role(stack)
    [props] = roles(stack).values()
    [head, region] = props["RoleName"]["Fn::Join"][1]
    assert props["RoleName"]["Fn::Join"][0] == ""
    assert region == {"Ref": "AWS::Region"}
    assert re.fullmatch(r"acme-TestStack-Role-[0-9A-F]{8}-", head)
    assert len(head) <= 64 - 15  # 15 characters stay free for the longest region name


def test_longest_prefix_deep_path_and_longest_region_fit_in_64_characters() -> None:
    prefix = "p" * MAX_PREFIX_LENGTH
    stack = new_stack(region="us-isof-south-1")
    apply_role_policy(stack, role_name_prefix=prefix)
    scope: Construct = stack
    for depth in range(6):
        scope = Construct(scope, f"AVeryLongConstructIdNumber{depth}")
    lambda_role(scope)
    lambda_role(scope.node.scope)
    names = [props["RoleName"] for props in roles(stack).values()]
    assert len(set(names)) == 2
    for name in names:
        assert len(name) <= 64, name
        assert name.startswith(prefix) and name.endswith("-us-isof-south-1")
        assert re.fullmatch(r"[\w+=,.@-]+", name)


def test_roles_in_a_nested_stack_are_covered() -> None:
    stack = new_stack()
    apply_role_policy(stack, permissions_boundary_arn=BOUNDARY, role_name_prefix=PREFIX)
    nested = NestedStack(stack, "Nested")
    lambda_role(nested)
    [props] = roles(nested).values()
    assert props["PermissionsBoundary"] == BOUNDARY
    assert re.fullmatch(r"acme-TestStack-Nested-Role-[0-9A-F]{8}-us-east-1", props["RoleName"])


def test_a_role_defined_as_a_plain_cfn_resource_is_covered() -> None:
    stack = new_stack()
    apply_role_policy(stack, permissions_boundary_arn=BOUNDARY, role_name_prefix=PREFIX)
    CfnResource(stack, "Raw", type="AWS::IAM::Role", properties={"AssumeRolePolicyDocument": {"Statement": []}})
    [props] = roles(stack).values()
    assert props["PermissionsBoundary"] == BOUNDARY
    assert re.fullmatch(r"acme-TestStack-Raw-[0-9A-F]{8}-us-east-1", props["RoleName"])


def test_a_prefixed_name_is_kept() -> None:
    stack = new_stack()
    apply_role_policy(stack, role_name_prefix=PREFIX)
    DiscoveryRole(
        stack, "Discovery", trusted_principal_arn=VENDOR, external_id="tenant-42", role_name="acme-airs-discovery"
    )
    [props] = roles(stack).values()
    assert props["RoleName"] == "acme-airs-discovery"
    Annotations.from_stack(stack).has_no_error("*", Match.any_value())


def test_a_name_without_the_prefix_is_an_error_naming_role_and_prefix() -> None:
    stack = new_stack()
    apply_role_policy(stack, role_name_prefix=PREFIX)
    DiscoveryRole(stack, "Discovery", trusted_principal_arn=VENDOR, external_id="tenant-42", role_name="airs-discovery")
    CfnResource(
        stack,
        "Raw",
        type="AWS::IAM::Role",
        properties={"AssumeRolePolicyDocument": {"Statement": []}, "RoleName": "other"},
    )
    annotations = Annotations.from_stack(stack)
    annotations.has_error(
        "/TestStack/Discovery/Role/Resource",
        "The IAM role TestStack/Discovery/Role is named 'airs-discovery', which does not start with 'acme-', the role"
        " name prefix"
        " apply_role_policy requires: give it a name starting with 'acme-', or no name to get a generated one.",
    )
    annotations.has_error(
        "/TestStack/Raw",
        Match.string_like_regexp("The IAM role TestStack/Raw is named 'other', which does not start with 'acme-'"),
    )
    assert roles(stack)[stack.resolve(stack.get_logical_id(stack.node.find_child("Raw")))]["RoleName"] == "other"


def test_a_name_without_the_prefix_fails_synth_under_the_compliance_checks(tmp_path: Path) -> None:
    app = App(outdir=str(tmp_path), context=cdk_json_context())
    add_compliance_checks(app)
    stack = Stack(app, "Bad", env=Environment(region="us-east-1"))
    apply_role_policy(stack, role_name_prefix=PREFIX)
    DiscoveryRole(stack, "Discovery", trusted_principal_arn=VENDOR, external_id="tenant-42", role_name="airs-discovery")
    with pytest.raises(
        RuntimeError, match="ValidationFailed: ERROR The IAM role Bad/Discovery/Role is named 'airs-discovery'"
    ):
        app.synth()


def test_a_partly_deploy_time_name_is_checked_by_its_known_start() -> None:
    stack = new_stack(region=None, account=None)
    apply_role_policy(stack, role_name_prefix=PREFIX)
    DiscoveryRole(
        stack, "Good", trusted_principal_arn=VENDOR, external_id="tenant-42", role_name=f"acme-discovery-{Aws.REGION}"
    )
    DiscoveryRole(
        stack, "Bad", trusted_principal_arn=VENDOR, external_id="tenant-42", role_name=f"discovery-{Aws.REGION}"
    )
    annotations = Annotations.from_stack(stack)
    annotations.has_no_error("/TestStack/Good/Role/Resource", Match.any_value())
    annotations.has_no_warning("*", Match.any_value())
    annotations.has_error(
        "/TestStack/Bad/Role/Resource",
        Match.string_like_regexp("is named 'discovery-.*', which does not start with 'acme-'"),
    )


def test_a_name_only_known_at_deploy_time_gets_a_warning() -> None:
    stack = new_stack()
    apply_role_policy(stack, role_name_prefix=PREFIX)
    name = CfnParameter(stack, "RoleName").value_as_string
    DiscoveryRole(stack, "Discovery", trusted_principal_arn=VENDOR, external_id="tenant-42", role_name=name)
    annotations = Annotations.from_stack(stack)
    annotations.has_no_error("*", Match.any_value())
    annotations.has_warning(
        "/TestStack/Discovery/Role/Resource",
        Match.string_like_regexp(
            "The IAM role TestStack/Discovery/Role has a name only known at deploy time: make sure it starts with"
            " 'acme-'"
        ),
    )


def test_only_a_boundary() -> None:
    stack = new_stack()
    apply_role_policy(stack, permissions_boundary_arn=BOUNDARY)
    lambda_role(stack)
    [props] = roles(stack).values()
    assert props["PermissionsBoundary"] == BOUNDARY
    assert "RoleName" not in props


def test_only_a_prefix() -> None:
    stack = new_stack()
    apply_role_policy(stack, role_name_prefix=PREFIX)
    lambda_role(stack)
    [props] = roles(stack).values()
    assert "PermissionsBoundary" not in props
    assert NAME.fullmatch(props["RoleName"])


def test_neither_changes_nothing() -> None:
    stack = new_stack()
    apply_role_policy(stack)
    lambda_role(stack)
    [props] = roles(stack).values()
    assert "PermissionsBoundary" not in props and "RoleName" not in props


def test_roles_outside_the_scope_are_left_alone() -> None:
    stack = new_stack()
    inside = Construct(stack, "Inside")
    apply_role_policy(inside, permissions_boundary_arn=BOUNDARY, role_name_prefix=PREFIX)
    lambda_role(inside)
    lambda_role(Construct(stack, "Outside"))
    found = Template.from_stack(stack).to_json()["Resources"]
    inside_role = found[stack.resolve(stack.get_logical_id(inside.node.find_child("Role").node.default_child))][
        "Properties"
    ]
    outside_role = found[
        stack.resolve(stack.get_logical_id(stack.node.find_child("Outside").node.find_child("Role").node.default_child))
    ]["Properties"]
    assert inside_role["PermissionsBoundary"] == BOUNDARY and NAME.fullmatch(inside_role["RoleName"])
    assert "PermissionsBoundary" not in outside_role and "RoleName" not in outside_role


def test_the_whole_app_as_scope() -> None:
    app = App()
    apply_role_policy(app, permissions_boundary_arn=BOUNDARY, role_name_prefix=PREFIX)
    first, second = (
        Stack(app, "First", env=Environment(region="us-east-1")),
        Stack(app, "Second", env=Environment(region="us-east-1")),
    )
    lambda_role(first)
    lambda_role(second)
    [one], [two] = roles(first).values(), roles(second).values()
    assert one["PermissionsBoundary"] == two["PermissionsBoundary"] == BOUNDARY
    assert one["RoleName"].startswith("acme-First-Role-") and two["RoleName"].startswith("acme-Second-Role-")


def test_a_stack_under_the_policy_passes_cdk_nag(tmp_path: Path) -> None:
    app = App(outdir=str(tmp_path), context=cdk_json_context())
    add_compliance_checks(app)
    stack = Stack(app, "Governed", env=Environment(region="us-east-1"))
    apply_role_policy(stack, permissions_boundary_arn=BOUNDARY, role_name_prefix=PREFIX)
    EksDiscoveryAccess(stack, "Prod", cluster_name="prod-eks", principal_arn=VENDOR)
    DiscoveryRole(stack, "Discovery", trusted_principal_arn=VENDOR, external_id="tenant-42")
    template = app.synth().get_stack_by_name("Governed").template
    assert policy_rules.permissions_boundary_on_every_role(BOUNDARY)(template) == []
    assert all(
        NAME.fullmatch(r["Properties"]["RoleName"])
        for r in template["Resources"].values()
        if r["Type"] == "AWS::IAM::Role"
    )


def test_calling_it_twice_on_one_scope_is_refused() -> None:
    stack = new_stack()
    apply_role_policy(stack, permissions_boundary_arn=BOUNDARY)
    assert_refused(
        lambda: apply_role_policy(stack, permissions_boundary_arn=BOUNDARY),
        "apply_role_policy",
        "TestStack already has a permissions boundary from an earlier apply_role_policy call; call it once per scope,"
        " with every rule",
    )


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:iam::111111111111:policy/boundary",
        "arn:aws:iam::111111111111:policy/division_abc/sub-division/Boundary+=,.@-_1",
        "arn:aws:iam::aws:policy/PowerUserAccess",
        "arn:aws-us-gov:iam::111111111111:policy/boundary",
    ],
)
def test_valid_boundaries(arn: str) -> None:
    stack = new_stack()
    apply_role_policy(stack, permissions_boundary_arn=arn)
    lambda_role(stack)
    [props] = roles(stack).values()
    assert props["PermissionsBoundary"] == arn


def test_deploy_time_boundary_is_accepted() -> None:
    stack = new_stack()
    boundary = CfnParameter(stack, "Boundary").value_as_string
    apply_role_policy(stack, permissions_boundary_arn=boundary)
    lambda_role(stack)
    [props] = roles(stack).values()
    assert props["PermissionsBoundary"] == {"Ref": "Boundary"}


_BOUNDARY_EXPECTED = (
    "is not an IAM managed policy ARN"
    " (expected arn:<partition>:iam::<12-digit account or 'aws'>:policy/<optional path/><name>)"
)
_PREFIX_EXPECTED = "is not a role name prefix (expected 1 to 32 letters, digits and _+=,.@-)"


@pytest.mark.parametrize(
    ("props", "message"),
    [
        (
            {"permissions_boundary_arn": "arn:aws:iam::111111111111:role/boundary"},
            f"permissions_boundary_arn: 'arn:aws:iam::111111111111:role/boundary' {_BOUNDARY_EXPECTED}",
        ),
        ({"permissions_boundary_arn": "boundary"}, f"permissions_boundary_arn: 'boundary' {_BOUNDARY_EXPECTED}"),
        (
            {"permissions_boundary_arn": "arn:aws:iam::1111:policy/b"},
            f"permissions_boundary_arn: 'arn:aws:iam::1111:policy/b' {_BOUNDARY_EXPECTED}",
        ),
        (
            {"permissions_boundary_arn": "arn:aws:iam::111111111111:policy/"},
            f"permissions_boundary_arn: 'arn:aws:iam::111111111111:policy/' {_BOUNDARY_EXPECTED}",
        ),
        (
            {"permissions_boundary_arn": "arn:aws:iam::111111111111:policy/bad name"},
            f"permissions_boundary_arn: 'arn:aws:iam::111111111111:policy/bad name' {_BOUNDARY_EXPECTED}",
        ),
        ({"role_name_prefix": ""}, f"role_name_prefix: '' {_PREFIX_EXPECTED}"),
        ({"role_name_prefix": "p" * 33}, f"role_name_prefix: '{'p' * 33}' {_PREFIX_EXPECTED}"),
        ({"role_name_prefix": "acme/"}, f"role_name_prefix: 'acme/' {_PREFIX_EXPECTED}"),
        ({"role_name_prefix": "acme "}, f"role_name_prefix: 'acme ' {_PREFIX_EXPECTED}"),
    ],
    ids=[
        "role-arn",
        "not-an-arn",
        "short-account",
        "no-name",
        "space-in-name",
        "empty-prefix",
        "long-prefix",
        "slash",
        "space",
    ],
)
def test_invalid_inputs_are_refused(props: dict[str, Any], message: str) -> None:
    assert_refused(lambda: apply_role_policy(new_stack(), **props), "apply_role_policy", message)


def test_a_deploy_time_prefix_is_refused() -> None:
    stack = new_stack()
    assert_refused(
        lambda: apply_role_policy(stack, role_name_prefix=CfnParameter(stack, "Prefix").value_as_string),
        "apply_role_policy",
        "role_name_prefix: is only known at deploy time; a prefix must be known at synth, where role names are made"
        " and checked",
    )


def test_both_problems_are_reported_at_once() -> None:
    assert_refused(
        lambda: apply_role_policy(new_stack(), permissions_boundary_arn="nope", role_name_prefix=""),
        "apply_role_policy",
        f"permissions_boundary_arn: 'nope' {_BOUNDARY_EXPECTED}",
        f"role_name_prefix: '' {_PREFIX_EXPECTED}",
    )


def test_the_aspect_checks_its_prefix() -> None:
    assert_refused(lambda: RoleNamePrefix("a b"), "RoleNamePrefix", f"prefix: 'a b' {_PREFIX_EXPECTED}")
