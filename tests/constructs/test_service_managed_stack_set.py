"""ServiceManagedStackSet: defaults, the stack-instance groups, every error message."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import CfnParameter, Stack
from aws_cdk.assertions import Match, Template

from onboarding_constructs import ServiceManagedStackSet
from tests.conftest import new_stack
from tests.constructs.props_errors import assert_refused

URL = "https://bucket.s3.us-east-1.amazonaws.com/member.json"
OU = "ou-abcd-12345678"
REGIONS = ["us-east-1", "eu-west-1"]


def stack_set_in(stack: Stack, **props: Any) -> ServiceManagedStackSet:
    return ServiceManagedStackSet(
        stack,
        "StackSet",
        **{"template_url": URL, "stack_set_name": "Members", "organizational_units": [OU], "regions": REGIONS, **props},
    )


def groups(**props: Any) -> list[dict[str, Any]]:
    stack = new_stack()
    stack_set_in(stack, **props)
    [resource] = Template.from_stack(stack).find_resources("AWS::CloudFormation::StackSet").values()
    return resource["Properties"]["StackInstancesGroup"]


def test_defaults() -> None:
    stack = new_stack()
    construct = stack_set_in(stack)
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::CloudFormation::StackSet", 1)
    template.has_resource_properties(
        "AWS::CloudFormation::StackSet",
        {
            "StackSetName": "Members",
            "TemplateURL": URL,
            "PermissionModel": "SERVICE_MANAGED",
            "CallAs": "SELF",
            "Capabilities": ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"],
            "AutoDeployment": {"Enabled": True, "RetainStacksOnAccountRemoval": True},
            "ManagedExecution": {"Active": True},
            "OperationPreferences": {
                "RegionConcurrencyType": "PARALLEL",
                "MaxConcurrentPercentage": 25,
                "FailureTolerancePercentage": 10,
            },
            "Description": Match.absent(),
        },
    )
    assert construct.node.default_child is construct.stack_set
    assert stack.resolve(construct.stack_set_id) == {
        "Fn::GetAtt": [stack.get_logical_id(construct.stack_set), "StackSetId"]
    }


def test_logical_id_is_the_construct_id_directly_under_a_stack() -> None:
    """So a stack that moves its L1 StackSet into this construct, under the same id, keeps the StackSet."""
    stack = new_stack()
    construct = stack_set_in(stack)
    assert stack.get_logical_id(construct.stack_set) == construct.node.id


def test_every_prop() -> None:
    stack = new_stack()
    stack_set_in(
        stack,
        call_as="DELEGATED_ADMIN",
        auto_deploy=True,
        retain_stacks_on_account_removal=False,
        max_concurrent_percentage=100,
        failure_tolerance_percentage=0,
        capabilities=["CAPABILITY_IAM"],
        description="Onboarding",
    )
    Template.from_stack(stack).has_resource_properties(
        "AWS::CloudFormation::StackSet",
        {
            "CallAs": "DELEGATED_ADMIN",
            "Capabilities": ["CAPABILITY_IAM"],
            "AutoDeployment": {"Enabled": True, "RetainStacksOnAccountRemoval": False},
            "OperationPreferences": {"MaxConcurrentPercentage": 100, "FailureTolerancePercentage": 0},
            "Description": "Onboarding",
        },
    )


@pytest.mark.parametrize("retain", [True, False])
def test_retain_is_left_out_without_auto_deployment(retain: bool) -> None:
    stack = new_stack()
    stack_set_in(stack, auto_deploy=False, retain_stacks_on_account_removal=retain)
    # CloudFormation accepts RetainStacksOnAccountRemoval only with auto-deployment on.
    Template.from_stack(stack).has_resource_properties(
        "AWS::CloudFormation::StackSet", {"AutoDeployment": Match.object_equals({"Enabled": False})}
    )


def test_every_account_of_the_units_when_nothing_narrows_them() -> None:
    assert groups() == [{"DeploymentTargets": {"OrganizationalUnitIds": [OU]}, "Regions": REGIONS}]


def test_exclude_accounts_are_left_out() -> None:
    assert groups(exclude_accounts=["999999999999"]) == [
        {
            "DeploymentTargets": {
                "OrganizationalUnitIds": [OU],
                "AccountFilterType": "DIFFERENCE",
                "Accounts": ["999999999999"],
            },
            "Regions": REGIONS,
        }
    ]


def test_include_accounts_are_the_only_targets() -> None:
    assert groups(include_accounts=["222222222222", "444444444444"]) == [
        {
            "DeploymentTargets": {
                "OrganizationalUnitIds": [OU],
                "AccountFilterType": "INTERSECTION",
                "Accounts": ["222222222222", "444444444444"],
            },
            "Regions": REGIONS,
        }
    ]


def test_overridden_accounts_get_their_own_group_and_are_left_out_of_the_shared_one() -> None:
    shared, first, second = groups(
        exclude_accounts=["999999999999"],
        parameter_overrides={"222222222222": {"Subnet": ""}, "333333333333": {"Cluster": "a", "Public": "true"}},
    )
    assert shared == {
        "DeploymentTargets": {
            "OrganizationalUnitIds": [OU],
            "AccountFilterType": "DIFFERENCE",
            "Accounts": ["999999999999", "222222222222", "333333333333"],
        },
        "Regions": REGIONS,
    }
    assert first == {
        "DeploymentTargets": {
            "OrganizationalUnitIds": [OU],
            "AccountFilterType": "INTERSECTION",
            "Accounts": ["222222222222"],
        },
        "Regions": REGIONS,
        "ParameterOverrides": [{"ParameterKey": "Subnet", "ParameterValue": ""}],
    }
    assert second["DeploymentTargets"]["Accounts"] == ["333333333333"]
    assert second["ParameterOverrides"] == [
        {"ParameterKey": "Cluster", "ParameterValue": "a"},
        {"ParameterKey": "Public", "ParameterValue": "true"},
    ]


def test_overrides_alone_leave_their_accounts_out_of_the_shared_group() -> None:
    shared, own = groups(parameter_overrides={"222222222222": {"Subnet": ""}})
    assert shared["DeploymentTargets"] == {
        "OrganizationalUnitIds": [OU],
        "AccountFilterType": "DIFFERENCE",
        "Accounts": ["222222222222"],
    }
    assert own["DeploymentTargets"]["AccountFilterType"] == "INTERSECTION"


def test_included_accounts_with_overrides_leave_the_shared_group() -> None:
    shared, own = groups(
        include_accounts=["222222222222", "444444444444"], parameter_overrides={"222222222222": {"Role": "x"}}
    )
    assert shared["DeploymentTargets"] == {
        "OrganizationalUnitIds": [OU],
        "AccountFilterType": "INTERSECTION",
        "Accounts": ["444444444444"],
    }
    assert own["DeploymentTargets"]["Accounts"] == ["222222222222"]


def test_no_shared_group_when_every_included_account_has_overrides() -> None:
    [own] = groups(include_accounts=["222222222222"], parameter_overrides={"222222222222": {"Role": "x"}})
    assert own["DeploymentTargets"]["Accounts"] == ["222222222222"]
    assert own["ParameterOverrides"] == [{"ParameterKey": "Role", "ParameterValue": "x"}]


@pytest.mark.parametrize(
    ("props", "message"),
    [
        (
            {"organizational_units": []},
            "organizational_units: empty (expected at least one OU id, e.g. 'ou-abcd-12345678')",
        ),
        (
            {"organizational_units": [OU, "ou-AB12-cd345678"]},
            "organizational_units[1]: 'ou-AB12-cd345678' is not an organizational unit id (expected ou-<4 to 32"
            " lowercase letters or digits>-<8 to 32 more>, e.g. ou-ab12-cd345678, or the root id r-<4 to 32>)",
        ),
        ({"organizational_units": [OU, OU]}, f"organizational_units: '{OU}' listed more than once"),
        ({"regions": []}, "regions: empty (expected at least one region, e.g. 'us-east-1')"),
        ({"regions": ["us-east-1", "us-east-1"]}, "regions: 'us-east-1' listed more than once"),
        ({"regions": "us-east-1"}, "regions: 'us-east-1' is one string (expected a list of regions)"),
        (
            {"include_accounts": ["22222222222"]},
            "include_accounts[0]: '22222222222' is not an AWS account id (expected exactly 12 digits)",
        ),
        (
            {"exclude_accounts": ["222222222222", "222222222222"]},
            "exclude_accounts: '222222222222' listed more than once",
        ),
        (
            {"include_accounts": ["222222222222"], "exclude_accounts": ["333333333333"]},
            "include_accounts and exclude_accounts cannot both be given: list the accounts to deploy to in"
            " include_accounts, or the accounts to leave out in exclude_accounts",
        ),
        (
            {"exclude_accounts": ["222222222222"], "parameter_overrides": {"222222222222": {"A": "b"}}},
            "parameter_overrides: account '222222222222' is in exclude_accounts, so it gets no stack to override",
        ),
        (
            {"include_accounts": ["444444444444"], "parameter_overrides": {"222222222222": {"A": "b"}}},
            "parameter_overrides: account '222222222222' is not in include_accounts, so it gets no stack to override",
        ),
        (
            {"parameter_overrides": {"2222": {"A": "b"}}},
            "parameter_overrides: '2222' is not an AWS account id (expected exactly 12 digits)",
        ),
        (
            {"max_concurrent_percentage": 0},
            "max_concurrent_percentage: 0 is out of range (expected a whole percentage from 1 to 100)",
        ),
        (
            {"max_concurrent_percentage": 101},
            "max_concurrent_percentage: 101 is out of range (expected a whole percentage from 1 to 100)",
        ),
        (
            {"max_concurrent_percentage": 2.5},
            "max_concurrent_percentage: 2.5 is out of range (expected a whole percentage from 1 to 100)",
        ),
        (
            {"failure_tolerance_percentage": -1},
            "failure_tolerance_percentage: -1 is out of range (expected a whole percentage from 0 to 100)",
        ),
        (
            {"failure_tolerance_percentage": 101},
            "failure_tolerance_percentage: 101 is out of range (expected a whole percentage from 0 to 100)",
        ),
        (
            {"call_as": "ADMIN"},
            "call_as: 'ADMIN' is not allowed (expected 'SELF' in the management account or 'DELEGATED_ADMIN' in a"
            " delegated administrator account)",
        ),
    ],
)
def test_error_messages(props: dict[str, Any], message: str) -> None:
    assert_refused(lambda: stack_set_in(new_stack(), **props), "TestStack/StackSet", message)


def test_every_problem_is_reported_at_once() -> None:
    assert_refused(
        lambda: stack_set_in(new_stack(), organizational_units=[], regions=[], call_as="ADMIN"),
        "TestStack/StackSet",
        "organizational_units: empty (expected at least one OU id, e.g. 'ou-abcd-12345678')",
        "regions: empty (expected at least one region, e.g. 'us-east-1')",
        "call_as: 'ADMIN' is not allowed (expected 'SELF' in the management account or 'DELEGATED_ADMIN' in a"
        " delegated administrator account)",
    )


def test_deploy_time_values_are_not_checked() -> None:
    stack = new_stack()
    account = CfnParameter(stack, "Account").value_as_string
    included = CfnParameter(stack, "Included").value_as_string
    stack_set_in(
        stack,
        include_accounts=[included],
        parameter_overrides={account: {"A": "b"}, "222222222222": {"A": "c"}},
        call_as=CfnParameter(stack, "CallAs").value_as_string,
        max_concurrent_percentage=CfnParameter(stack, "Concurrency", type="Number").value_as_number,
        failure_tolerance_percentage=CfnParameter(stack, "Tolerance", type="Number").value_as_number,
    )
    Template.from_stack(stack).has_resource_properties(
        "AWS::CloudFormation::StackSet",
        {"CallAs": {"Ref": "CallAs"}, "OperationPreferences": {"MaxConcurrentPercentage": {"Ref": "Concurrency"}}},
    )
